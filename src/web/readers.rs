//! Read-only database connections kept for the pages: opening one (and checking its schema)
//! costs more than the queries a page runs, so a page borrows one and gives it back. SQLite's
//! WAL lets these read beside the daemon's writer, each statement seeing the last commit.

use crate::store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::Mutex;

/// Each kept connection's page cache, in KiB (SQLite's default is 2 MB): a page reads one
/// ticket's rows, and the daemon's memory should hardly grow with the pages on.
const CACHE_KIB: i64 = 256;

/// Connections kept when idle: as many as pages are rendered at once in practice (tokio's
/// blocking threads on a small machine). More may be open for a moment under a burst; they are
/// closed after use.
const KEPT: usize = 4;

pub struct Readers {
    database: PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl Readers {
    /// Nothing is opened yet: the daemon made the database before the pages start.
    pub fn new(database: PathBuf) -> Readers {
        Readers {
            database,
            idle: Mutex::new(Vec::with_capacity(KEPT)),
        }
    }

    /// Run `read` on a kept connection (or a new one; `open_failed` says why it could not be
    /// opened). A connection that saw an error is not kept: whatever went wrong stays with it.
    pub fn with<T, E>(
        &self,
        open_failed: impl FnOnce(StoreError) -> E,
        read: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let kept = self.lock().pop();
        let store = match kept {
            Some(store) => store,
            None => {
                let store = Store::open_existing(&self.database).map_err(open_failed)?;
                // a smaller cache only costs speed; a connection without it is still right
                let _ = store.conn().pragma_update(None, "cache_size", -CACHE_KIB);
                store
            }
        };
        let result = read(&store);
        if result.is_ok() {
            let mut idle = self.lock();
            if idle.len() < KEPT {
                idle.push(store);
            }
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Store>> {
        // a page that panicked cannot leave the list half-changed: push and pop are whole
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_kept_and_reused_and_a_failed_one_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.sqlite");
        drop(Store::open(&path).unwrap());
        let readers = Readers::new(path);
        // a setting of the connection itself shows it is the same one
        let cache = "PRAGMA cache_size";
        let set: Result<(), StoreError> = readers.with(
            |e| e,
            |s| {
                s.conn().pragma_update(None, "cache_size", 1234).unwrap();
                Ok(())
            },
        );
        set.unwrap();
        let again: Result<i64, StoreError> = readers.with(
            |e| e,
            |s| Ok(s.conn().query_row(cache, [], |r| r.get(0)).unwrap()),
        );
        assert_eq!(again.unwrap(), 1234, "the same connection");
        let failed: Result<(), StoreError> =
            readers.with(|e| e, |_| Err(StoreError::Missing { path: "x".into() }));
        assert!(failed.is_err());
        assert!(readers.lock().is_empty(), "not kept after an error");
    }
}
