//! The scheduler tick: for every open ticket whose next progress mail is due, write the mail and
//! the ticket's new promise in one transaction. The timing itself is `schedule::progress`.

use super::Engine;
use super::ingest::{IngestError, enqueue};
use crate::compose::Composer;
use crate::schedule::{Due, progress};
use crate::store::{events, outbox, tickets};
use chrono::{DateTime, Utc};

/// One progress mail that was (or in a dry run, would be) queued.
#[derive(Debug, Clone)]
pub struct Sent {
    pub ticket: String,
    pub due: Due,
}

pub fn tick(
    engine: &mut Engine,
    now: DateTime<Utc>,
    commit: bool,
) -> Result<Vec<Sent>, IngestError> {
    let config = &engine.config;
    let (cal, sched) = (&config.calendar, &config.schedule);
    if !progress::in_window(now, cal, sched) {
        return Ok(Vec::new());
    }
    let composer = Composer::new(config, &engine.templates);
    let open = tickets::list(engine.store.conn(), false)?;
    let mut sent = Vec::new();
    for t in open {
        let history =
            outbox::progress_times(engine.store.conn(), t.id, now - chrono::Duration::days(2))?;
        let Some(due) = progress::next_due(&t, &history, cal, sched) else {
            continue;
        };
        if due.at > now {
            continue;
        }
        let after = progress::after_send(&t, now, cal, sched);
        let mut updated = t.clone();
        updated.near_sent = after.near_sent;
        updated.overdue_sent = after.overdue_sent;
        updated.next_contact = Some(after.next_contact);
        let mail = composer.progress(&updated, due.kind, now)?;
        engine.store.transaction(commit, |tx| {
            tickets::set_progress(
                tx,
                t.id,
                after.near_sent,
                after.overdue_sent,
                after.next_contact,
                now,
            )?;
            events::add(
                tx,
                t.id,
                now,
                "deskmail",
                due.kind.template(),
                &format!(
                    "progress mail; next contact promised by {}",
                    after.next_contact
                ),
                None,
            )?;
            enqueue(tx, &composer, &mail, Some(t.id), None, now)
        })?;
        tracing::info!(ticket = %t.reference, kind = due.kind.template(), promise = %after.next_contact, "progress mail queued");
        sent.push(Sent {
            ticket: t.reference.to_string(),
            due,
        });
    }
    Ok(sent)
}
