//! Writing what an agent's mail does (decided by the pure `agent::plan`), inside the caller's
//! transaction: the ticket's new state, an event per change (who, what, when, which mail),
//! the answer to the requester in the desk's name, the help mail to the agent. An unproven mail
//! from an agent's address is only recorded.

use super::enqueue::{WriteError, enqueue};
use crate::agent::command::Parsed;
use crate::agent::plan;
use crate::agent::proof::Unproven;
use crate::agent::redact::Tokens;
use crate::agent::token::TokenKey;
use crate::classify::Decision;
use crate::compose::Composer;
use crate::config::Config;
use crate::model::{EventKind, Inbound, TicketRef};
use crate::store::{StoreError, events, inbound, outbox, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Record the mail on the ticket and say why nothing happened; nobody is answered.
pub fn unproven(
    tx: &Connection,
    m: &Inbound,
    reference: &TicketRef,
    why: &Unproven,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let from = m.from.as_ref().map_or("?", |f| f.email.as_str());
    tracing::warn!(ticket = %reference, from, %why, "mail from an agent's address not proven; kept, not acted on");
    let Some(t) = tickets::by_ref(tx, reference.as_str())? else {
        return Ok(());
    };
    inbound::link_ticket(tx, inbound_id, t.id)?;
    events::add(
        tx,
        t.id,
        now,
        from,
        EventKind::Unproven,
        &format!("mail \"{}\" not acted on: {why}", m.subject),
        Some(inbound_id),
    )?;
    Ok(())
}

/// Why a proven agent's mail changes nothing — a line not understood, a date in the past, an
/// assignee who is not an agent — worked out by the same plan that `apply` writes, so `run`'s
/// log and `explain` say exactly what the mail does. `None` when it is carried out.
pub fn refusal(
    c: &Connection,
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let Decision::AgentCommand { ticket, parsed } = decision else {
        return Ok(None);
    };
    let (Some(t), Some(from)) = (tickets::by_ref(c, ticket.as_str())?, m.from.as_ref()) else {
        return Ok(None);
    };
    // whether the mail is refused does not depend on the tokens in its text
    let p = plan_for(c, parsed, from, &t, config, now, None)?;
    let Some(help) = p.help.filter(|_| p.rejected) else {
        return Ok(None);
    };
    let wrong: Vec<String> = help
        .errors
        .iter()
        .map(|e| format!("\"{}\" ({})", e.line, e.problem))
        .collect();
    Ok(Some(format!(
        "proven agent mail on {ticket}, refused: {}; nothing done, the agent gets the syntax",
        wrong.join("; ")
    )))
}

/// The plan for an agent's mail on `t`, with what the store knows that it needs; `key`
/// finds the tickets' tokens in the text (without it none are taken out).
fn plan_for(
    c: &Connection,
    parsed: &Parsed,
    from: &crate::model::Address,
    t: &crate::model::Ticket,
    config: &Config,
    now: DateTime<Utc>,
    key: Option<&TokenKey>,
) -> Result<plan::Plan, StoreError> {
    // the progress mails of today and yesterday: whether a promise can still be kept today
    let sent = outbox::progress_times(c, t.id, now - chrono::Duration::days(2))?;
    let tokens = tokens(c, key)?;
    Ok(plan::plan(parsed, from, t, config, now, &sent, &tokens))
}

/// Every ticket's token under `key`, not only the one the mail is about: an agent pastes
/// what is at hand. One HMAC per ticket, only for agents' mails.
pub(super) fn tokens(c: &Connection, key: Option<&TokenKey>) -> Result<Tokens, StoreError> {
    Ok(match key {
        Some(key) => Tokens::of(key, &tickets::references(c)?),
        None => Tokens::default(),
    })
}

/// Apply a proven agent's commands and pass on their text.
pub fn apply(
    tx: &Connection,
    composer: &Composer,
    m: &Inbound,
    reference: &TicketRef,
    parsed: &Parsed,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let (Some(t), Some(from)) = (tickets::by_ref(tx, reference.as_str())?, m.from.as_ref()) else {
        return Ok(());
    };
    inbound::link_ticket(tx, inbound_id, t.id)?;
    let p = plan_for(
        tx,
        parsed,
        from,
        &t,
        composer.config,
        now,
        composer.token_key,
    )?;
    if p.rejected {
        tracing::info!(ticket = %reference, agent = p.agent, "agent's commands not understood; nothing done, the agent is told");
    } else {
        tickets::update(tx, &p.ticket, now)?;
    }
    for (kind, detail) in &p.events {
        events::add(tx, t.id, now, &p.agent, *kind, detail, Some(inbound_id))?;
    }
    if let Some(answer) = p.answer {
        let answering = inbound::last_message_id_from(tx, t.id, &t.requester)?;
        let mail = composer.agent_answer(&p.ticket, answer, answering.as_deref(), now)?;
        enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now)?;
        tickets::set_threads(tx, t.id, Some(&mail.message_id), None)?;
    }
    if let Some(help) = p.help {
        let mail = composer.agent_help(&p.ticket, &p.agent, help, now)?;
        enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now)?;
    }
    Ok(())
}
