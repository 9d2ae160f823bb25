//! `deskmail export ADDRESS`: everything held about one person as one document. Mails are
//! given decoded — headers, the text, the names of attachments — not as raw MIME: that is
//! what a person can read, and the database keeps only a mail's first bytes anyway.

use super::{Held, Request, audit};
use crate::privacy::Person;
use crate::store::{Result, StoreError, parse_time, tickets};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Export {
    /// The base address asked for (`+tag` and case folded).
    pub address: String,
    pub exported: DateTime<Utc>,
    pub tickets: Vec<TicketData>,
    /// Mails the desk received from them, on their tickets, or naming their address.
    pub inbound: Vec<InboundData>,
    /// Mails the desk sent to them, about their tickets, or naming their address.
    pub outbound: Vec<OutboundData>,
    /// The history of their tickets, and events elsewhere that name them.
    pub events: Vec<EventData>,
}

#[derive(Debug, Serialize)]
pub struct TicketData {
    #[serde(rename = "ref")]
    pub reference: String,
    pub requester: String,
    pub requester_name: Option<String>,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub waiting_reason: Option<String>,
    pub assignee: Option<String>,
    pub language: String,
    pub created: DateTime<Utc>,
    pub target: DateTime<Utc>,
    pub next_contact: Option<NaiveDate>,
}

/// A stored mail, decoded; `None` when its raw bytes were purged or cannot be read.
#[derive(Debug, Serialize)]
pub struct Message {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    pub text: String,
    pub attachments: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct InboundData {
    pub received: DateTime<Utc>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub decision: String,
    pub reason: String,
    pub ticket: Option<String>,
    /// The mail's whole size, and how much of it the database kept.
    pub size: i64,
    pub kept: i64,
    pub purged: Option<DateTime<Utc>>,
    pub message: Option<Message>,
}

#[derive(Debug, Serialize)]
pub struct OutboundData {
    pub message_id: String,
    pub kind: String,
    pub recipients: String,
    pub created: DateTime<Utc>,
    pub state: String,
    pub sent: Option<DateTime<Utc>>,
    pub ticket: Option<String>,
    pub purged: Option<DateTime<Utc>>,
    pub message: Option<Message>,
}

#[derive(Debug, Serialize)]
pub struct EventData {
    pub ticket: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

/// Read what `held` names into one document, and record the request (without the person).
pub fn export(c: &Connection, person: &Person, held: &Held, now: DateTime<Utc>) -> Result<Export> {
    let mut out = Export {
        address: person.address().to_string(),
        exported: now,
        tickets: Vec::new(),
        inbound: Vec::new(),
        outbound: Vec::new(),
        events: Vec::new(),
    };
    for id in &held.tickets {
        let t = tickets::by_id(c, *id)?.ok_or_else(|| StoreError::Vanished {
            what: format!("ticket #{id}"),
        })?;
        out.tickets.push(TicketData {
            reference: t.reference.to_string(),
            requester: t.requester,
            requester_name: t.requester_name,
            subject: t.subject,
            description: t.description,
            category: t.category,
            priority: t.priority.as_str().to_string(),
            status: t.status.as_str().to_string(),
            waiting_reason: t.waiting_reason,
            assignee: t.assignee,
            language: t.lang.code().to_string(),
            created: t.created,
            target: t.target,
            next_contact: t.next_contact,
        });
    }
    let mut stmt = c.prepare(
        "SELECT i.received, i.sender, i.subject, i.decision, i.reason, t.ref, \
         COALESCE(i.size, length(i.raw)), length(i.raw), i.purged, i.raw \
         FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id WHERE i.id = ?1",
    )?;
    for id in &held.inbound {
        let row = stmt.query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                InboundData {
                    received: DateTime::UNIX_EPOCH,
                    sender: r.get(1)?,
                    subject: r.get(2)?,
                    decision: r.get(3)?,
                    reason: r.get(4)?,
                    ticket: r.get(5)?,
                    size: r.get(6)?,
                    kept: r.get(7)?,
                    purged: None,
                    message: message(&r.get::<_, Vec<u8>>(9)?),
                },
                r.get::<_, Option<String>>(8)?,
            ))
        })?;
        let (received, data, purged) = row;
        out.inbound.push(InboundData {
            received: parse_time(&received)?,
            purged: purged.map(|p| parse_time(&p)).transpose()?,
            ..data
        });
    }
    let mut stmt = c.prepare(
        "SELECT o.message_id, o.kind, o.recipients, o.created, o.state, o.sent, t.ref, o.purged, \
         o.raw FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id WHERE o.id = ?1",
    )?;
    for id in &held.outbox {
        let (data, created, sent, purged) = stmt.query_row([id], |r| {
            Ok((
                OutboundData {
                    message_id: r.get(0)?,
                    kind: r.get(1)?,
                    recipients: r.get(2)?,
                    created: DateTime::UNIX_EPOCH,
                    state: r.get(4)?,
                    sent: None,
                    ticket: r.get(6)?,
                    purged: None,
                    message: message(&r.get::<_, Vec<u8>>(8)?),
                },
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        out.outbound.push(OutboundData {
            created: parse_time(&created)?,
            sent: sent.map(|t| parse_time(&t)).transpose()?,
            purged: purged.map(|t| parse_time(&t)).transpose()?,
            ..data
        });
    }
    let mut stmt = c.prepare(
        "SELECT t.ref, e.at, e.actor, e.kind, e.detail FROM events e \
         JOIN tickets t ON t.id = e.ticket_id WHERE e.id = ?1",
    )?;
    for id in &held.events {
        let (ticket, at, actor, kind, detail) = stmt.query_row([id], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?;
        out.events.push(EventData {
            ticket,
            at: parse_time(&at)?,
            actor,
            kind,
            detail,
        });
    }
    audit(c, Request::Export, &held.summary(c)?, now)?;
    Ok(out)
}

/// A stored mail as a person reads it.
fn message(raw: &[u8]) -> Option<Message> {
    let m = crate::parse::parse(raw, raw.len()).ok()?;
    let show = |a: &crate::model::Address| match &a.name {
        Some(n) if !n.is_empty() => format!("{n} <{}>", a.email),
        _ => a.email.clone(),
    };
    Some(Message {
        from: m.from.as_ref().map(show),
        to: m.to.iter().map(show).collect(),
        cc: m.cc.iter().map(show).collect(),
        subject: m.subject,
        date: m.date,
        text: m.body,
        attachments: m.attachments.into_iter().map(|a| a.name).collect(),
    })
}
