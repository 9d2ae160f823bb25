//! Per-mailbox IMAP bookkeeping: UIDVALIDITY and the last UID whose decision is committed.

use super::{Result, time_text};
use crate::source::Cursor;
use rusqlite::{Connection, OptionalExtension, params};

pub fn load(c: &Connection, mailbox: &str) -> Result<Option<Cursor>> {
    Ok(c.query_row(
        "SELECT uidvalidity, last_uid FROM source_cursor WHERE mailbox = ?1",
        [mailbox],
        |r| {
            Ok(Cursor {
                mailbox: mailbox.to_string(),
                uidvalidity: r.get(0)?,
                last_uid: r.get(1)?,
            })
        },
    )
    .optional()?)
}

pub fn save(c: &Connection, cursor: &Cursor, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    c.execute(
        "INSERT INTO source_cursor (mailbox, uidvalidity, last_uid, updated) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = ?2, last_uid = ?3, updated = ?4",
        params![cursor.mailbox, cursor.uidvalidity, cursor.last_uid, time_text(now)],
    )?;
    Ok(())
}
