//! Values deskmail makes once and keeps: the key that signs the reply addresses of mails to
//! agents, when the config does not name one (`agents.secret_file`), the key of requesters'
//! ticket page links (always apart from the agents'), and when deskmail first read its mailbox
//! (mail that was there before is not answered). Kept in the database so they survive restarts
//! and move with a backup; a new key makes old reply addresses and page links invalid.

use super::{Result, StoreError, time_text};
use crate::classify::arrival::FirstStart;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

const TOKEN_KEY: &str = "agent_token_key";
/// Signs requesters' ticket page links: a key of its own, so a page link is never an agent's.
const PAGE_KEY: &str = "requester_page_key";
const FIRST_START: &str = "first_start";
const HANDOFF_UPTO: &str = "handoff_bundled_upto";
/// The fingerprint of the key every ticket's row in `reply_tags` was made with.
const REPLY_TAGS_KEY: &str = "reply_tags_key";

/// One stored value, if there is one.
fn read(c: &Connection, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(
        c.query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// Store a value, replacing what was there.
fn write(c: &Connection, name: &str, value: &[u8], now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "INSERT INTO settings (name, value, created) VALUES (?1, ?2, ?3) \
         ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        params![name, value, time_text(now)],
    )?;
    Ok(())
}

/// The stored signing key, made from 32 random bytes the first time.
pub fn token_key(c: &Connection, now: DateTime<Utc>) -> Result<Vec<u8>> {
    stored_key(c, TOKEN_KEY, now, "the agents' signing key")
}

/// The key that signs requesters' ticket page links, made the first time like the agents'.
pub fn page_key(c: &Connection, now: DateTime<Utc>) -> Result<Vec<u8>> {
    stored_key(c, PAGE_KEY, now, "the ticket pages' signing key")
}

fn stored_key(c: &Connection, name: &str, now: DateTime<Utc>, what: &str) -> Result<Vec<u8>> {
    if let Some(key) = read(c, name)? {
        return Ok(key);
    }
    let key = random_key()?;
    // another process may have made one meanwhile: the first one stays
    c.execute(
        "INSERT OR IGNORE INTO settings (name, value, created) VALUES (?1, ?2, ?3)",
        params![name, key, time_text(now)],
    )?;
    read(c, name)?.ok_or_else(|| StoreError::Vanished {
        what: format!("{what} (settings.{name})"),
    })
}

/// 32 random bytes for a new key.
pub fn random_key() -> Result<Vec<u8>> {
    let mut key = vec![0u8; 32];
    getrandom::getrandom(&mut key).map_err(StoreError::NoRandom)?;
    Ok(key)
}

/// The stored key without making one (read-only commands); `None` before the first run.
pub fn existing_token_key(c: &Connection) -> Result<Option<Vec<u8>>> {
    read(c, TOKEN_KEY)
}

/// When deskmail first read its mailbox on this database, if it has.
pub fn first_start(c: &Connection) -> Result<Option<FirstStart>> {
    read(c, FIRST_START)?
        .map(|v| {
            serde_json::from_slice(&v)
                .map_err(|e| StoreError::unreadable("settings.first_start", e))
        })
        .transpose()
}

/// A database from before first starts were recorded already answered mail: its first start
/// is its first recorded mail, so upgrading deskmail does not silence mail that comes now.
pub fn earliest_inbound(c: &Connection) -> Result<Option<DateTime<Utc>>> {
    let t: Option<String> = c.query_row("SELECT MIN(received) FROM inbound", [], |r| r.get(0))?;
    t.map(|t| super::parse_time(&t)).transpose()
}

/// Record the first start.
pub fn save_first_start(c: &Connection, first: &FirstStart, now: DateTime<Utc>) -> Result<()> {
    let value = serde_json::to_vec(first).map_err(|source| StoreError::Encode {
        what: "settings.first_start",
        source,
    })?;
    write(c, FIRST_START, &value, now)
}

/// The last inbound id that went to the agents in a handoff bundle (0: none yet).
pub fn handoff_upto(c: &Connection) -> Result<i64> {
    Ok(read(c, HANDOFF_UPTO)?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn set_handoff_upto(c: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    write(c, HANDOFF_UPTO, id.to_string().as_bytes(), now)
}

/// The key (its fingerprint) the reply tags are all made with; `None` while they are not.
pub fn reply_tags_key(c: &Connection) -> Result<Option<Vec<u8>>> {
    read(c, REPLY_TAGS_KEY)
}

/// Record that every ticket has its reply tag under the key of `fingerprint`.
pub fn set_reply_tags_key(c: &Connection, fingerprint: &[u8], now: DateTime<Utc>) -> Result<()> {
    write(c, REPLY_TAGS_KEY, fingerprint, now)
}

/// Record that some ticket has no reply tag (made without the key): refill before relying on them.
pub fn clear_reply_tags_key(c: &Connection) -> Result<()> {
    c.execute("DELETE FROM settings WHERE name = ?1", [REPLY_TAGS_KEY])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::store::Store::open(&dir.path().join("db.sqlite")).expect("open");
        assert_eq!(existing_token_key(store.conn()).expect("read"), None);
        let now = Utc::now();
        let first = token_key(store.conn(), now).expect("make");
        assert_eq!(first.len(), 32);
        assert_eq!(token_key(store.conn(), now).expect("again"), first);
        assert_eq!(
            existing_token_key(store.conn()).expect("read"),
            Some(first.clone())
        );
        assert_ne!(random_key().expect("key"), random_key().expect("key"));
        // the pages' key is another one, kept the same way
        let page = page_key(store.conn(), now).expect("make");
        assert_ne!(page, first);
        assert_eq!(page_key(store.conn(), now).expect("again"), page);
    }
}
