//! Values deskmail makes once and keeps: the key that signs the reply addresses of mails to
//! agents, when the config does not name one (`agents.secret_file`). Kept in the database so
//! it survives restarts and moves with a backup; a new key makes old reply addresses invalid.

use super::{Result, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::io::Read;

const TOKEN_KEY: &str = "agent_token_key";

/// The stored signing key, made from 32 random bytes the first time.
pub fn token_key(c: &Connection, now: DateTime<Utc>) -> Result<Vec<u8>> {
    let found: Option<Vec<u8>> = c
        .query_row(
            "SELECT value FROM settings WHERE name = ?1",
            [TOKEN_KEY],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(key) = found {
        return Ok(key);
    }
    let key = random_key()?;
    // another process may have made one meanwhile: the first one stays
    c.execute(
        "INSERT OR IGNORE INTO settings (name, value, created) VALUES (?1, ?2, ?3)",
        params![TOKEN_KEY, key, time_text(now)],
    )?;
    Ok(c.query_row(
        "SELECT value FROM settings WHERE name = ?1",
        [TOKEN_KEY],
        |r| r.get(0),
    )?)
}

/// 32 random bytes for a new key.
pub fn random_key() -> Result<Vec<u8>> {
    let mut key = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| super::StoreError::BadValue(format!("cannot read /dev/urandom: {e}")))?;
    Ok(key)
}

/// The stored key without making one (read-only commands); `None` before the first run.
pub fn existing_token_key(c: &Connection) -> Result<Option<Vec<u8>>> {
    Ok(c.query_row(
        "SELECT value FROM settings WHERE name = ?1",
        [TOKEN_KEY],
        |r| r.get(0),
    )
    .optional()?)
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
        assert_eq!(existing_token_key(store.conn()).expect("read"), Some(first));
    }
}
