//! The scheduler tick: for every open ticket whose next progress mail is due, write the mail and
//! the ticket's new promise in one transaction. The timing itself is `schedule::progress`; what
//! the mail changes is `effects::progress`.

use super::Engine;
use super::enqueue::{WriteError, enqueue};
use super::write::write;
use crate::compose::vars::DigestVars;
use crate::compose::{Composer, MailKind};
use crate::effects;
use crate::schedule::{Due, digest, progress, window};
use crate::store::{outbox, tickets};
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
) -> Result<Vec<Sent>, WriteError> {
    // how long a tick takes is what grows with the store (docs/scaling.md, bench/bigstore)
    let started = std::time::Instant::now();
    let sent = due_mails(engine, now, commit)?;
    tracing::debug!(
        queued = sent.len(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "scheduler tick done"
    );
    Ok(sent)
}

fn due_mails(
    engine: &mut Engine,
    now: DateTime<Utc>,
    commit: bool,
) -> Result<Vec<Sent>, WriteError> {
    // the agents hear of mail not answered at any hour, not only in the progress window
    super::handoff::bundle(engine, now, commit)?;
    let config = &engine.config;
    let (cal, sched) = (&config.calendar, &config.schedule);
    if !window::in_window(now, cal, sched) {
        return Ok(Vec::new());
    }
    let composer = Composer::new(config, &engine.templates)
        .signing(&engine.token_key)
        .linking(engine.page_key.as_ref());
    let open = tickets::list(engine.store.conn(), false)?;
    // the progress mails of today and yesterday: the daily cap and promises kept today
    let mut recent =
        outbox::progress_times_all(engine.store.conn(), now - chrono::Duration::days(2))?;
    let mut sent = Vec::new();
    for t in open {
        let history = recent.remove(&t.id).unwrap_or_default();
        let Some(due) = progress::next_due(&t, &history, cal, sched) else {
            continue;
        };
        if due.at > now {
            continue;
        }
        let due = Due {
            kind: progress::kind_when_sent(&t, due, now),
            ..due
        };
        let after = progress::after_send(&t, now, &history, cal, sched);
        let effects = effects::progress(&composer, &t, due, &after, now)?;
        engine
            .store
            .transaction(commit, |tx| write(tx, &composer, &effects, None, now))?;
        tracing::info!(ticket = %t.reference, kind = due.kind.template(), promise = %after.next_contact, "progress mail queued");
        sent.push(Sent {
            ticket: t.reference.to_string(),
            due,
        });
    }
    if config.agents.digest && digest::due_now(now, cal, sched) {
        digests(engine, now, commit)?;
    }
    Ok(sent)
}

/// Each agent's morning digest (and the queue's, of unassigned tickets), once a day, only
/// when something needs attention.
fn digests(engine: &mut Engine, now: DateTime<Utc>, commit: bool) -> Result<(), WriteError> {
    let config = &engine.config;
    let cal = &config.calendar;
    let composer = Composer::new(config, &engine.templates)
        .signing(&engine.token_key)
        .linking(engine.page_key.as_ref());
    let open = tickets::list(engine.store.conn(), false)?;
    let today_start = cal
        .local_date(now)
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(cal.tz()).earliest())
        .map_or(now - chrono::Duration::hours(12), |t| t.with_timezone(&Utc));
    let kind = MailKind::AgentDigest.as_str();
    for (to, items) in digest::digests(&open, &config.agents.queue, now, cal, &config.schedule) {
        if outbox::last_to(engine.store.conn(), kind, &to, today_start)?.is_some() {
            continue;
        }
        let for_queue = to.eq_ignore_ascii_case(&config.agents.queue);
        let vars = DigestVars::new(config, &items, for_queue, now, |t| {
            composer.agent_reply_to(t).email
        });
        let mail = composer.agent_digest(&to, vars, now)?;
        engine
            .store
            .transaction(commit, |tx| enqueue(tx, &composer, &mail, None, None, now))?;
        tracing::info!(to, tickets = items.len(), "agent digest queued");
    }
    Ok(())
}
