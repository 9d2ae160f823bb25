//! `deskmail outbox list`: what waits to be sent, what failed, and why.

use anyhow::Result;
use deskmail::config::Config;
use deskmail::store::{Store, outbox};
use std::process::ExitCode;

pub fn list(config: &Config, as_json: bool, all: bool) -> Result<ExitCode> {
    let mails = if config.store.path.exists() {
        outbox::list(Store::open_read_only(&config.store.path)?.conn(), all)?
    } else {
        Vec::new()
    };
    if as_json {
        out!("{}", serde_json::to_string_pretty(&mails)?);
        return Ok(ExitCode::SUCCESS);
    }
    if mails.is_empty() {
        out!(
            "{}",
            if all {
                "the outbox is empty"
            } else {
                "nothing waiting and nothing failed"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let tz = config.calendar.tz();
    out!(
        "{:<8} {:<3} {:<17} {:<21} {:<32} LAST ERROR",
        "STATE",
        "TRY",
        "NEXT ATTEMPT",
        "KIND",
        "TO"
    );
    for m in &mails {
        out!(
            "{:<8} {:<3} {:<17} {:<21} {:<32} {}",
            m.state,
            m.attempts,
            m.next_attempt.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            m.kind,
            m.recipients,
            m.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
