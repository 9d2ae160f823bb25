//! What the store knows that a decision's effects depend on ([`crate::effects::Facts`]), read inside
//! the transaction that writes them: the ticket a mail is about, the next ticket number, and for
//! an agent's mail the recent progress mails, the desk's reply-address tokens and the
//! requester's last mail (which the answer threads under).

use crate::agent::redact::Tokens;
use crate::agent::token::TokenKey;
use crate::classify::{Decision, IgnoreReason};
use crate::config::Config;
use crate::effects::Facts;
use crate::model::Inbound;
use crate::store::{StoreError, inbound, outbox, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Read what `decision` on `m` needs; `key` finds the tickets' tokens in an agent's text
/// (without it none are taken out).
pub fn gather(
    c: &Connection,
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    key: Option<&TokenKey>,
    now: DateTime<Utc>,
) -> Result<Facts, StoreError> {
    let mut facts = Facts::default();
    match decision {
        Decision::NewTicket(_) => {
            facts.next_number = tickets::next_number(c, config.tickets.first_number)?;
        }
        Decision::TicketReply { ticket, .. }
        | Decision::Ignore(IgnoreReason::UnprovenAgent { ticket, .. }) => {
            facts.ticket = tickets::by_ref(c, ticket.as_str())?;
        }
        Decision::AgentCommand { ticket, .. } => {
            let Some(t) = tickets::by_ref(c, ticket.as_str())? else {
                return Ok(facts);
            };
            // the progress mails of today and yesterday: whether a promise can still be kept today
            facts.sent = outbox::progress_times(c, t.id, now - chrono::Duration::days(2))?;
            facts.tokens = tokens(c, key)?;
            // an agent who is also the requester answers under their own mail
            let own = m
                .from
                .as_ref()
                .filter(|f| f.email.eq_ignore_ascii_case(&t.requester))
                .and(m.message_id.clone());
            facts.answering = match own {
                Some(id) => Some(id),
                None => inbound::last_message_id_from(c, t.id, &t.requester)?,
            };
            facts.ticket = Some(t);
        }
        Decision::Ignore(_) | Decision::Handoff(_) | Decision::PortalReply { .. } => {}
    }
    Ok(facts)
}

/// Every ticket's token under `key`, not only the one the mail is about: an agent pastes
/// what is at hand. One HMAC per ticket, only for agents' mails.
fn tokens(c: &Connection, key: Option<&TokenKey>) -> Result<Tokens, StoreError> {
    Ok(match key {
        Some(key) => Tokens::of(key, &tickets::references(c)?),
        None => Tokens::default(),
    })
}
