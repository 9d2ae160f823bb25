//! Purging raw mail that is no longer needed ([`crate::retention`] decides which): the row
//! stays with its decision, reason and size; its `raw` becomes empty and `purged` says when.
//! The work goes in batches, each its own transaction, so an interrupted purge loses nothing
//! and leaves no batch half done, and the daemon is never held up for long.

use super::{Result, Store, parse_time, settings, time_text};
use crate::retention::{
    Delivery, InboundFacts, OnTicket, OutboxFacts, inbound_purgeable, outbox_purgeable,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// Rows looked at per transaction.
pub const BATCH: usize = 500;

/// What a purge took away (or, in a dry run, would).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub inbound: u64,
    pub inbound_bytes: u64,
    pub outbox: u64,
    pub outbox_bytes: u64,
    /// False when it stopped at its batch limit with rows still to look at.
    pub complete: bool,
}

impl Purged {
    pub fn mails(&self) -> u64 {
        self.inbound + self.outbox
    }

    pub fn bytes(&self) -> u64 {
        self.inbound_bytes + self.outbox_bytes
    }
}

/// Which table a batch works on.
#[derive(Debug, Clone, Copy)]
enum Table {
    Inbound,
    Outbox,
}

/// Purge raw mail that stopped being needed before `cutoff`, at most `max_batches` batches
/// (`None`: all); `commit` false rolls each batch back, for `--dry-run`.
pub fn purge(
    store: &mut Store,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    max_batches: Option<usize>,
    commit: bool,
) -> Result<Purged> {
    let mut out = Purged {
        complete: true,
        ..Purged::default()
    };
    let mut batches = 0;
    for table in [Table::Inbound, Table::Outbox] {
        let mut after = 0;
        loop {
            if max_batches.is_some_and(|max| batches >= max) {
                out.complete = false;
                return Ok(out);
            }
            batches += 1;
            let step = store.transaction(commit, |tx| batch(tx, table, cutoff, now, after))?;
            match table {
                Table::Inbound => {
                    out.inbound += step.rows;
                    out.inbound_bytes += step.bytes;
                }
                Table::Outbox => {
                    out.outbox += step.rows;
                    out.outbox_bytes += step.bytes;
                }
            }
            match step.last {
                Some(last) if step.seen == BATCH => after = last,
                _ => break,
            }
        }
    }
    Ok(out)
}

/// One batch's result: rows looked at, the last id, and what was purged.
struct Step {
    seen: usize,
    last: Option<i64>,
    rows: u64,
    bytes: u64,
}

/// One row as the batch reads it: its id, its facts' columns and its raw size.
struct Candidate {
    id: i64,
    purgeable: bool,
    bytes: u64,
}

fn batch(
    c: &Connection,
    table: Table,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    after: i64,
) -> Result<Step> {
    let candidates = match table {
        Table::Inbound => inbound_candidates(c, cutoff, after)?,
        Table::Outbox => outbox_candidates(c, cutoff, after)?,
    };
    let update = match table {
        Table::Inbound => {
            "UPDATE inbound SET size = COALESCE(size, length(raw)), raw = X'', purged = ?2 \
             WHERE id = ?1"
        }
        Table::Outbox => {
            "UPDATE outbox SET size = COALESCE(size, length(raw)), raw = X'', purged = ?2 \
             WHERE id = ?1"
        }
    };
    let mut stmt = c.prepare(update)?;
    let mut step = Step {
        seen: candidates.len(),
        last: candidates.last().map(|k| k.id),
        rows: 0,
        bytes: 0,
    };
    for k in candidates.iter().filter(|k| k.purgeable) {
        stmt.execute(params![k.id, time_text(now)])?;
        step.rows += 1;
        step.bytes += k.bytes;
    }
    Ok(step)
}

/// The ticket columns as the purge reads them (status, updated) beside a row.
fn on_ticket(status: Option<String>, updated: Option<String>) -> Result<OnTicket> {
    let updated = match updated {
        Some(t) => parse_time(&t)?,
        None => DateTime::UNIX_EPOCH,
    };
    Ok(OnTicket::from_status(status.as_deref(), updated))
}

fn inbound_candidates(c: &Connection, cutoff: DateTime<Utc>, after: i64) -> Result<Vec<Candidate>> {
    let bundled_upto = settings::handoff_upto(c)?;
    let mut stmt = c.prepare(
        "SELECT i.id, i.received, t.status, t.updated, length(i.raw), \
         (i.decision = 'handoff' OR i.held IS 'flood') \
         FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id \
         WHERE i.purged IS NULL AND i.received < ?1 AND i.id > ?2 ORDER BY i.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![time_text(cutoff), after, BATCH as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, received, status, updated, bytes, handed_off) = row?;
        let facts = InboundFacts {
            received: parse_time(&received)?,
            ticket: on_ticket(status, updated)?,
            awaiting_bundle: handed_off && id > bundled_upto,
        };
        out.push(Candidate {
            id,
            purgeable: inbound_purgeable(&facts, cutoff),
            bytes: u64::try_from(bytes).unwrap_or(0),
        });
    }
    Ok(out)
}

fn outbox_candidates(c: &Connection, cutoff: DateTime<Utc>, after: i64) -> Result<Vec<Candidate>> {
    // a mail is sent after it is made: one made after the cutoff cannot have been done before
    let mut stmt = c.prepare(
        "SELECT o.id, o.state, o.sent, o.created, t.status, t.updated, length(o.raw) \
         FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id \
         WHERE o.purged IS NULL AND o.created < ?1 AND o.id > ?2 ORDER BY o.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![time_text(cutoff), after, BATCH as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, state, sent, created, status, updated, bytes) = row?;
        let sent = sent.map(|t| parse_time(&t)).transpose()?;
        let facts = OutboxFacts {
            delivery: Delivery::from_state(&state, sent, parse_time(&created)?),
            ticket: on_ticket(status, updated)?,
        };
        out.push(Candidate {
            id,
            purgeable: outbox_purgeable(&facts, cutoff),
            bytes: u64::try_from(bytes).unwrap_or(0),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inbound::{NewInbound, insert};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        (dir, store)
    }

    const RAW: &[u8] = b"From: a@b\r\n\r\nhello";

    fn day(d: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + chrono::Duration::days(d)
    }

    #[test]
    fn batches_cover_every_row_once_and_a_dry_run_changes_nothing() {
        let (_dir, mut store) = store();
        let n = BATCH * 2 + 7;
        for i in 0..n {
            let key = format!("k{i}");
            let row = NewInbound {
                source_key: &key,
                message_id: None,
                received: day(1),
                sender: None,
                subject: None,
                decision: "ignore",
                reason: "test",
                ticket_id: None,
                raw: RAW,
                keep: 100,
                size: RAW.len(),
                held: None,
                fingerprint: None,
            };
            insert(store.conn(), &row).unwrap();
        }
        let dry = purge(&mut store, day(10), day(100), None, false).unwrap();
        assert_eq!(
            (dry.inbound, dry.inbound_bytes),
            (n as u64, RAW.len() as u64 * n as u64)
        );
        let left: i64 = store
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM inbound WHERE length(raw) > 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, n as i64, "a dry run purges nothing");
        // a bounded run stops part way and says so; the next one finishes the rest
        let first = purge(&mut store, day(10), day(100), Some(1), true).unwrap();
        assert_eq!((first.inbound, first.complete), (BATCH as u64, false));
        let rest = purge(&mut store, day(10), day(100), None, true).unwrap();
        assert_eq!((rest.inbound, rest.complete), ((n - BATCH) as u64, true));
        let (empty, sizes): (i64, i64) = store
            .conn()
            .query_row(
                "SELECT COUNT(*), SUM(size) FROM inbound WHERE length(raw) = 0 AND purged IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (empty, sizes),
            (n as i64, (RAW.len() * n) as i64),
            "the sizes stay"
        );
        let again = purge(&mut store, day(10), day(100), None, true).unwrap();
        assert_eq!(again.mails(), 0, "purged rows are not purged again");
    }
}
