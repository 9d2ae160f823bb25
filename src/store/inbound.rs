//! Every inbound mail is recorded with the decision taken on it and its first bytes: so an agent
//! can find the original, a sysadmin can see why it was ignored, and nothing is processed
//! twice. What is kept is bounded (the mailbox, not the database, is the archive): a decided
//! mail up to `store.max_raw_bytes`, a quarantined one [`QUARANTINE_PREFIX`], each with its
//! whole size, so 40 mails of 25 MB do not fill the desk's disk.

use super::{Result, parse_time, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashSet;

/// One row to record.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub source_key: &'a str,
    pub message_id: Option<&'a str>,
    pub received: DateTime<Utc>,
    pub sender: Option<&'a str>,
    pub subject: Option<&'a str>,
    /// `ignore`, `portal_reply`, … or `quarantine` for mail that could not be read.
    pub decision: &'a str,
    pub reason: &'a str,
    pub ticket_id: Option<i64>,
    /// The whole message as read; [`insert`] keeps at most `keep` bytes of it.
    pub raw: &'a [u8],
    /// How much of `raw` to keep: [`QUARANTINE_PREFIX`], or `store.max_raw_bytes`.
    pub keep: usize,
    /// Its whole size at the source.
    pub size: usize,
    /// Held back for its age: `first_start`, `since` or `too_old` ([`crate::classify::OldMail::code`]).
    pub held: Option<&'a str>,
    /// [`crate::model::Inbound::fingerprint`]: what a copy of this mail has in common with it.
    pub fingerprint: Option<&'a str>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InboundSummary {
    pub id: i64,
    pub received: DateTime<Utc>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub decision: String,
    pub reason: String,
    /// Bytes kept of the mail, and its whole size: less is kept of a large mail.
    pub kept: i64,
    pub size: i64,
    /// When its raw bytes were purged (`store.keep_raw_days`, `deskmail forget`).
    pub purged: Option<DateTime<Utc>>,
}

/// What is kept of a mail that could not be read (oversized, not a mail): enough for an
/// operator to see what it is (its headers and how it starts), not the mail itself.
pub const QUARANTINE_PREFIX: usize = 64 * 1024;

pub fn insert(c: &Connection, m: &NewInbound) -> Result<i64> {
    let kept = &m.raw[..m.raw.len().min(m.keep)];
    c.execute(
        "INSERT INTO inbound (source_key, message_id, received, sender, subject, decision, reason, ticket_id, raw, held, fingerprint, size) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            m.source_key,
            m.message_id,
            time_text(m.received),
            m.sender,
            m.subject,
            m.decision,
            m.reason,
            m.ticket_id,
            kept,
            m.held,
            m.fingerprint,
            i64::try_from(m.size.max(m.raw.len())).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// A mail handed to the agents instead of answered, for the hourly bundle.
#[derive(Debug, Clone)]
pub struct Handoff {
    pub id: i64,
    pub received: DateTime<Utc>,
    pub reason: String,
    pub raw: Vec<u8>,
}

/// Mail for the agents' bundle, spelled as the partial index `inbound_handoff` (migration 14)
/// is: SQLite uses that index only for this very condition.
const HANDED_OVER: &str = "(decision = 'handoff' OR held = 'flood')";

/// Handed-over mails after `after_id`, oldest first, at most `limit`; and how many there are.
pub fn handoffs_after(
    c: &Connection,
    after_id: i64,
    limit: usize,
) -> Result<(Vec<Handoff>, usize)> {
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM inbound WHERE {HANDED_OVER} AND id > ?1"),
        [after_id],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare(&format!(
        "SELECT id, received, reason, raw FROM inbound \
         WHERE {HANDED_OVER} AND id > ?1 ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after_id, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, received, reason, raw) = row?;
        out.push(Handoff {
            id,
            received: parse_time(&received)?,
            reason,
            raw,
        });
    }
    Ok((out, usize::try_from(total).unwrap_or(0)))
}

/// The raw mails `sender` wrote on this ticket since `since` that were taken as theirs (an
/// agent's commands and answers), other than the one with Message-ID `not`.
pub fn agent_mails_on_ticket(
    c: &Connection,
    ticket_id: i64,
    sender: &str,
    since: DateTime<Utc>,
    not: Option<&str>,
) -> Result<Vec<Vec<u8>>> {
    let mut stmt = c.prepare(
        "SELECT raw FROM inbound WHERE ticket_id = ?1 AND sender = ?2 COLLATE NOCASE \
         AND decision = 'agent_command' AND received >= ?3 AND message_id IS NOT ?4 \
         ORDER BY id DESC LIMIT 20",
    )?;
    let rows = stmt.query_map(params![ticket_id, sender, time_text(since), not], |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many mails were held back for their age, per reason code, for the operator.
pub fn held_counts(c: &Connection) -> Result<Vec<(String, i64)>> {
    // every store is at the latest schema: open migrates, open_read_only refuses an older one
    let mut stmt = c.prepare(
        "SELECT held, COUNT(*) FROM inbound WHERE held IS NOT NULL GROUP BY held ORDER BY held",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn link_ticket(c: &Connection, inbound_id: i64, ticket_id: i64) -> Result<()> {
    c.execute(
        "UPDATE inbound SET ticket_id = ?2 WHERE id = ?1",
        params![inbound_id, ticket_id],
    )?;
    Ok(())
}

/// The `held` codes of old mail left at the source as the desk left it
/// (`OldMail::untouched_at_source`), as SQL: one definition for both questions below.
const UNTOUCHED: &str = "held IN ('first_start', 'since')";

/// What was done at the source with a mail processed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    /// Mail from before deskmail's time: left as it was.
    Untouched,
    /// Unreadable: set aside in the error folder.
    Quarantined,
    /// Decided: marked processed.
    Decided,
}

/// For a source position processed before, what became of its mail; `None` if it never was.
/// A crash between the commit and the mark leaves the mail at the source: this says which
/// mark it still needs.
pub fn earlier(c: &Connection, source_key: &str) -> Result<Option<Earlier>> {
    let sql =
        format!("SELECT {UNTOUCHED}, decision = 'quarantine' FROM inbound WHERE source_key = ?1");
    let row = c
        .query_row(&sql, [source_key], |r| {
            Ok((r.get::<_, Option<bool>>(0)?, r.get::<_, bool>(1)?))
        })
        .optional()?;
    Ok(
        row.map(|(untouched, quarantined)| match (untouched, quarantined) {
            (Some(true), _) => Earlier::Untouched,
            (_, true) => Earlier::Quarantined,
            _ => Earlier::Decided,
        }),
    )
}

/// Of these source positions, the ones processed before whose mail stays at the source: left
/// untouched for its age, or every one when `keep` (`processed = "keep"`). Asked before the
/// files are read, so a kept backlog is not read again at every pass and every restart.
pub fn settled(c: &Connection, keys: &[String], keep: bool) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    // SQLite takes at least 32,766 parameters; callers ask in chunks of a few hundred
    for chunk in keys.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT source_key FROM inbound WHERE source_key IN ({marks}) \
             AND (?{n} OR {UNTOUCHED})",
            n = chunk.len() + 1
        );
        let mut stmt = c.prepare(&sql)?;
        let params = chunk
            .iter()
            .map(|k| rusqlite::types::Value::from(k.clone()))
            .chain(std::iter::once(rusqlite::types::Value::from(keep)));
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?;
        for key in rows {
            out.insert(key?);
        }
    }
    Ok(out)
}

/// Has a mail with this Message-ID been processed (from any source position)?
pub fn seen_message_id(c: &Connection, message_id: &str, fingerprint: &str) -> Result<bool> {
    // rows from before fingerprints were kept count by their Message-ID alone
    Ok(c.query_row(
        "SELECT 1 FROM inbound WHERE message_id = ?1 \
         AND (fingerprint = ?2 OR fingerprint IS NULL) LIMIT 1",
        [message_id, fingerprint],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The Message-ID of the last mail `sender` wrote on this ticket: an answer threads under it.
pub fn last_message_id_from(
    c: &Connection,
    ticket_id: i64,
    sender: &str,
) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT message_id FROM inbound WHERE ticket_id = ?1 AND sender = ?2 COLLATE NOCASE \
         AND message_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        params![ticket_id, sender],
        |r| r.get(0),
    )
    .optional()?)
}

/// What the requester wrote on a ticket after it was made (their replies, by mail or on the
/// ticket page), oldest first: when, and the kept bytes (empty once purged).
pub fn replies_from(
    c: &Connection,
    ticket_id: i64,
    requester: &str,
) -> Result<Vec<(DateTime<Utc>, Vec<u8>)>> {
    let mut stmt = c.prepare(
        "SELECT received, raw FROM inbound WHERE ticket_id = ?1 AND sender = ?2 COLLATE NOCASE \
         AND decision = 'ticket_reply' ORDER BY id",
    )?;
    let rows = stmt.query_map(params![ticket_id, requester], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    rows.map(|row| {
        let (at, raw) = row?;
        Ok((parse_time(&at)?, raw))
    })
    .collect()
}

pub fn for_ticket(c: &Connection, ticket_id: i64) -> Result<Vec<InboundSummary>> {
    // rows from before sizes were kept hold the whole mail
    let mut stmt = c.prepare(
        "SELECT id, received, sender, subject, decision, reason, length(raw), \
         COALESCE(size, length(raw)), purged FROM inbound WHERE ticket_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok((
            r.get(0)?,
            r.get::<_, String>(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get::<_, Option<String>>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, received, sender, subject, decision, reason, kept, size, purged) = row?;
        out.push(InboundSummary {
            id,
            received: parse_time(&received)?,
            sender,
            subject,
            decision,
            reason,
            kept,
            size,
            purged: purged.map(|p| parse_time(&p)).transpose()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(key: &'a str, held: Option<&'a str>) -> NewInbound<'a> {
        NewInbound {
            source_key: key,
            message_id: None,
            received: chrono::DateTime::UNIX_EPOCH,
            sender: None,
            subject: None,
            decision: "ignore",
            reason: "test",
            ticket_id: None,
            raw: b"",
            keep: 0,
            size: 0,
            held,
            fingerprint: None,
        }
    }

    #[test]
    fn settled_names_known_mail_that_stays_at_the_source() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        insert(&c, &row("a", None)).unwrap();
        insert(&c, &row("b", Some("first_start"))).unwrap();
        insert(&c, &row("c", Some("too_old"))).unwrap();
        let keys: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let keep = settled(&c, &keys, true).unwrap();
        assert_eq!(keep, ["a", "b", "c"].map(String::from).into());
        // marked mail that is still there (a crash before the mark) is read and marked again
        let seen = settled(&c, &keys, false).unwrap();
        assert_eq!(seen, [String::from("b")].into());
        let many: Vec<String> = (0..1200).map(|i| format!("k{i}")).collect();
        assert!(settled(&c, &many, true).unwrap().is_empty());
    }

    #[test]
    fn the_store_leaves_at_the_source_exactly_the_old_mail_arrival_says() {
        use crate::classify::arrival::OldMail;
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut c).unwrap();
        let at = chrono::DateTime::UNIX_EPOCH;
        for old in [
            OldMail::BeforeFirstStart { first_start: at },
            OldMail::BeforeSince {
                since: at.date_naive(),
            },
            OldMail::TooOld {
                arrived: at,
                max_age_days: 7,
            },
        ] {
            let key = old.code();
            insert(&c, &row(key, Some(key))).unwrap();
            let untouched = earlier(&c, key).unwrap() == Some(Earlier::Untouched);
            assert_eq!(untouched, old.untouched_at_source(), "{key}");
            let settled = settled(&c, &[key.to_string()], false).unwrap();
            assert_eq!(!settled.is_empty(), old.untouched_at_source(), "{key}");
        }
    }
}
