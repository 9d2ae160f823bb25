//! `deskmail purge [--dry-run] [--json]` and `deskmail backup FILE|-`: keeping the database to
//! what is needed, and copies of it that only the deskmail user can read.

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use deskmail::config::Config;
use deskmail::retention::KeepRaw;
use deskmail::store::{Store, purge, scratch};
use std::path::Path;
use std::process::ExitCode;

/// The database `store.path` names, which must exist: a maintenance command on a mistyped
/// path must not make an empty one and report that it holds nothing.
pub(super) fn existing(config: &Config) -> Result<&Path> {
    let path = config.store.path.as_path();
    Store::must_exist(path)?;
    Ok(path)
}

pub fn purge(
    config: &Config,
    now: DateTime<Utc>,
    dry_run: bool,
    as_json: bool,
) -> Result<ExitCode> {
    let path = existing(config)?;
    let keep = config.store.keep_raw;
    let Some(cutoff) = keep.cutoff(now) else {
        if as_json {
            out!(
                "{}",
                serde_json::json!({ "dry_run": dry_run, "keep_raw_days": 0 })
            );
        } else {
            out!("store.keep_raw_days = 0: raw mail is kept for ever; nothing to purge");
        }
        return Ok(ExitCode::SUCCESS);
    };
    // a dry run changes nothing, not even the schema: an older database is looked at as a copy
    let mut store = if dry_run {
        scratch::open_for_dry_run(path)?
    } else {
        Store::open(path)?
    };
    let done = purge::purge(&mut store, cutoff, now, None, !dry_run)?;
    if !dry_run && done.mails() > 0 {
        tracing::info!(
            inbound = done.inbound,
            outbox = done.outbox,
            bytes = done.bytes(),
            "raw mail no longer needed purged (deskmail purge)"
        );
    }
    if as_json {
        let days = match keep {
            KeepRaw::Days(n) => n,
            KeepRaw::Forever => 0,
        };
        out!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "dry_run": dry_run,
                "keep_raw_days": days,
                "cutoff": cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "inbound": { "mails": done.inbound, "bytes": done.inbound_bytes },
                "outbox": { "mails": done.outbox, "bytes": done.outbox_bytes },
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let tz = config.calendar.tz();
    out!(
        "{} raw mail no longer needed (store.keep_raw_days = {keep}: mail done with before {}):",
        if dry_run { "would purge" } else { "purged" },
        cutoff.with_timezone(&tz).format("%Y-%m-%d %H:%M")
    );
    out!(
        "  mails in:  {:>6}  {}",
        done.inbound,
        bytes(done.inbound_bytes)
    );
    out!(
        "  mails out: {:>6}  {}",
        done.outbox,
        bytes(done.outbox_bytes)
    );
    out!("tickets, events, decisions and sizes stay; pending and failed mail is never purged");
    Ok(ExitCode::SUCCESS)
}

/// Bytes as an operator reads them, with the exact number.
fn bytes(n: u64) -> String {
    let mb = n as f64 / 1_000_000.0;
    if mb >= 0.1 {
        format!("{n} bytes ({mb:.1} MB)")
    } else {
        format!("{n} bytes")
    }
}

pub fn backup(config: &Config, file: &Path) -> Result<ExitCode> {
    // read-only: a backup neither creates nor migrates the database it copies
    let store = Store::open_existing(&config.store.path)?;
    if file.as_os_str() == "-" {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            bail!(
                "backup - writes the database to stdout, which is a terminal; redirect it to a file or pipe it (deskmail backup - | gzip > FILE)"
            );
        }
        let n = store.backup_to(&mut std::io::stdout().lock())?;
        tracing::info!(bytes = n, "backup written to stdout");
        return Ok(ExitCode::SUCCESS);
    }
    store.backup(file)?;
    out!(
        "backup of {} written to {} (mode 0600)",
        config.store.path.display(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}
