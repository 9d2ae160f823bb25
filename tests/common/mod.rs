//! Shared helpers for the end-to-end tests: a desk in a temporary folder (config, inbound and
//! outbound Maildirs, database), a way to deliver mail into it, run the real binary, and read
//! what came out.

#![allow(dead_code)] // each test file uses its own subset

pub mod browser;
pub mod http;
pub mod imap_relay;
pub mod in_process;
pub mod journal;
pub mod labelled;
pub mod mails;
pub mod mailstack;
pub mod notify;
pub mod oauth;
pub mod tmpfs;
pub mod web_desk;

#[allow(unused_imports)] // each test file uses its own subset
pub use mails::*;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BASE_CONFIG: &str = r#"
[desk]
name = "Servicedesk Test"
address = "servicedesk@example.org"
timezone = "Europe/Amsterdam"
language = "nl"

[store]
path = "var/deskmail.sqlite"

[inbound]
kind = "maildir"
path = "inbox"
# the tests feed a backlog before the first run, with made-up delivery times; the age rules
# (inbound.since, inbound.max_age_days) have tests of their own
since = "all"
max_age_days = 0

[outbound]
kind = "maildir"
path = "outbox"

[portal]
form_url = "https://portal.example.org/general"
senders = ["portal@example.org"]

[[portal.forms]]
category = "printer"
url = "https://portal.example.org/printer"
keywords = ["printer", "printen"]

[agents]
queue = "agents@example.org"
addresses = ["anna@example.org"]

[calendar]
holidays = ["2026-12-25", "2026-12-28"]
"#;

/// The labelled real-world corpus beside the checkout (`../shared/corpus`, see its README), or
/// `None` after [`skip`] when it is not there: a fresh clone has no `../shared`.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("labels.tsv").is_file() {
        return Some(dir);
    }
    skip(&format!(
        "needs ../shared/corpus beside the checkout (looked in {}; scripts/test needs it too)",
        dir.display()
    ))
}

/// Set to `1` by `scripts/test` (which CI runs): every [`skip`] fails the test instead, so CI
/// cannot pass by testing nothing.
pub const REQUIRE_ALL: &str = "DESKMAIL_REQUIRE_ALL";

/// The one way a test stops early for want of something plain `cargo test` may lack (root, the
/// test mail servers, `../shared`): a `SKIPPED <test>: <needs>` line on stderr and `None`, for
/// the test to return on (`let Some(x) = … else { return };`). Under [`REQUIRE_ALL`] it panics
/// with the same line: there a skip is a failure (an ignore attribute would hide it from CI).
pub fn skip<T>(needs: &str) -> Option<T> {
    // the test harness names each test's thread after the test
    let thread = std::thread::current();
    let line = format!("SKIPPED {}: {needs}", thread.name().unwrap_or("a test"));
    let required = std::env::var_os(REQUIRE_ALL).is_some_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{line} ({REQUIRE_ALL} is set: a skip is a failure)"
    );
    // straight to the stream, not eprintln!: the harness swallows a passing test's eprintln!,
    // and a skip must be seen
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
    None
}

/// Whether this process runs as root (effective uid 0): mounting a tmpfs and running the test
/// mail servers need it.
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.trim_ascii() == b"0")
}

/// `Some(())` when root, else [`skip`] with `needs` (what the test does that needs root).
pub fn root(needs: &str) -> Option<()> {
    if is_root() {
        return Some(());
    }
    skip(&format!("{needs} (run scripts/test as root)"))
}

pub struct Desk {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    counter: AtomicUsize,
}

/// A `deskmail run` daemon that is killed when the test ends, also when it fails.
pub struct Daemon {
    child: Option<std::process::Child>,
}

impl Daemon {
    pub fn start(config: &Path) -> Daemon {
        Daemon::start_with_env(config, &[])
    }

    /// [`start`](Daemon::start) with extra environment (e.g. `NOTIFY_SOCKET`).
    pub fn start_with_env(config: &Path, env: &[(&str, PathBuf)]) -> Daemon {
        Daemon::spawn(
            std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
                .arg("--config")
                .arg(config)
                .arg("run")
                .env_remove("RUST_LOG")
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stderr(std::process::Stdio::piped()),
        )
    }

    /// A daemon from a command of the test's own (its environment, where its stderr goes).
    pub fn spawn(cmd: &mut std::process::Command) -> Daemon {
        let child = cmd.spawn().expect("start deskmail run");
        Daemon { child: Some(child) }
    }

    pub fn pid(&self) -> String {
        self.child
            .as_ref()
            .map(|c| c.id().to_string())
            .unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &self.pid()])
            .status()
            .expect("kill");
        assert!(ok.success(), "kill -{sig} failed");
    }

    /// SIGKILL, as a crash would.
    pub fn crash(mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait (at most 30 s): the exit code and the log.
    pub fn stop(mut self) -> (Option<i32>, String) {
        self.signal("TERM");
        let Some(mut child) = self.child.take() else {
            return (None, String::new());
        };
        let start = std::time::Instant::now();
        while child.try_wait().ok().flatten().is_none()
            && start.elapsed() < std::time::Duration::from_secs(30)
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One mail that deskmail wrote, parsed.
#[derive(Debug, Clone)]
pub struct Sent {
    pub file: PathBuf,
    pub raw: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
}

impl Sent {
    /// Raw value of a header of the top-level message (first occurrence).
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.raw, name)
    }
}

impl Desk {
    pub fn new() -> Desk {
        Desk::with_config("")
    }

    /// A desk with extra TOML appended to the base config.
    pub fn with_config(extra: &str) -> Desk {
        Desk::with_full_config(&format!("{BASE_CONFIG}{extra}"))
    }

    /// A desk whose emergency brake holds after two mails an hour, with four people's
    /// questions waiting (Message-IDs `brake-a@example.com` …): the first run sends two and
    /// engages the brake. The portal replies' own hourly share (half the brake by default)
    /// would catch them before the brake, so it is switched off to see the brake itself.
    pub fn braking() -> Desk {
        let desk = Desk::with_full_config(&format!(
            "{}\n[limits]\nportal_replies_per_hour = 0\n",
            BASE_CONFIG.replace("path = \"outbox\"", "path = \"outbox\"\nmax_per_hour = 2")
        ));
        for who in ["a", "b", "c", "d"] {
            desk.deliver(&person_mail(
                &format!("{who} <{who}@example.com>"),
                "Vraag",
                &format!("brake-{who}@example.com"),
                "Mijn pc start niet.",
            ));
        }
        desk
    }

    /// A desk with this whole config text.
    pub fn with_full_config(text: &str) -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("deskmail.toml");
        std::fs::write(&config, text).expect("write config");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.path().join("inbox").join(sub)).expect("inbox");
        }
        Desk {
            dir,
            config,
            counter: AtomicUsize::new(0),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Deliver a raw mail into the inbound Maildir's `new/`, in arrival order.
    pub fn deliver(&self, raw: &str) -> PathBuf {
        let n = self.counter.load(Ordering::SeqCst);
        // distinct modification times keep arrival order on coarse file systems
        let t = std::time::SystemTime::UNIX_EPOCH
            + std::time::Duration::from_secs(1_700_000_000 + n as u64);
        self.deliver_at(raw, t)
    }

    /// Deliver a raw mail whose delivery (modification) time is `t`.
    pub fn deliver_at(&self, raw: &str, t: std::time::SystemTime) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}.M{n}P1.test", 1_700_000_000 + n);
        let tmp = self.path("inbox/tmp").join(&name);
        std::fs::write(&tmp, raw.replace('\n', "\r\n")).expect("write mail");
        let new = self.path("inbox/new").join(&name);
        std::fs::rename(&tmp, &new).expect("deliver mail");
        let f = std::fs::File::options()
            .write(true)
            .open(&new)
            .expect("open mail");
        f.set_modified(t).expect("set mtime");
        new
    }

    /// Run the real binary with `--config` and the given arguments.
    pub fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .expect("run deskmail")
    }

    /// Run and insist on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "deskmail {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `run --once` as if it were `now`.
    pub fn run_once_at(&self, now: &str) -> String {
        self.ok(&["--now", now, "run", "--once"])
    }

    /// Every mail in the outbound Maildir, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        read_maildir(&self.path("outbox/new"))
    }

    /// Mails written since the last call with `seen` (which it then adds to), oldest first:
    /// a long simulation reads each mail once instead of the whole outbox at every step.
    pub fn sent_new(&self, seen: &mut std::collections::HashSet<PathBuf>) -> Vec<Sent> {
        files_by_mtime(&self.path("outbox/new"))
            .into_iter()
            .filter(|p| seen.insert(p.clone()))
            .map(|p| parse_sent(&p))
            .collect()
    }

    /// Mails written since `before` (a previous `sent()`).
    pub fn sent_since(&self, before: &[Sent]) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| !before.iter().any(|b| b.file == s.file))
            .collect()
    }

    pub fn tickets_json(&self) -> serde_json::Value {
        let out = self.ok(&["tickets", "list", "--json", "--all"]);
        serde_json::from_str(&out).expect("tickets list --json is JSON")
    }
}

/// Raw value of a header of a raw message (first occurrence, whitespace folded).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse(raw.as_bytes())?;
    msg.headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

pub fn read_maildir(dir: &Path) -> Vec<Sent> {
    files_by_mtime(dir).iter().map(|p| parse_sent(p)).collect()
}

/// The files of a Maildir folder, oldest first.
fn files_by_mtime(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| {
            (
                e.metadata().and_then(|m| m.modified()).expect("mtime"),
                e.path(),
            )
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

fn parse_sent(path: &Path) -> Sent {
    sent_from_raw(path, std::fs::read_to_string(path).expect("read sent mail"))
}

/// A mail deskmail wrote, parsed; `file` is where it lies (empty for one kept in memory).
pub fn sent_from_raw(file: &Path, raw: String) -> Sent {
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("our mail parses");
    let to = msg
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|m| m.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Sent {
        file: file.to_path_buf(),
        to,
        subject: msg.subject().unwrap_or_default().to_string(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        message_id: msg.message_id().unwrap_or_default().to_string(),
        in_reply_to: msg.in_reply_to().as_text().map(str::to_string),
        raw,
    }
}

/// How many inbound mails the desk's database records.
pub fn inbound_rows(desk: &Desk) -> i64 {
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open database");
    db.query_row("SELECT COUNT(*) FROM inbound", [], |r| r.get(0))
        .expect("count inbound")
}
