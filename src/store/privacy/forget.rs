//! `deskmail forget ADDRESS`: one person's address, names and mails erased everywhere in the
//! database, in one transaction. Their tickets keep their numbers, categories, priorities and
//! timings, anonymised (an open one is closed: nobody is left to write to); stored mail that
//! holds them loses its raw bytes, keeping its decision and size; unsent mail to them or about
//! them is dismissed. Then SQLite's freed pages are zeroed (`secure_delete` during the erase)
//! and the file is rebuilt (`VACUUM`) and its WAL emptied, so no copy is left in the file.

use super::{Held, Request, audit};
use crate::model::EventKind;
use crate::privacy::{FORGOTTEN_ADDRESS, FORGOTTEN_TEXT, Person, detail_is_timing};
use crate::store::{Result, Store, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// What `forget` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// Numbers and ticket references, as the audit keeps them.
    pub summary: String,
    /// Whether the WAL beside the database could be emptied: not while another process holds
    /// a read open on it (the daemon's next checkpoint empties it then).
    pub wal_cleared: bool,
}

pub fn forget(
    store: &mut Store,
    person: &Person,
    held: &Held,
    now: DateTime<Utc>,
) -> Result<Forgotten> {
    // the pages the erase frees or rewrites are zeroed, not left in the file
    store.conn().pragma_update(None, "secure_delete", true)?;
    let summary = store.transaction(true, |tx| {
        let summary = held.summary(tx)?;
        tickets(tx, person, held, now)?;
        inbound(tx, person, held, now)?;
        outbox(tx, person, held, now)?;
        events(tx, person, held)?;
        pending_forms(tx, person)?;
        audit(tx, Request::Forget, &summary, now)?;
        Ok::<_, crate::store::StoreError>(summary)
    })?;
    store.conn().execute_batch("VACUUM")?;
    let busy: i64 = store
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(Forgotten {
        summary,
        wal_cleared: busy == 0,
    })
}

/// Requests from the desk's own form still waiting for their address to confirm: their text is
/// the person's too, and they are gone, not anonymised (nothing was made of them yet).
fn pending_forms(c: &Connection, person: &Person) -> Result<()> {
    let mut stmt = c.prepare("SELECT id, email FROM form_pending")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut theirs = Vec::new();
    for row in rows {
        let (id, email) = row?;
        if person.is(&email) {
            theirs.push(id);
        }
    }
    for id in theirs {
        c.execute("DELETE FROM form_pending WHERE id = ?1", [id])?;
    }
    Ok(())
}

fn tickets(c: &Connection, person: &Person, held: &Held, now: DateTime<Utc>) -> Result<()> {
    for id in &held.tickets {
        let status: String =
            c.query_row("SELECT status FROM tickets WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        let settled = matches!(status.as_str(), "resolved" | "closed");
        c.execute(
            "UPDATE tickets SET requester = ?2, requester_name = NULL, subject = ?3, \
             description = ?3, waiting_reason = NULL, next_contact = NULL, promised = NULL, \
             status = CASE WHEN ?4 THEN status ELSE 'closed' END, \
             updated = CASE WHEN ?4 THEN updated ELSE ?5 END WHERE id = ?1",
            params![
                id,
                FORGOTTEN_ADDRESS,
                FORGOTTEN_TEXT,
                settled,
                time_text(now)
            ],
        )?;
        let detail = if settled {
            "personal data erased on request"
        } else {
            "personal data erased on request; closed: nobody is left to write to"
        };
        crate::store::events::add(c, *id, now, "deskmail", EventKind::Forgotten, detail, None)?;
    }
    // other people's tickets that name them keep their words, without them
    let mut stmt = c.prepare("SELECT id, subject, description FROM tickets")?;
    let others: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, subject, description) in others {
        if !held.tickets.contains(&id)
            && (person.addressed_in(&subject) || person.addressed_in(&description))
        {
            c.execute(
                "UPDATE tickets SET subject = ?2, description = ?3 WHERE id = ?1",
                params![id, person.scrub(&subject), person.scrub(&description)],
            )?;
        }
    }
    Ok(())
}

fn inbound(c: &Connection, person: &Person, held: &Held, now: DateTime<Utc>) -> Result<()> {
    let mut read = c.prepare("SELECT sender, reason, message_id FROM inbound WHERE id = ?1")?;
    let mut write = c.prepare(
        "UPDATE inbound SET size = COALESCE(size, length(raw)), raw = X'', \
         purged = COALESCE(purged, ?2), subject = NULL, sender = ?3, reason = ?4, \
         message_id = ?5 WHERE id = ?1",
    )?;
    for id in &held.inbound {
        let (sender, reason, message_id): (Option<String>, String, Option<String>) =
            read.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let sender = sender.map(|s| {
            if person.is(&s) {
                FORGOTTEN_ADDRESS.to_string()
            } else {
                s
            }
        });
        // a Message-ID stays (a copy still in the mailbox is known, not answered again) unless
        // it holds their address
        let message_id = message_id.filter(|m| !person.addressed_in(m));
        write.execute(params![
            id,
            time_text(now),
            sender,
            person.scrub(&reason),
            message_id
        ])?;
    }
    Ok(())
}

fn outbox(c: &Connection, person: &Person, held: &Held, now: DateTime<Utc>) -> Result<()> {
    let mut read =
        c.prepare("SELECT recipients, rcpt_base, last_error, state FROM outbox WHERE id = ?1")?;
    let mut write = c.prepare(
        "UPDATE outbox SET size = COALESCE(size, length(raw)), raw = X'', \
         purged = COALESCE(purged, ?2), recipients = ?3, rcpt_base = ?4, last_error = ?5, \
         state = ?6 WHERE id = ?1",
    )?;
    for id in &held.outbox {
        let (recipients, base, error, state): (String, Option<String>, Option<String>, String) =
            read.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let recipients = recipients
            .split(", ")
            .map(|a| if person.is(a) { FORGOTTEN_ADDRESS } else { a })
            .collect::<Vec<_>>()
            .join(", ");
        let base = base.map(|b| {
            if person.is(&b) {
                FORGOTTEN_ADDRESS.to_string()
            } else {
                b
            }
        });
        // what has not gone yet never goes: it was about them, and its text is gone
        let state = match state.as_str() {
            "pending" | "failed" => "dismissed".to_string(),
            _ => state,
        };
        let error = error.map(|e| person.scrub(&e));
        write.execute(params![id, time_text(now), recipients, base, error, state])?;
    }
    Ok(())
}

fn events(c: &Connection, person: &Person, held: &Held) -> Result<()> {
    let mut read =
        c.prepare("SELECT ticket_id, inbound_id, actor, kind, detail FROM events WHERE id = ?1")?;
    let mut write = c.prepare("UPDATE events SET actor = ?2, detail = ?3 WHERE id = ?1")?;
    for id in &held.events {
        let (ticket, inbound, actor, kind, detail): (i64, Option<i64>, String, String, String) =
            read.query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        let theirs =
            held.tickets.contains(&ticket) || inbound.is_some_and(|i| held.inbound.contains(&i));
        let detail = if theirs && !detail_is_timing(&kind) {
            FORGOTTEN_TEXT.to_string()
        } else {
            person.scrub(&detail)
        };
        write.execute(params![id, person.scrub(&actor), detail])?;
    }
    Ok(())
}
