//! What a decision does, worked out without touching the store: the ticket it creates or
//! changes, the events on it, the mails to queue and how they thread ([`Effects`]). The daemon
//! gathers what the store knows ([`Facts`]), calls [`decided`] for a mail or [`progress`] for a
//! due progress mail, [`requester_closed`] for a requester who closes their ticket on its page,
//! and writes the result in one transaction (`daemon::write`); the fuzz
//! harness calls the same functions, so what it checks is what the daemon sends.

mod decided;
mod progress;
mod requester;
#[cfg(test)]
mod tests;

pub use decided::decided;
pub use progress::progress;
pub use requester::requester_closed;

use crate::agent::redact::Tokens;
use crate::compose::Outgoing;
use crate::model::{EventKind, Ticket};
use chrono::{DateTime, Utc};

/// What the store knows that a decision's effects depend on, read before they are worked out.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The ticket the decision is about, as stored (a reply, an agent's mail, an unproven one).
    pub ticket: Option<Ticket>,
    /// The number a new ticket gets.
    pub next_number: i64,
    /// The ticket's progress mails of today and yesterday: whether a promise an agent sets can
    /// still be kept today.
    pub sent: Vec<DateTime<Utc>>,
    /// The desk's reply-address tokens, none of which may reach a requester from an agent's text.
    pub tokens: Tokens,
    /// The Message-ID of the requester's last mail on the ticket: an agent's answer threads
    /// under it.
    pub answering: Option<String>,
}

/// What happens to the ticket a decision is about.
#[derive(Debug, Clone)]
pub enum TicketEffect {
    /// A new ticket under `number`; the store gives it its id.
    Create { number: i64, ticket: Ticket },
    /// The stored ticket with this id gets the mail and events, and keeps its state.
    Keep(i64),
    /// The stored ticket is written in this new state.
    Update(Ticket),
}

impl TicketEffect {
    /// The stored ticket's id; `None` for one still to be created.
    pub fn id(&self) -> Option<i64> {
        match self {
            TicketEffect::Create { .. } => None,
            TicketEffect::Keep(id) => Some(*id),
            TicketEffect::Update(t) => Some(t.id),
        }
    }
}

/// One line of a ticket's history: who, what, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub who: String,
    pub kind: EventKind,
    pub detail: String,
}

impl Event {
    fn new(who: impl Into<String>, kind: EventKind, detail: impl Into<String>) -> Event {
        Event {
            who: who.into(),
            kind,
            detail: detail.into(),
        }
    }
}

/// The Message-IDs a ticket's later mails thread under, set only where none is set yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Threads {
    pub requester: Option<String>,
    pub agent: Option<String>,
}

/// Everything a decision causes, in the order it is written: the ticket, its events, the mails
/// (queued after the events), the threads.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// `None`: the decision is about no ticket.
    pub ticket: Option<TicketEffect>,
    pub events: Vec<Event>,
    pub mails: Vec<Outgoing>,
    pub threads: Threads,
}

impl Effects {
    /// Nothing at all: an ignored mail, or one handed to the agents' hourly bundle.
    pub fn none() -> Effects {
        Effects::default()
    }
}
