//! What the store holds about one person ([`crate::privacy::Person`]), for `deskmail export`
//! (`export`) and `deskmail forget` (`forget`): their tickets, the mails they sent, mails to
//! them and mails that name their address (a portal form, the agents' notice, a bundle), and
//! the events on those tickets and mails. Each request is recorded in `audit` by what was done
//! and how much, never by whom.

mod export;
mod forget;

pub use export::{Export, export};
pub use forget::{Forgotten, forget};

use super::{Result, time_text};
use crate::privacy::Person;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use std::collections::BTreeSet;

/// The rows that hold something of one person, by id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Held {
    /// Tickets they asked for.
    pub tickets: BTreeSet<i64>,
    pub inbound: BTreeSet<i64>,
    pub outbox: BTreeSet<i64>,
    pub events: BTreeSet<i64>,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.inbound.is_empty()
            && self.outbox.is_empty()
            && self.events.is_empty()
    }

    /// How much, for the audit row and the operator: numbers and ticket references only.
    fn summary(&self, c: &Connection) -> Result<String> {
        let refs = refs(c, &self.tickets)?;
        Ok(format!(
            "{} tickets{}, {} mails in, {} mails out, {} events",
            self.tickets.len(),
            if refs.is_empty() {
                String::new()
            } else {
                format!(" ({})", refs.join(", "))
            },
            self.inbound.len(),
            self.outbox.len(),
            self.events.len()
        ))
    }
}

/// Find everything held about `person`; the names they gave are added to it on the way.
pub fn find(c: &Connection, person: &mut Person) -> Result<Held> {
    let mut held = Held::default();
    {
        let mut stmt = c.prepare("SELECT id, requester, requester_name FROM tickets")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let requester: String = r.get(1)?;
            if person.is(&requester) {
                held.tickets.insert(r.get(0)?);
                if let Some(name) = r.get::<_, Option<String>>(2)? {
                    person.add_name(&name);
                }
            }
        }
    }
    {
        let mut stmt = c.prepare("SELECT id, sender, ticket_id, raw FROM inbound ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let sender: Option<String> = r.get(1)?;
            let ticket: Option<i64> = r.get(2)?;
            let raw: Vec<u8> = r.get(3)?;
            let theirs = sender.as_deref().is_some_and(|s| person.is(s));
            if theirs && let Some(name) = from_name(&raw) {
                person.add_name(&name);
            }
            if theirs || ticket.is_some_and(|t| held.tickets.contains(&t)) || mentions(person, &raw)
            {
                held.inbound.insert(r.get(0)?);
            }
        }
    }
    {
        let mut stmt =
            c.prepare("SELECT id, recipients, ticket_id, raw FROM outbox ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let recipients: String = r.get(1)?;
            let ticket: Option<i64> = r.get(2)?;
            let raw: Vec<u8> = r.get(3)?;
            if recipients.split(',').any(|a| person.is(a))
                || ticket.is_some_and(|t| held.tickets.contains(&t))
                || mentions(person, &raw)
            {
                held.outbox.insert(r.get(0)?);
            }
        }
    }
    {
        let mut stmt =
            c.prepare("SELECT id, ticket_id, inbound_id, actor, detail FROM events ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let ticket: i64 = r.get(1)?;
            let inbound: Option<i64> = r.get(2)?;
            let actor: String = r.get(3)?;
            let detail: String = r.get(4)?;
            if held.tickets.contains(&ticket)
                || inbound.is_some_and(|i| held.inbound.contains(&i))
                || person.addressed_in(&actor)
                || person.addressed_in(&detail)
            {
                held.events.insert(r.get(0)?);
            }
        }
    }
    Ok(held)
}

/// Does a stored mail name their address, as written or once decoded (an encoded header, a
/// base64 or quoted-printable body)?
fn mentions(person: &Person, raw: &[u8]) -> bool {
    if raw.is_empty() {
        return false;
    }
    if person.addressed_in(&String::from_utf8_lossy(raw)) {
        return true;
    }
    let Ok(m) = crate::parse::parse(raw, raw.len()) else {
        return false;
    };
    let addresses = m
        .from
        .iter()
        .chain(m.reply_to.iter())
        .chain(&m.to)
        .chain(&m.cc);
    addresses.into_iter().any(|a| person.is(&a.email))
        || person.addressed_in(&m.subject)
        || person.addressed_in(&m.body)
}

/// The display name of a stored mail's sender.
fn from_name(raw: &[u8]) -> Option<String> {
    let m = crate::parse::parse(raw, raw.len()).ok()?;
    m.from?.name.filter(|n| !n.trim().is_empty())
}

/// The references of these tickets, in order.
fn refs(c: &Connection, tickets: &BTreeSet<i64>) -> Result<Vec<String>> {
    let mut stmt = c.prepare("SELECT ref FROM tickets WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in tickets {
        out.push(stmt.query_row([id], |r| r.get(0))?);
    }
    Ok(out)
}

/// A request about personal data, as the audit keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Export,
    Forget,
}

impl Request {
    pub fn as_str(self) -> &'static str {
        match self {
            Request::Export => "export",
            Request::Forget => "forget",
        }
    }
}

/// Record a request: what and how much, not whom (`summary` holds numbers and references).
fn audit(c: &Connection, request: Request, summary: &str, now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "INSERT INTO audit (at, action, detail) VALUES (?1, ?2, ?3)",
        params![time_text(now), request.as_str(), summary],
    )?;
    Ok(())
}

/// The audit rows, oldest first: (time, action, detail).
pub fn audit_log(c: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = c.prepare("SELECT at, action, detail FROM audit ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
