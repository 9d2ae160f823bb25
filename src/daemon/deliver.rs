//! The outbox worker: send due rows through the transport, mark them sent, or retry with
//! backoff on a temporary failure, and give up (loudly) on a permanent one.

use super::Engine;
use super::enqueue::{WriteError, enqueue};
use crate::compose::vars::{BrakeVars, FailureVars};
use crate::compose::{Composer, MailKind};
use crate::error_chain::Chain;
use crate::model::EventKind;
use crate::store::{Durability, brake, events, outbox, tickets};
use crate::transport::{Outgoing, SendError};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Attempts before a temporarily failing mail is given up on.
const MAX_ATTEMPTS: u32 = 12;

/// Wait after the first failed attempt; it doubles with each further one, up to `RETRY_CAP`.
const RETRY_FIRST: Duration = Duration::from_secs(60);
const RETRY_CAP: Duration = Duration::from_secs(2 * 60 * 60);

/// Backoff after `attempts` earlier failures (this one not counted): 1 min, 2, 4, … capped at
/// 2 hours. No jitter: each retry is one row due at a stored time, not a crowd reconnecting.
pub fn backoff(attempts: u32) -> chrono::Duration {
    let wait = crate::backoff::doubling(attempts.saturating_add(1), RETRY_FIRST, RETRY_CAP);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(2))
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Send what is due, in batches, until nothing due is left or the emergency brake holds it.
/// Each mail is recorded sent as soon as the transport took it (over SMTP one by one, into a
/// Maildir a batch at a time), without waiting for the disk
/// (`Durability::Os`): waiting doubled the time per mail, and a power loss that forgets a mark
/// costs a second copy with the same Message-ID, never a lost mail. The notices this writes
/// (a failure, the brake) are transactions, which wait for the disk again.
pub async fn flush(engine: &mut Engine, now: DateTime<Utc>) -> Result<Delivered, WriteError> {
    engine.store.set_durability(Durability::Os)?;
    let sent = flush_due(engine, now).await;
    engine.store.set_durability(Durability::Disk)?;
    sent
}

async fn flush_due(engine: &mut Engine, now: DateTime<Utc>) -> Result<Delivered, WriteError> {
    let mut result = Delivered::default();
    loop {
        let pending = outbox::due(engine.store.conn(), now, 100)?;
        if pending.is_empty() {
            return Ok(result);
        }
        let batch = match budget(engine, now)? {
            None => pending,
            Some(0) => {
                // only the agents' notice about the brake itself may pass it
                let kind = MailKind::AgentOutboxPaused.as_str();
                let notices = outbox::due_of_kind(engine.store.conn(), kind, now, 10)?;
                for mail in &notices {
                    send_chunk(engine, std::slice::from_ref(mail), now, &mut result).await?;
                }
                tracing::warn!(
                    "sending is paused by the emergency brake; `deskmail outbox resume` lets it go on"
                );
                return Ok(result);
            }
            Some(n) => pending.into_iter().take(n as usize).collect(),
        };
        let size = engine.transport.batch_size();
        for chunk in batch.chunks(size) {
            send_chunk(engine, chunk, now, &mut result).await?;
        }
    }
}

/// How many more mails may go out now: None without a brake, Some(0) when it holds. Engages the
/// brake (loudly, and with a notice to the agents) when the last hour's count reaches the limit.
fn budget(engine: &mut Engine, now: DateTime<Utc>) -> Result<Option<u32>, WriteError> {
    let limit = engine.config.max_per_hour;
    if limit == 0 {
        return Ok(None);
    }
    let state = brake::state(engine.store.conn())?;
    if state.engaged.is_some() {
        return Ok(Some(0));
    }
    let hour_ago = now - chrono::Duration::hours(1);
    let since = state.released.map_or(hour_ago, |r| r.max(hour_ago));
    let count = outbox::sent_since(engine.store.conn(), since)?;
    if count < limit {
        return Ok(Some(limit - count));
    }
    let reason = format!("{count} mails sent in the last hour (outbound.max_per_hour = {limit})");
    // crit in the journal (cli/logging): nothing goes out until someone acts
    tracing::error!(priority = "crit", %reason, "EMERGENCY BRAKE: sending paused; the agents are told; `deskmail outbox resume` lets it go on");
    let composer = Composer::new(&engine.config, &engine.templates).signing(&engine.token_key);
    let notice = composer.agent_outbox_paused(BrakeVars { count, limit }, now)?;
    engine.store.transaction(true, |tx| {
        brake::engage(tx, now, &reason)?;
        enqueue(tx, &composer, &notice, None, None, now)
    })?;
    Ok(Some(0))
}

/// Hand a chunk of due mails to the transport together (a Maildir batch is synced once) and
/// record each answer.
async fn send_chunk(
    engine: &mut Engine,
    chunk: &[outbox::Queued],
    now: DateTime<Utc>,
    result: &mut Delivered,
) -> Result<(), WriteError> {
    let (earlier, fresh): (Vec<&outbox::Queued>, Vec<&outbox::Queued>) = chunk
        .iter()
        .partition(|mail| engine.unrecorded.contains(&mail.id));
    // sent before in this run; only the store did not hear of it
    let ids: Vec<i64> = earlier.iter().map(|mail| mail.id).collect();
    outbox::mark_all_sent(engine.store.conn(), &ids, now)?;
    for mail in earlier {
        engine.unrecorded.remove(&mail.id);
        tracing::info!(message_id = %mail.message_id, "sent earlier; now recorded");
        result.sent += 1;
    }
    if fresh.is_empty() {
        return Ok(());
    }
    let outgoing: Vec<Outgoing> = fresh
        .iter()
        .map(|mail| Outgoing {
            message_id: &mail.message_id,
            recipients: &mail.recipients,
            raw: &mail.raw,
        })
        .collect();
    let sending = std::time::Instant::now();
    let answers = engine.transport.send_all(&outgoing).await;
    // a batch's time shared out, so the histogram stays "per mail" for any transport
    let each = sending.elapsed() / fresh.len() as u32;
    let (sent, refused): (Vec<_>, Vec<_>) = fresh
        .into_iter()
        .zip(answers)
        .partition(|(_, answer)| answer.is_ok());
    let ids: Vec<i64> = sent.iter().map(|(mail, _)| mail.id).collect();
    for (mail, _) in &sent {
        // the server has it, whether or not the store hears of it now
        engine.metrics.send_took(each);
        engine.metrics.sent(&mail.kind);
        engine.unrecorded.insert(mail.id);
    }
    // the refused first: a store that cannot record the sent ones must not also skip their
    // backoff (the sent ones wait in `unrecorded` meanwhile)
    for (mail, answer) in refused {
        engine.metrics.send_took(each);
        if let Err(e) = answer {
            refused_one(engine, mail, &e, now, result)?;
        }
    }
    outbox::mark_all_sent(engine.store.conn(), &ids, now)?;
    for (mail, _) in &sent {
        engine.unrecorded.remove(&mail.id);
        tracing::info!(message_id = %mail.message_id, kind = %mail.kind, to = %mail.recipients.join(", "), "sent");
        result.sent += 1;
    }
    Ok(())
}

/// A mail the transport did not take: retry later, or give up and tell the agents.
fn refused_one(
    engine: &mut Engine,
    mail: &outbox::Queued,
    e: &SendError,
    now: DateTime<Utc>,
    result: &mut Delivered,
) -> Result<(), WriteError> {
    let error = Chain(e).to_string();
    if e.is_transient() && mail.attempts + 1 < MAX_ATTEMPTS {
        let next = now + backoff(mail.attempts);
        outbox::mark_retry(engine.store.conn(), mail.id, next, &error)?;
        tracing::warn!(message_id = %mail.message_id, %error, retry_at = %next, "send failed, will retry");
        engine.metrics.retried(&mail.kind);
        result.retrying += 1;
    } else {
        outbox::mark_failed(engine.store.conn(), mail.id, &error)?;
        tracing::error!(message_id = %mail.message_id, to = %mail.recipients.join(", "), %error, "send failed for good");
        engine.metrics.failed(&mail.kind);
        result.failed += 1;
        tell_agents(engine, mail, &error, now)?;
    }
    Ok(())
}

/// Queue a notice to the agents about a mail that will not arrive (never about such a notice
/// itself: that would loop).
fn tell_agents(
    engine: &mut Engine,
    mail: &outbox::Queued,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    if mail.kind == MailKind::AgentDeliveryFailed.as_str()
        || mail.kind == MailKind::AgentOutboxPaused.as_str()
    {
        return Ok(());
    }
    let ticket = match mail.ticket_id {
        Some(id) => tickets::by_id(engine.store.conn(), id)?,
        None => None,
    };
    let subject = crate::parse::parse(&mail.raw, usize::MAX)
        .map(|m| m.subject)
        .unwrap_or_default();
    let failure = FailureVars {
        to: mail.recipients.join(", "),
        subject,
        kind: mail.kind.clone(),
        error: error.chars().take(500).collect(),
    };
    let composer = Composer::new(&engine.config, &engine.templates).signing(&engine.token_key);
    let notice = composer.agent_delivery_failed(ticket.as_ref(), failure, now)?;
    engine.store.transaction(true, |tx| {
        if let Some(t) = &ticket {
            events::add(
                tx,
                t.id,
                now,
                "deskmail",
                EventKind::MailFailed,
                &format!("{} to {}: {error}", mail.kind, mail.recipients.join(", ")),
                None,
            )?;
        }
        enqueue(
            tx,
            &composer,
            &notice,
            ticket.as_ref().map(|t| t.id),
            None,
            now,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), chrono::Duration::minutes(1));
        assert_eq!(backoff(3), chrono::Duration::minutes(8));
        assert_eq!(backoff(30), chrono::Duration::minutes(120));
    }
}
