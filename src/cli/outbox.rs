//! `deskmail outbox`: what waits to be sent, what failed, and why (`list`); the emergency
//! brake (`resume`); failed mails sent again (`retry`) or put aside (`dismiss`).

use anyhow::{Result, bail};
use deskmail::config::Config;
use deskmail::status::BrakeView;
use deskmail::store::{Store, brake, inbound, outbox};
use std::process::ExitCode;

/// `outbox list --json`: the brake beside the mails, so a script sees why nothing leaves.
#[derive(serde::Serialize)]
struct Listing<'a> {
    brake: BrakeView,
    mails: &'a [outbox::MailSummary],
    /// Inbound mails not answered, per reason code (`first_start`, `since`, `too_old`, `flood`).
    not_answered: std::collections::BTreeMap<String, i64>,
}

pub fn list(config: &Config, as_json: bool, all: bool) -> Result<ExitCode> {
    let store = Store::open_existing(&config.store.path)?;
    let (mails, brake, held) = (
        outbox::list(store.conn(), all)?,
        brake::state(store.conn())?,
        inbound::held_counts(store.conn())?,
    );
    let paused = brake.engaged;
    if as_json {
        let listing = Listing {
            brake: BrakeView::new(&brake, config.max_per_hour),
            mails: &mails,
            not_answered: held.into_iter().collect(),
        };
        out!("{}", serde_json::to_string_pretty(&listing)?);
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
        "{:<6} {:<9} {:<3} {:<17} {:<21} {:<32} LAST ERROR",
        "ID",
        "STATE",
        "TRY",
        "NEXT ATTEMPT",
        "KIND",
        "TO"
    );
    for m in &mails {
        out!(
            "{:<6} {:<9} {:<3} {:<17} {:<21} {:<32} {}",
            m.id,
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

/// `deskmail outbox retry ID|--all-failed`: failed (or dismissed) mail goes out again at the
/// daemon's next pass, with a fresh round of attempts.
pub fn retry(
    config: &Config,
    id: Option<i64>,
    all_failed: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ExitCode> {
    let store = open_existing(config)?;
    let Some(id) = id.filter(|_| !all_failed) else {
        let n = outbox::retry_all_failed(store.conn(), now)?;
        tracing::info!(
            mails = n,
            "failed mails queued again by `deskmail outbox retry --all-failed`"
        );
        out!("{n} failed mail(s) queued again; they go out at deskmail's next pass");
        return Ok(ExitCode::SUCCESS);
    };
    let mail = known(&store, id)?;
    match mail.state.as_str() {
        "failed" | "dismissed" => {
            outbox::retry(store.conn(), id, now)?;
            tracing::info!(id, message_id = %mail.message_id, "mail queued again by `deskmail outbox retry`");
            out!(
                "mail {id} ({} to {}) queued again; it goes out at deskmail's next pass",
                mail.kind,
                mail.recipients
            );
            Ok(ExitCode::SUCCESS)
        }
        "pending" => {
            let next = mail.next_attempt.with_timezone(&config.calendar.tz());
            out!(
                "mail {id} is waiting to be sent already (next attempt {}); nothing changed",
                next.format("%Y-%m-%d %H:%M")
            );
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("mail {id} was {other}; only a failed or dismissed mail can be sent again"),
    }
}

/// `deskmail outbox dismiss ID`: a failed mail is put aside for good; it no longer counts as
/// failed, and `outbox list --all` still shows it.
pub fn dismiss(config: &Config, id: i64) -> Result<ExitCode> {
    let store = open_existing(config)?;
    let mail = known(&store, id)?;
    if !outbox::dismiss(store.conn(), id)? {
        bail!(
            "mail {id} is {}, not failed; only a failed mail can be dismissed",
            mail.state
        );
    }
    tracing::info!(id, message_id = %mail.message_id, "failed mail dismissed by `deskmail outbox dismiss`");
    out!(
        "mail {id} ({} to {}) dismissed: it will not be sent and no longer counts as failed; `deskmail outbox retry {id}` sends it after all",
        mail.kind,
        mail.recipients
    );
    Ok(ExitCode::SUCCESS)
}

/// Changing the outbox needs its database; a missing one is a wrong store.path, not an empty
/// outbox to create.
fn open_existing(config: &Config) -> Result<Store> {
    if !config.store.path.exists() {
        bail!(
            "no database at {}: deskmail has not run yet, or store.path is wrong",
            config.store.path.display()
        );
    }
    Ok(Store::open(&config.store.path)?)
}

fn known(store: &Store, id: i64) -> Result<outbox::MailSummary> {
    match outbox::summary(store.conn(), id)? {
        Some(mail) => Ok(mail),
        None => bail!("no mail {id} in the outbox; `deskmail outbox list --all` shows the IDs"),
    }
}
