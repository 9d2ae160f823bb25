//! `deskmail outbox list`: what waits to be sent, what failed, and why.

use anyhow::Result;
use deskmail::config::Config;
use deskmail::store::{Store, brake, inbound, outbox};
use std::process::ExitCode;

pub fn list(config: &Config, as_json: bool, all: bool) -> Result<ExitCode> {
    let store = Store::open_existing(&config.store.path)?;
    let (mails, paused, held) = (
        outbox::list(store.conn(), all)?,
        brake::state(store.conn())?.engaged,
        inbound::held_counts(store.conn())?,
    );
    if as_json {
        out!("{}", serde_json::to_string_pretty(&mails)?);
        return Ok(ExitCode::SUCCESS);
    }
    // mail that got no answer for its age is part of what an operator must see here
    for (code, count) in &held {
        let why = match code.as_str() {
            "first_start" => "were in the mailbox before deskmail first ran (inbound.since)",
            "since" => "arrived before inbound.since",
            "too_old" => "were older than inbound.max_age_days when deskmail saw them",
            "flood" => {
                "on tickets over limits.per_ticket_per_day went to the agents' hourly bundle"
            }
            _ => "were held back",
        };
        out!("not answered: {count} mail(s) {why}");
    }
    if mails.is_empty() && paused.is_none() {
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
    if let Some(since) = paused {
        out!(
            "SENDING PAUSED by the emergency brake since {} — `deskmail outbox resume` lets it go on",
            since.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        );
    }
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

/// `deskmail outbox resume`: release the emergency brake; the count starts afresh from now.
pub fn resume(config: &Config, now: chrono::DateTime<chrono::Utc>) -> Result<ExitCode> {
    Store::must_exist(&config.store.path)?;
    let store = Store::open(&config.store.path)?;
    let state = brake::state(store.conn())?;
    brake::release(store.conn(), now)?;
    match (state.engaged, state.reason) {
        (Some(_), reason) => {
            tracing::warn!(
                reason = reason.as_deref().unwrap_or(""),
                "emergency brake released by `deskmail outbox resume`"
            );
            out!(
                "sending resumed (it was paused: {})",
                reason.unwrap_or_default()
            );
        }
        (None, _) => out!("sending was not paused; the hourly count starts afresh from now"),
    }
    Ok(ExitCode::SUCCESS)
}
