//! `deskmail export ADDRESS` and `deskmail forget ADDRESS [--dry-run]`: requests about one
//! person's data (GDPR/AVG). Both are recorded in the database's `audit` table and the log by
//! what was done and how much, never by whom.

use super::retention::existing;
use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use deskmail::config::Config;
use deskmail::privacy::Person;
use deskmail::store::{Store, privacy};
use std::process::ExitCode;

/// The person, refused when the address is one of the desk's own: those are not a person's.
fn person(config: &Config, address: &str) -> Result<Person> {
    let person = Person::new(address)?;
    let own = std::iter::once(&config.desk.address)
        .chain(std::iter::once(&config.agents.queue))
        .chain(&config.portal.senders);
    if own.into_iter().any(|a| person.is(a)) {
        bail!(
            "{address} is the desk's own address (desk.address, agents.queue or portal.senders), not a person's; nothing done"
        );
    }
    Ok(person)
}

pub fn export(config: &Config, address: &str, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut person = person(config, address)?;
    let store = Store::open(existing(config)?)?;
    let held = privacy::find(store.conn(), &mut person)?;
    let doc = privacy::export(store.conn(), &person, &held, now)?;
    tracing::info!(
        tickets = held.tickets.len(),
        inbound = held.inbound.len(),
        outbox = held.outbox.len(),
        events = held.events.len(),
        "personal data exported (recorded in the audit table)"
    );
    out!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(ExitCode::SUCCESS)
}

pub fn forget(
    config: &Config,
    address: &str,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut person = person(config, address)?;
    let path = existing(config)?;
    let mut store = if dry_run {
        Store::open_read_only(path)?
    } else {
        Store::open(path)?
    };
    let held = privacy::find(store.conn(), &mut person)?;
    if held.is_empty() {
        out!("nothing held about {address}");
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        out!(
            "would forget: {} tickets, {} mails in, {} mails out, {} events (run without --dry-run to erase)",
            held.tickets.len(),
            held.inbound.len(),
            held.outbox.len(),
            held.events.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let done = privacy::forget(&mut store, &person, &held, now)?;
    tracing::info!(summary = %done.summary, "personal data erased on request (recorded in the audit table)");
    out!("forgotten: {}", done.summary);
    out!("the database file was rebuilt (VACUUM): it keeps no copy of what was erased");
    if !done.wal_cleared {
        out!(
            "the write-ahead log ({}-wal) is still in use by deskmail; it is emptied at its next checkpoint, or stop deskmail and run this again",
            path.display()
        );
    }
    out!("not touched: the mailbox itself and earlier backups; delete their mails there");
    Ok(ExitCode::SUCCESS)
}
