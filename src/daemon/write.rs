//! Writing a decision's effects (worked out by the pure `effects`) inside the caller's
//! transaction: the ticket (and a new one's reply tag), the mail's link to it, the events, the
//! outbox rows, the threads.
//! Nothing is decided here.

use super::enqueue::{WriteError, enqueue};
use crate::compose::Composer;
use crate::effects::{Effects, TicketEffect};
use crate::store::{events, inbound, reply_tags, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Write `effects`, caused by the inbound mail `inbound_id` (none for the scheduler's).
pub fn write(
    tx: &Connection,
    composer: &Composer,
    effects: &Effects,
    inbound_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let ticket_id = match &effects.ticket {
        None => None,
        Some(TicketEffect::Create { number, ticket }) => {
            let id = tickets::insert(tx, *number, ticket)?;
            reply_tags::add(tx, id, &ticket.reference, composer.token_key)?;
            Some(id)
        }
        Some(TicketEffect::Keep(id)) => Some(*id),
        Some(TicketEffect::Update(t)) => {
            tickets::update(tx, t, now)?;
            Some(t.id)
        }
    };
    if let Some(id) = ticket_id {
        if let Some(inbound_id) = inbound_id {
            inbound::link_ticket(tx, inbound_id, id)?;
        }
        for e in &effects.events {
            events::add(tx, id, now, &e.who, e.kind, &e.detail, inbound_id)?;
        }
    }
    for mail in &effects.mails {
        enqueue(tx, composer, mail, ticket_id, inbound_id, now)?;
    }
    let threads = &effects.threads;
    if let Some(id) = ticket_id
        && (threads.requester.is_some() || threads.agent.is_some())
    {
        tickets::set_threads(
            tx,
            id,
            threads.requester.as_deref(),
            threads.agent.as_deref(),
        )?;
    }
    Ok(())
}
