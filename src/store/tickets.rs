//! Ticket rows: create, read, and the few updates decisions and the scheduler make.

use super::{Result, StoreError, parse_time, time_text};
use crate::model::{Status, Ticket, TicketRef};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str = "id, ref, requester, requester_name, lang, subject, description, category, priority, \
     status, waiting_reason, assignee, created, target, next_contact, near_sent, overdue_sent, \
     requester_thread, agent_thread, promised";

fn date(v: Option<String>, what: &str) -> std::result::Result<Option<NaiveDate>, StoreError> {
    v.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| StoreError::unreadable(what, e))
    })
    .transpose()
}

fn from_row(r: &Row) -> rusqlite::Result<std::result::Result<Ticket, StoreError>> {
    let lang: String = r.get(4)?;
    let priority: String = r.get(8)?;
    let status: String = r.get(9)?;
    let created: String = r.get(12)?;
    let target: String = r.get(13)?;
    let next_contact: Option<String> = r.get(14)?;
    let promised: Option<String> = r.get(19)?;
    let build = || -> std::result::Result<Ticket, StoreError> {
        Ok(Ticket {
            id: r.get(0)?,
            reference: TicketRef(r.get(1)?),
            requester: r.get(2)?,
            requester_name: r.get(3)?,
            lang: lang
                .parse()
                .map_err(|e| StoreError::unreadable("language", e))?,
            subject: r.get(5)?,
            description: r.get(6)?,
            category: r.get(7)?,
            priority: priority
                .parse()
                .map_err(|e| StoreError::unreadable("priority", e))?,
            status: status
                .parse()
                .map_err(|e| StoreError::unreadable("status", e))?,
            waiting_reason: r.get(10)?,
            assignee: r.get(11)?,
            created: parse_time(&created)?,
            target: parse_time(&target)?,
            next_contact: date(next_contact, "next_contact")?,
            promised: date(promised, "promised")?,
            near_sent: r.get(15)?,
            overdue_sent: r.get(16)?,
            requester_thread: r.get(17)?,
            agent_thread: r.get(18)?,
        })
    };
    Ok(build())
}

/// `status IN (…the open states…)`: named one by one, because the index on `status` can serve
/// an IN but not the NOT IN of the done ones, which read every ticket ever made.
fn open_filter() -> String {
    let open: Vec<String> = Status::ALL
        .iter()
        .filter(|s| !s.is_done())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("status IN ({})", open.join(", "))
}

fn query(c: &Connection, sql_tail: &str, params: impl rusqlite::Params) -> Result<Vec<Ticket>> {
    let sql = format!("SELECT {COLUMNS} FROM tickets {sql_tail}");
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(params, from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// The number the next new ticket gets: one above the highest, and never below the
/// configured first number.
pub fn next_number(c: &Connection, first_number: i64) -> Result<i64> {
    let number: i64 = c.query_row(
        "SELECT COALESCE(MAX(number) + 1, ?1) FROM tickets",
        [first_number],
        |r| r.get(0),
    )?;
    Ok(number.max(first_number))
}

/// Store a new ticket (worked out by `effects`) under `number`, its state as given; returns
/// its id.
pub fn insert(c: &Connection, number: i64, t: &Ticket) -> Result<i64> {
    c.execute(
        "INSERT INTO tickets (number, ref, requester, requester_name, lang, subject, description, category, \
         priority, status, waiting_reason, assignee, created, target, next_contact, promised, updated) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?13)",
        params![
            number,
            t.reference.as_str(),
            t.requester,
            t.requester_name,
            t.lang.code(),
            t.subject,
            t.description,
            t.category,
            t.priority.as_str(),
            t.status.as_str(),
            t.waiting_reason,
            t.assignee,
            time_text(t.created),
            time_text(t.target),
            t.next_contact.map(|d| d.to_string()),
            t.promised.map(|d| d.to_string()),
        ],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn by_id(c: &Connection, id: i64) -> Result<Option<Ticket>> {
    Ok(query(c, "WHERE id = ?1", [id])?.pop())
}

/// A reference as a person types it (`sd-1000`): the index `tickets_ref_nocase` serves the
/// NOCASE comparison, which the unique index on `ref` (binary) cannot.
pub fn by_ref(c: &Connection, reference: &str) -> Result<Option<Ticket>> {
    Ok(query(c, "WHERE ref = ?1 COLLATE NOCASE", [reference])?.pop())
}

/// All tickets, newest first; only those not resolved or closed unless `all`.
pub fn list(c: &Connection, all: bool) -> Result<Vec<Ticket>> {
    if all {
        query(c, "ORDER BY id DESC", [])
    } else {
        query(c, &format!("WHERE {} ORDER BY id DESC", open_filter()), [])
    }
}

/// Every ticket's reference, resolved ones too: the tokens to keep out of agents' text.
pub fn references(c: &Connection) -> Result<Vec<TicketRef>> {
    let mut stmt = c.prepare("SELECT ref FROM tickets")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0).map(TicketRef))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The ticket a mail with this Message-ID belongs to: one of ours, or one we received.
pub fn by_message_id(c: &Connection, message_id: &str) -> Result<Option<Ticket>> {
    let id: Option<i64> = c
        .query_row(
            "SELECT ticket_id FROM outbox WHERE message_id = ?1 AND ticket_id IS NOT NULL \
             UNION ALL SELECT ticket_id FROM inbound WHERE message_id = ?1 AND ticket_id IS NOT NULL LIMIT 1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => by_id(c, id),
        None => Ok(None),
    }
}

pub fn set_threads(
    c: &Connection,
    id: i64,
    requester: Option<&str>,
    agent: Option<&str>,
) -> Result<()> {
    c.execute(
        "UPDATE tickets SET requester_thread = COALESCE(requester_thread, ?2), \
         agent_thread = COALESCE(agent_thread, ?3) WHERE id = ?1",
        params![id, requester, agent],
    )?;
    Ok(())
}

/// Write what a decision changed (an agent's commands, `agent::plan`; a requester's reply,
/// `schedule::promise::requester_replied`): status and what we wait for, target (and whether
/// its near/overdue mails went), the next contact and the date last told, the assignee.
pub fn update(c: &Connection, t: &Ticket, now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE tickets SET status = ?2, waiting_reason = ?3, target = ?4, near_sent = ?5, \
         overdue_sent = ?6, next_contact = ?7, assignee = ?8, updated = ?9, promised = ?10 \
         WHERE id = ?1",
        params![
            t.id,
            t.status.as_str(),
            t.waiting_reason,
            time_text(t.target),
            t.near_sent,
            t.overdue_sent,
            t.next_contact.map(|d| d.to_string()),
            t.assignee,
            time_text(now),
            t.promised.map(|d| d.to_string()),
        ],
    )?;
    Ok(())
}

/// The open tickets at a glance, for `/metrics`: how many per status (resolved and closed are
/// not open), how many past their target, how many whose next contact is today or earlier.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OpenCounts {
    pub by_status: Vec<(crate::model::Status, u64)>,
    pub overdue: u64,
    pub promises_due: u64,
}

pub fn open_counts(c: &Connection, now: DateTime<Utc>, today: NaiveDate) -> Result<OpenCounts> {
    let mut stmt = c.prepare(&format!(
        "SELECT status, COUNT(*), COALESCE(SUM(target < ?1), 0), \
         COALESCE(SUM(next_contact IS NOT NULL AND next_contact <= ?2), 0) \
         FROM tickets WHERE {} GROUP BY status ORDER BY status",
        open_filter()
    ))?;
    let rows = stmt.query_map(params![time_text(now), today.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = OpenCounts::default();
    for row in rows {
        let (status, count, overdue, due) = row?;
        let status = status
            .parse()
            .map_err(|e| StoreError::unreadable("status", e))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        out.by_status.push((status, n(count)));
        out.overdue += n(overdue);
        out.promises_due += n(due);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_open_filter_names_every_state_but_the_done_ones() {
        assert_eq!(
            open_filter(),
            "status IN ('open', 'waiting_customer', 'waiting_third_party')"
        );
    }

    #[test]
    fn open_counts_per_status_overdue_and_promises_due() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
        let c = store.conn();
        let now = "2026-11-25T12:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("now");
        let today = now.date_naive();
        let day = chrono::Duration::days(1);
        let tickets = [
            // open, past its target, promised yesterday
            (Status::Open, now - day, Some(today - day)),
            // open, target ahead, promised tomorrow
            (Status::Open, now + day, Some(today + day)),
            // waiting on the requester, promised today
            (Status::WaitingCustomer, now + day, Some(today)),
            // done: counted nowhere, though past its target and its promise
            (Status::Resolved, now - day, Some(today - day)),
        ];
        for (i, (status, target, next_contact)) in tickets.into_iter().enumerate() {
            let number = 1000 + i as i64;
            let t = Ticket {
                status,
                next_contact,
                reference: crate::model::TicketRef::new("SD-", number),
                ..Ticket::for_test(0, now - day * 3, target)
            };
            insert(c, number, &t).expect("insert");
        }
        let counts = open_counts(c, now, today).expect("counts");
        assert_eq!(
            counts.by_status,
            vec![(Status::Open, 2), (Status::WaitingCustomer, 1)]
        );
        assert_eq!(counts.overdue, 1);
        assert_eq!(counts.promises_due, 2);
    }
}
