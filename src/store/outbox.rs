//! The outbox: finished mails waiting to be sent. Rows are written in the same transaction as
//! the decision that caused them; the delivery worker sends them and records the result. Each
//! row keeps its Message-ID, so a re-send after a crash is the same mail. A row is `pending`,
//! `sent`, `failed` (given up on; the agents were told) or `dismissed` (a failed one the operator
//! put aside with `deskmail outbox dismiss`).

use super::{Result, parse_time, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub kind: &'a str,
    pub ticket_id: Option<i64>,
    pub inbound_id: Option<i64>,
    pub recipients: &'a [String],
    pub raw: &'a [u8],
    pub created: DateTime<Utc>,
}

/// A row ready to be sent.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub attempts: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MailSummary {
    /// The row's number: `deskmail outbox retry ID` and `dismiss ID` take it.
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub recipients: String,
    pub created: DateTime<Utc>,
    pub state: String,
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
    /// When its raw bytes were purged (`store.keep_raw_days`, `deskmail forget`).
    pub purged: Option<DateTime<Utc>>,
}

pub fn enqueue(c: &Connection, m: &NewMail) -> Result<i64> {
    c.execute(
        "INSERT INTO outbox (message_id, kind, ticket_id, inbound_id, recipients, raw, created, next_attempt, rcpt_base) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![
            m.message_id,
            m.kind,
            m.ticket_id,
            m.inbound_id,
            m.recipients.join(", "),
            m.raw,
            time_text(m.created),
            m.recipients.first().map(|r| crate::classify::limits::folded(r))
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// Mails queued since `since` to this base address ([`crate::classify::limits::folded`]).
pub fn count_to_address(c: &Connection, folded: &str, since: DateTime<Utc>) -> Result<u32> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM outbox WHERE rcpt_base = ?1 AND created >= ?2",
        params![folded, time_text(since)],
        |r| r.get(0),
    )?)
}

/// The last mail of `kind` queued since `since` to this base address.
pub fn last_to_address(
    c: &Connection,
    kind: &str,
    folded: &str,
    since: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let last: Option<String> = c.query_row(
        "SELECT MAX(created) FROM outbox WHERE rcpt_base = ?1 AND kind = ?2 AND created >= ?3",
        params![folded, kind, time_text(since)],
        |r| r.get(0),
    )?;
    last.map(|t| parse_time(&t)).transpose()
}

/// Mails about this ticket queued since `since` (to the requester and to the agents).
pub fn count_on_ticket(c: &Connection, ticket_id: i64, since: DateTime<Utc>) -> Result<u32> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM outbox WHERE ticket_id = ?1 AND created >= ?2",
        params![ticket_id, time_text(since)],
        |r| r.get(0),
    )?)
}

/// Mails of `kind` queued since `since`, counted up to `at_most` (a limit only asks whether
/// it is reached: counting every portal reply of a backlog's hour for each mail made
/// deciding a backlog quadratic).
pub fn count_kind(c: &Connection, kind: &str, since: DateTime<Utc>, at_most: u32) -> Result<u32> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE kind = ?1 AND created >= ?2 LIMIT ?3)",
        params![kind, time_text(since), at_most],
        |r| r.get(0),
    )?)
}

/// How many mails went out since `since`.
pub fn sent_since(c: &Connection, since: DateTime<Utc>) -> Result<u32> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent >= ?1",
        [time_text(since)],
        |r| r.get(0),
    )?)
}

/// Pending rows of one kind whose next attempt has come (what may pass the brake).
pub fn due_of_kind(
    c: &Connection,
    kind: &str,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Queued>> {
    queued(
        c,
        "AND kind = ?3",
        params![time_text(now), limit as i64, kind],
    )
}

/// Pending rows whose next attempt has come, oldest first.
pub fn due(c: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<Queued>> {
    queued(c, "", params![time_text(now), limit as i64])
}

fn queued(c: &Connection, filter: &str, params: impl rusqlite::Params) -> Result<Vec<Queued>> {
    let mut stmt = c.prepare(&format!(
        "SELECT id, message_id, kind, ticket_id, recipients, raw, attempts FROM outbox \
         WHERE state = 'pending' AND next_attempt <= ?1 {filter} ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params, |r| {
        let recipients: String = r.get(4)?;
        Ok(Queued {
            id: r.get(0)?,
            message_id: r.get(1)?,
            kind: r.get(2)?,
            ticket_id: r.get(3)?,
            recipients: recipients
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            raw: r.get(5)?,
            attempts: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Mails the transport took (a whole Maildir batch, or one over SMTP): recorded in one
/// transaction, so the pages they share are written once.
pub fn mark_all_sent(c: &Connection, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let tx = c.unchecked_transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET state = 'sent', sent = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
        )?;
        let at = time_text(now);
        for id in ids {
            stmt.execute(params![id, at])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub fn mark_retry(c: &Connection, id: i64, next: DateTime<Utc>, error: &str) -> Result<()> {
    c.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE id = ?1",
        params![id, time_text(next), error],
    )?;
    Ok(())
}

pub fn mark_failed(c: &Connection, id: i64, error: &str) -> Result<()> {
    c.execute(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        params![id, error],
    )?;
    Ok(())
}

/// The last mail of `kind` queued for `recipient` since `since` (the portal reply rate limit).
pub fn last_to(
    c: &Connection,
    kind: &str,
    recipient: &str,
    since: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let last: Option<String> = c.query_row(
        "SELECT MAX(created) FROM outbox WHERE kind = ?1 AND recipients = ?2 COLLATE NOCASE AND created >= ?3",
        params![kind, recipient, time_text(since)],
        |r| r.get(0),
    )?;
    last.map(|t| parse_time(&t)).transpose()
}

/// When this ticket's progress mails were queued (for the daily cap).
pub fn progress_times(
    c: &Connection,
    ticket_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let mut stmt = c.prepare(&format!(
        "SELECT created FROM outbox WHERE ticket_id = ?1 AND kind IN ({}) AND created >= ?2 ORDER BY id",
        progress_kinds()
    ))?;
    let rows = stmt.query_map(params![ticket_id, time_text(since)], |r| {
        r.get::<_, String>(0)
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.push(parse_time(&row?)?);
    }
    Ok(out)
}

/// Every ticket's progress mails queued since `since`, by ticket, in the order queued: one
/// query for the scheduler's tick and `status`, where one per open ticket was most of the tick
/// (docs/scaling.md). Each kind is an index range on `(kind, created)`.
pub fn progress_times_all(
    c: &Connection,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<i64, Vec<DateTime<Utc>>>> {
    let mut stmt = c.prepare(&format!(
        "SELECT ticket_id, created FROM outbox \
         WHERE kind IN ({}) AND created >= ?1 AND ticket_id IS NOT NULL ORDER BY id",
        progress_kinds()
    ))?;
    let rows = stmt.query_map([time_text(since)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out: std::collections::HashMap<i64, Vec<DateTime<Utc>>> = Default::default();
    for row in rows {
        let (ticket, created) = row?;
        out.entry(ticket).or_default().push(parse_time(&created)?);
    }
    Ok(out)
}

/// The progress mails' kinds as an SQL list, from the one place that names them (fixed
/// template names, so quoting them in the statement is safe).
fn progress_kinds() -> String {
    use crate::schedule::ProgressKind;
    ProgressKind::ALL
        .map(|k| format!("'{}'", k.template()))
        .join(", ")
}

/// A ticket's mails of the given kinds that were not put aside, oldest first: when, and the
/// bytes (empty once purged).
pub fn of_kinds(
    c: &Connection,
    ticket_id: i64,
    kinds: &[&str],
) -> Result<Vec<(DateTime<Utc>, Vec<u8>)>> {
    let mut stmt = c.prepare(
        "SELECT created, kind, raw FROM outbox WHERE ticket_id = ?1 AND state != 'dismissed' \
         ORDER BY id",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, kind, raw) = row?;
        if kinds.contains(&kind.as_str()) {
            out.push((parse_time(&at)?, raw));
        }
    }
    Ok(out)
}

pub fn for_ticket(c: &Connection, ticket_id: i64) -> Result<Vec<MailSummary>> {
    summaries(c, "WHERE ticket_id = ?1 ORDER BY id", [ticket_id])
}

/// Mails not yet sent (pending and failed), or all of them (sent and dismissed too); newest
/// first.
pub fn list(c: &Connection, all: bool) -> Result<Vec<MailSummary>> {
    if all {
        summaries(c, "ORDER BY id DESC", [])
    } else {
        summaries(
            c,
            "WHERE state IN ('pending', 'failed') ORDER BY id DESC",
            [],
        )
    }
}

/// One row, by its number.
pub fn summary(c: &Connection, id: i64) -> Result<Option<MailSummary>> {
    Ok(summaries(c, "WHERE id = ?1", [id])?.pop())
}

/// What the status needs from the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub pending: u32,
    /// When the oldest waiting mail was queued, and why its last attempt failed.
    pub oldest_pending: Option<DateTime<Utc>>,
    pub oldest_pending_error: Option<String>,
    pub failed: u32,
    pub dismissed: u32,
}

pub fn stats(c: &Connection) -> Result<Stats> {
    let count = |state: &str| -> Result<u32> {
        Ok(c.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = ?1",
            [state],
            |r| r.get(0),
        )?)
    };
    let oldest: Option<(String, Option<String>)> = c
        .query_row(
            "SELECT created, last_error FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (oldest_pending, oldest_pending_error) = match oldest {
        Some((created, error)) => (Some(parse_time(&created)?), error),
        None => (None, None),
    };
    Ok(Stats {
        pending: count("pending")?,
        oldest_pending,
        oldest_pending_error,
        failed: count("failed")?,
        dismissed: count("dismissed")?,
    })
}

/// Send a failed (or dismissed) mail again: pending from `now`, with a fresh round of
/// attempts. Returns whether the row was such a mail.
pub fn retry(c: &Connection, id: i64, now: DateTime<Utc>) -> Result<bool> {
    Ok(c.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?2 \
         WHERE id = ?1 AND state IN ('failed', 'dismissed')",
        params![id, time_text(now)],
    )? == 1)
}

/// [`retry`] every failed mail; how many.
pub fn retry_all_failed(c: &Connection, now: DateTime<Utc>) -> Result<usize> {
    Ok(c.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?1 WHERE state = 'failed'",
        [time_text(now)],
    )?)
}

/// Put a failed mail aside: it is not sent and no longer counts as failed (`--all` still
/// lists it). Returns whether the row was a failed mail.
pub fn dismiss(c: &Connection, id: i64) -> Result<bool> {
    Ok(c.execute(
        "UPDATE outbox SET state = 'dismissed' WHERE id = ?1 AND state = 'failed'",
        [id],
    )? == 1)
}

fn summaries(
    c: &Connection,
    tail: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<MailSummary>> {
    let mut stmt = c.prepare(&format!(
        "SELECT message_id, kind, recipients, created, state, attempts, next_attempt, last_error, purged, id FROM outbox {tail}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, i64>(9)?,
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get::<_, String>(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get::<_, String>(6)?,
            r.get(7)?,
            r.get::<_, Option<String>>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            id,
            message_id,
            kind,
            recipients,
            created,
            state,
            attempts,
            next_attempt,
            last_error,
            purged,
        ) = row?;
        out.push(MailSummary {
            id,
            message_id,
            kind,
            recipients,
            created: parse_time(&created)?,
            state,
            attempts,
            next_attempt: parse_time(&next_attempt)?,
            last_error,
            purged: purged.map(|p| parse_time(&p)).transpose()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn queue(c: &Connection, n: usize, kind: &str, created: DateTime<Utc>) {
        let to = ["jan@example.com".to_string()];
        for i in 0..n {
            let id = format!("<{kind}-{i}-{}@desk>", created.timestamp());
            let mail = NewMail {
                message_id: &id,
                kind,
                ticket_id: None,
                inbound_id: None,
                recipients: &to,
                raw: b"raw",
                created,
            };
            enqueue(c, &mail).expect("enqueue");
        }
    }

    #[test]
    fn all_tickets_progress_times_at_once_are_each_tickets_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
        let c = store.conn();
        crate::store::reply_tags::tickets(c, 3);
        let now = Utc::now();
        let to = ["jan@example.com".to_string()];
        let mails = [
            (1, "progress", 1),
            (1, "progress_near", 30),
            (2, "progress_overdue", 3),
            (2, "portal_reply", 2),
            (3, "progress", 60 * 24 * 3),
            (1, "ticket_confirmation", 5),
        ];
        for (i, (ticket, kind, minutes_ago)) in mails.into_iter().enumerate() {
            let id = format!("<m{i}@desk>");
            let mail = NewMail {
                message_id: &id,
                kind,
                ticket_id: Some(ticket),
                inbound_id: None,
                recipients: &to,
                raw: b"raw",
                created: now - chrono::Duration::minutes(minutes_ago),
            };
            enqueue(c, &mail).expect("enqueue");
        }
        let since = now - chrono::Duration::days(2);
        let all = progress_times_all(c, since).expect("all");
        for ticket in 1..=3 {
            let own = progress_times(c, ticket, since).expect("own");
            assert_eq!(
                all.get(&ticket).cloned().unwrap_or_default(),
                own,
                "SD-{ticket}"
            );
        }
        assert_eq!(all.get(&1).map(Vec::len), Some(2));
        assert_eq!(all.get(&2).map(Vec::len), Some(1));
        assert!(!all.contains_key(&3), "older than the window");
    }

    #[test]
    fn a_kind_is_counted_within_its_window_up_to_the_limit_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
        let c = store.conn();
        let now = Utc::now();
        queue(c, 5, "portal_reply", now);
        queue(c, 4, "portal_reply", now - chrono::Duration::hours(2));
        queue(c, 3, "ticket_confirmation", now);
        let hour_ago = now - chrono::Duration::hours(1);
        assert_eq!(
            count_kind(c, "portal_reply", hour_ago, 100).expect("count"),
            5
        );
        assert_eq!(
            count_kind(c, "portal_reply", hour_ago, 3).expect("count"),
            3
        );
        let day_ago = now - chrono::Duration::hours(24);
        assert_eq!(
            count_kind(c, "portal_reply", day_ago, 100).expect("count"),
            9
        );
    }
}
