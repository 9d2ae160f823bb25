//! A real headless Chromium for the end-to-end tests, driven over WebDriver (fantoccini) through
//! Debian's `chromedriver` on a loopback port: open a page, read it, fill and click, write
//! screenshots at phone and desktop width under `target/screenshots/<test>/`, and run axe-core's
//! accessibility check in the page. Each [`Browser`] has its own chromedriver, Chromium and
//! empty profile, all gone when it is dropped (also when the test fails).

use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's `chromium` and `chromium-driver` (scripts/browser installs them). The browser
/// itself, not the /usr/bin/chromium wrapper: that adds flags from /etc/chromium.d and its
/// shared-memory check trips on large /dev/shm sizes.
const CHROMIUM: &str = "/usr/lib/chromium/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The widths a person reads the pages at: a phone and a desktop.
pub const PHONE: u32 = 390;
pub const DESKTOP: u32 = 1280;
pub const WIDTHS: [u32; 2] = [PHONE, DESKTOP];

/// axe-core, vendored with its licence (tests/data/axe-core/README.md says which version).
const AXE: &str = include_str!("../data/axe-core/axe.min.js");

/// How long a page, an element or chromedriver may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);
/// A screenshot taller than this is cut off (a page that long is a fault of its own).
const MAX_HEIGHT: u32 = 6000;

pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    /// The empty profile (`--user-data-dir`) and chromedriver's log, removed on drop.
    dir: tempfile::TempDir,
    shots: PathBuf,
}

/// One accessibility rule the page breaks, as axe-core reports it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    /// Each offending element (CSS selector) with what is wrong with it.
    pub nodes: Vec<String>,
}

impl Violation {
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.impact, self.rule, self.help)?;
        for node in &self.nodes {
            write!(f, "\n    {}", node.replace('\n', "\n      "))?;
        }
        Ok(())
    }
}

/// Whether Chromium and chromedriver are installed where Debian puts them.
pub fn available() -> bool {
    Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file()
}

impl Browser {
    /// A fresh headless Chromium, or `None` after [`skip`](super::skip) when it is not installed.
    #[must_use]
    pub fn start() -> Option<Browser> {
        if !available() {
            return super::skip(&format!(
                "needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}; \
                 scripts/test installs them as root, or: scripts/browser install)"
            ));
        }
        Some(Browser::launch())
    }

    fn launch() -> Browser {
        let dir = tempfile::tempdir().expect("temp dir for the browser");
        let profile = dir.path().join("profile");
        std::fs::create_dir(&profile).expect("an empty profile folder");
        let log = dir.path().join("chromedriver.log");
        let chromium = chromium_launcher(dir.path());
        let port = super::http::free_address().port();
        let mut cmd = Command::new(CHROMEDRIVER);
        cmd.arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Chromium's crash handler keeps its files under $HOME: in the temp folder, not ours
            .env("HOME", dir.path())
            // its own process group, so that drop ends Chromium and its helpers with it
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill chromedriver
        // when this test's thread ends, so a test process killed outright leaves none behind.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let driver = cmd.spawn().expect("start chromedriver");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the WebDriver client");
        let shots = screenshot_dir();
        let mut browser = Browser {
            rt,
            client: None,
            driver,
            dir,
            shots,
        };
        browser.wait_for_driver(port);
        let caps = capabilities(&chromium, &profile);
        let url = format!("http://127.0.0.1:{port}");
        let connected = browser.rt.block_on(
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&url),
        );
        match connected {
            Ok(client) => browser.client = Some(client),
            Err(e) => panic!("no Chromium session: {e}\n{}", browser.driver_log()),
        }
        browser
    }

    fn wait_for_driver(&mut self, port: u16) {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("chromedriver stopped ({status})\n{}", self.driver_log());
            }
            assert!(
                start.elapsed() < PATIENCE,
                "chromedriver did not listen on 127.0.0.1:{port}\n{}",
                self.driver_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The end of chromedriver's log, for failure messages.
    fn driver_log(&self) -> String {
        let text =
            std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        format!("chromedriver log (end):\n{tail}")
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("a browser session")
    }

    /// Run one WebDriver step, failing the test with what was asked and the driver's answer.
    fn step<T, E: std::fmt::Display>(
        &self,
        what: &str,
        f: impl AsyncFnOnce(&Client) -> Result<T, E>,
    ) -> T {
        let client = self.client();
        match self
            .rt
            .block_on(async { tokio::time::timeout(PATIENCE, f(client)).await })
        {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("browser: {what}: {e}"),
            Err(_) => panic!("browser: {what}: no answer within {PATIENCE:?}"),
        }
    }

    /// Open `url` and wait until it has loaded.
    pub fn open(&self, url: &str) {
        self.step(&format!("open {url}"), async |c| c.goto(url).await);
    }

    /// The address shown now (after redirects and form posts).
    pub fn url(&self) -> String {
        self.step("read the address", async |c| c.current_url().await)
            .to_string()
    }

    pub fn title(&self) -> String {
        self.step("read the title", async |c| c.title().await)
    }

    /// The visible text of the first element matching `css`, waiting for it to appear.
    pub fn text(&self, css: &str) -> String {
        self.step(&format!("read the text of {css:?}"), async |c| {
            element(c, css).await?.text().await
        })
    }

    /// An attribute of the first element matching `css`, `None` when it has none.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.step(&format!("read {name:?} of {css:?}"), async |c| {
            element(c, css).await?.attr(name).await
        })
    }

    /// How many elements match `css` now (no waiting: zero is an answer).
    pub fn count(&self, css: &str) -> usize {
        self.step(&format!("count {css:?}"), async |c| {
            c.find_all(Locator::Css(css)).await
        })
        .len()
    }

    /// Type `value` into the form field matching `css`, replacing what it held.
    pub fn fill(&self, css: &str, value: &str) {
        self.step(&format!("fill {css:?}"), async |c| {
            let field = element(c, css).await?;
            field.clear().await?;
            field.send_keys(value).await
        });
    }

    /// Click the element matching `css` (a button posts its form; the next page is waited for).
    pub fn click(&self, css: &str) {
        self.step(&format!("click {css:?}"), async |c| {
            element(c, css).await?.click().await
        });
    }

    /// Run JavaScript in the page (`return …` gives a value), as a tester's console would.
    pub fn script(&self, js: &str) -> Value {
        self.step("run a script", async |c| c.execute(js, vec![]).await)
    }

    /// A screenshot of the whole page at each of [`WIDTHS`], written as
    /// `target/screenshots/<test>/<name>-<width>.png`; returns the files.
    pub fn screenshots(&mut self, name: &str) -> Vec<PathBuf> {
        WIDTHS.iter().map(|w| self.screenshot(name, *w)).collect()
    }

    /// A screenshot of the whole page with the viewport `width` CSS pixels wide.
    pub fn screenshot(&mut self, name: &str, width: u32) -> PathBuf {
        self.resize(width, 800);
        let height = self.script("return document.documentElement.scrollHeight");
        let height = height
            .as_u64()
            .map_or(800, |h| h as u32)
            .clamp(200, MAX_HEIGHT);
        self.resize(width, height);
        let png = self.step("take a screenshot", async |c| c.screenshot().await);
        std::fs::create_dir_all(&self.shots).expect("the screenshot folder");
        let file = self.shots.join(format!("{name}-{width}.png"));
        std::fs::write(&file, png).expect("write the screenshot");
        file
    }

    /// Make the page's viewport (what the page sees as its width) exactly `width` × `height`:
    /// the window's own size may differ from it by the window's frame.
    fn resize(&mut self, width: u32, height: u32) {
        let inner = "return [window.innerWidth, window.innerHeight]";
        let (mut w, mut h) = (width, height);
        for _ in 0..3 {
            self.step("resize the window", async |c| c.set_window_size(w, h).await);
            let got = self.script(inner);
            let got = |i: usize| got[i].as_u64().unwrap_or(0) as u32;
            if got(0) == width && got(1) == height {
                return;
            }
            w = (w + width).saturating_sub(got(0));
            h = (h + height).saturating_sub(got(1));
        }
        let got = self.script(inner);
        panic!("the viewport would not become {width}×{height} (it is {got})");
    }

    /// Run axe-core (WCAG 2.x A/AA and best practices) on the page as it is now.
    pub fn accessibility(&self) -> Vec<Violation> {
        // The script runs through the driver, not in a <script> element, so a page's strict
        // Content-Security-Policy does not keep it out (and need not be loosened for tests).
        self.step("load axe-core", async |c| c.execute(AXE, vec![]).await);
        let run = r"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(r.violations.map(v => ({
                  rule: v.id, impact: v.impact || 'unknown', help: v.help,
                  nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))
              }))))
              .catch(e => done({ error: String(e) }));";
        let answer = self.step("run axe-core", async |c| c.execute_async(run, vec![]).await);
        if let Some(e) = answer.get("error") {
            panic!("axe-core failed in the page: {e}");
        }
        let list = answer.as_array().cloned().unwrap_or_default();
        list.iter().map(violation).collect()
    }

    /// Fail the test when axe-core finds a serious or critical problem on `page`, listing them
    /// all; lesser findings pass, shown with the test's output (on failure, or `--nocapture`).
    pub fn assert_accessible(&self, page: &str) {
        let (serious, lesser): (Vec<Violation>, Vec<Violation>) = self
            .accessibility()
            .into_iter()
            .partition(Violation::is_serious);
        for v in &lesser {
            eprintln!("axe note on {page}: {v}");
        }
        let list: Vec<String> = serious.iter().map(ToString::to_string).collect();
        assert!(
            serious.is_empty(),
            "{page} has {} serious accessibility problem(s) (axe-core):\n{}",
            serious.len(),
            list.join("\n")
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            // ends Chromium the polite way; the group kill below catches what is left
            let polite =
                async { tokio::time::timeout(Duration::from_secs(5), client.close()).await };
            let _ = self.rt.block_on(polite);
        }
        let group = self.driver.id() as libc::pid_t;
        // SAFETY: signals our own child's process group (made with process_group(0)).
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

/// The first element matching `css`, waiting up to [`PATIENCE`] for it to appear.
async fn element(c: &Client, css: &str) -> Result<fantoccini::elements::Element, CmdError> {
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
}

/// Headless Chromium with nothing of its own on the network: no sync, updates, field trials,
/// QUIC or background fetches (this machine's network refuses them, and a test talks to
/// 127.0.0.1 only), in a new empty profile.
fn capabilities(chromium: &Path, profile: &Path) -> fantoccini::wd::Capabilities {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        // a container's small /dev/shm would crash the renderer on a long page
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        // no host name resolves but localhost: a page cannot reach beyond this machine
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// Chromium as chromedriver should start it: killed when chromedriver ends (`setpriv
/// --pdeathsig`, util-linux), so that a test process killed outright (a CI timeout) takes the
/// whole browser with it: chromedriver dies with the test's thread, Chromium with chromedriver,
/// and Chromium's helpers with Chromium.
fn chromium_launcher(dir: &Path) -> PathBuf {
    let setpriv = Path::new("/usr/bin/setpriv");
    if !setpriv.is_file() {
        return PathBuf::from(CHROMIUM);
    }
    let launcher = dir.join("chromium");
    let script = format!(
        "#!/bin/sh\nexec {} --pdeathsig KILL {CHROMIUM} \"$@\"\n",
        setpriv.display()
    );
    std::fs::write(&launcher, script).expect("write the Chromium launcher");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&launcher, mode).expect("make the launcher executable");
    launcher
}

fn violation(v: &Value) -> Violation {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Violation {
        rule: s("rule"),
        impact: s("impact"),
        help: s("help"),
        nodes: v["nodes"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// `target/screenshots/<test>`, the test named as the harness names its thread.
fn screenshot_dir() -> PathBuf {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a-test").replace("::", "-");
    // CARGO_TARGET_TMPDIR is target/tmp: its parent is the target folder, wherever it is
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("screenshots")
        .join(test)
}
