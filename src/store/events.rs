//! The history of a ticket: who did what, when, and which mail caused it.

use super::{Result, parse_time, time_text};
use crate::model::EventKind;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
    pub inbound_id: Option<i64>,
}

pub fn add(
    c: &Connection,
    ticket_id: i64,
    at: DateTime<Utc>,
    actor: &str,
    kind: EventKind,
    detail: &str,
    inbound_id: Option<i64>,
) -> Result<()> {
    c.execute(
        "INSERT INTO events (ticket_id, at, actor, kind, detail, inbound_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ticket_id, time_text(at), actor, kind.as_str(), detail, inbound_id],
    )?;
    Ok(())
}

pub fn for_ticket(c: &Connection, ticket_id: i64) -> Result<Vec<Event>> {
    let mut stmt = c.prepare(
        "SELECT at, actor, kind, detail, inbound_id FROM events WHERE ticket_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, actor, kind, detail, inbound_id) = row?;
        out.push(Event {
            at: parse_time(&at)?,
            actor,
            kind,
            detail,
            inbound_id,
        });
    }
    Ok(out)
}
