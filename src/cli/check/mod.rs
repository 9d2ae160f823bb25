//! `deskmail check-config`: the config loads (or `main` has said why not), and then what
//! loading does not look at: every password can be read, the database folder can be written,
//! the templates render, settings that are valid but unlikely to be meant. With `--connect` it
//! also logs in to the mail servers (`check_connect`). Exit codes: 0 fine (warnings are
//! printed), 2 a problem in the config or around it, 1 a server step failed.

mod connect;
use super::preview::render_all;
use anyhow::Result;
use chrono::Utc;
use deskmail::compose::templates::NAMES;
use deskmail::config::Config;
use deskmail::error_chain::Chain;
use std::path::Path;
use std::process::ExitCode;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Ok,
    Warning,
    Error,
}

impl Verdict {
    pub(super) fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Error => "error",
        }
    }
}

struct Finding {
    verdict: Verdict,
    text: String,
}

pub fn check_config(config: &Config, connect: bool) -> Result<ExitCode> {
    // a template that does not compile or render is an error of its own (exit 2, in main)
    let templates = render_all(config, Utc::now())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut findings = Vec::new();
    for checked in runtime.block_on(deskmail::secret::check_all(config)) {
        findings.push(match checked.result {
            Ok(()) => Finding {
                verdict: Verdict::Ok,
                text: format!("{}: read ({})", checked.key, checked.secret),
            },
            // systemd hands credentials to the service's own processes: a shell has no
            // $CREDENTIALS_DIRECTORY, and under systemd 252 ExecReload= cannot read the files
            // (another mount namespace). They cannot be checked from there; `run` reads them at
            // start and exits 2 naming the key when one cannot be read.
            Err(e) if matches!(checked.secret, deskmail::config::Secret::Credential(_)) => {
                Finding {
                    verdict: Verdict::Warning,
                    text: format!(
                        "{}: cannot be checked from here ({}), only by the service itself: \
                         deskmail run reads it at start and stops naming the key if it cannot",
                        checked.key,
                        Chain(&e)
                    ),
                }
            }
            Err(e) => Finding {
                verdict: Verdict::Error,
                text: format!(
                    "{}: {}; {}",
                    checked.key,
                    Chain(&e),
                    deskmail::secret::fix(checked.secret)
                ),
            },
        });
    }
    findings.push(database_folder(&config.store.path));
    for w in deskmail::config::warnings(config) {
        findings.push(Finding {
            verdict: Verdict::Warning,
            text: format!("{}: {}", w.key, w.text),
        });
    }
    let errors = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Warning)
        .count();

    let file = config.file.display();
    match (errors, warnings) {
        (0, 0) => out!("configuration {file} is valid"),
        (0, n) => out!("configuration {file} is valid, with {n} warning(s)"),
        (n, _) => out!("configuration {file} has {n} problem(s)"),
    }
    summary(config, &templates)?;
    out!("checked as user {}:", current_user());
    for f in &findings {
        out!("  {:<8} {}", f.verdict.label(), f.text);
    }
    if errors > 0 {
        eprintln!("deskmail: configuration {file}: {errors} problem(s), see above");
        return Ok(ExitCode::from(2));
    }
    if connect && !runtime.block_on(connect::connect(config))? {
        eprintln!("deskmail: a step of logging in to the mail servers failed, see above");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the config says, in a few lines.
fn summary(config: &Config, templates: &deskmail::compose::Templates) -> Result<()> {
    out!(
        "  desk:      {} <{}>, language {}, time zone {}",
        config.desk.name,
        config.desk.address,
        config.desk.language,
        config.calendar.tz()
    );
    out!("  database:  {}", config.store.path.display());
    out!(
        "  inbound:   {} (processed: {})",
        config.inbound.describe(),
        config.inbound.processed
    );
    out!("  outbound:  {}", config.outbound.describe());
    out!(
        "  portal:    {} ({} keyword forms)",
        config.portal.form_url,
        config.portal.forms.len()
    );
    out!(
        "  agents:    queue {}, {} agents",
        config.agents.queue,
        config.agents.addresses.len()
    );
    match &config.templates.path {
        Some(path) if !templates.overridden.is_empty() => out!(
            "  templates: {} file(s) from {}",
            templates.overridden.len(),
            path.display()
        ),
        _ => out!("  templates: built-in ({} mails, nl and en)", NAMES.len()),
    }
    Ok(())
}

/// Can the daemon make and write its database? Tried by creating (and removing) a file where
/// the database's WAL files will go: the folder, or the nearest folder that exists when it is
/// still to be made. Nothing is left behind.
fn database_folder(db: &Path) -> Finding {
    let fix = "give the user deskmail runs as write access, or fix store.path";
    // a bare file name (a config given as `--config deskmail.toml`) lies in the current folder
    let folder = db
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // the nearest part of the path that is there must be a folder to make the rest in
    let Some(existing) = folder
        .ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())
    else {
        return Finding {
            verdict: Verdict::Error,
            text: format!("store.path: no folder of {} exists; {fix}", db.display()),
        };
    };
    if !existing.is_dir() {
        return Finding {
            verdict: Verdict::Error,
            text: format!(
                "store.path: {} is not a folder, so {} cannot be made; fix store.path",
                existing.display(),
                db.display()
            ),
        };
    }
    let probe = existing.join(format!(".deskmail-check-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe);
    let _ = std::fs::remove_file(&probe);
    if let Err(e) = written {
        return Finding {
            verdict: Verdict::Error,
            text: format!(
                "store.path: cannot create files in {}: {e}; {fix}",
                existing.display()
            ),
        };
    }
    if db.exists()
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(db)
    {
        return Finding {
            verdict: Verdict::Error,
            text: format!("store.path: cannot write {}: {e}; {fix}", db.display()),
        };
    }
    let text = if db.exists() {
        format!("store.path: database {} is writable", db.display())
    } else if existing == folder {
        format!(
            "store.path: database {} does not exist yet; `deskmail run` creates it (its folder is writable)",
            db.display()
        )
    } else {
        format!(
            "store.path: folder {} does not exist yet; `deskmail run` creates it ({} is writable)",
            folder.display(),
            existing.display()
        )
    };
    Finding {
        verdict: Verdict::Ok,
        text,
    }
}

/// The user this process runs as (the checks above are as good as that user's rights): its
/// name from /etc/passwd where it is listed, and its uid.
fn current_user() -> String {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "(unknown)".into();
    };
    let name = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid.to_string()).then(|| name.to_string())
            })
        });
    match name {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}
