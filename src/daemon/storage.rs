//! A database that cannot be written (a full disk, a read-only file) stops nothing silently:
//! `run --once` ends saying so; the daemon says so loudly, tells systemd, waits (backing off)
//! and tries a fresh connection, since the failed transaction was rolled back and its mail is
//! still at the source.

use super::{Engine, RunError, RunOptions, notify};
use crate::backoff::Backoff;
use crate::error_chain::Chain;
use crate::shutdown::Shutdown;
use crate::source::Source;
use crate::store::Store;
use std::time::Duration;

/// Waiting for a full or read-only database to become writable: soon at first, then calmer.
pub(super) fn storage_backoff() -> Backoff {
    Backoff::new(Duration::from_secs(2), Duration::from_secs(120))
}

/// A pass failed. Unless the database cannot be written, that ends the run. Otherwise a
/// one-shot run says so and ends; the daemon says so, waits (backing off) and reconnects to
/// the database: the failed transaction was rolled back and its mail not marked at the
/// source, so the next pass takes it again.
pub(super) async fn wait_for_storage(
    engine: &mut Engine,
    source: &mut Source,
    opts: RunOptions,
    storage: &mut Backoff,
    shutdown: &mut Shutdown,
    e: RunError,
) -> Result<(), RunError> {
    let Some(trouble) = engine.store.trouble(e.trouble()) else {
        return Err(e);
    };
    let path = engine.store.path().to_path_buf();
    if opts.once {
        source.close().await;
        engine.transport.close().await;
        return Err(RunError::Unwritable {
            path,
            trouble,
            cause: Box::new(e),
        });
    }
    let mut wait = storage.fail();
    if let Some(w) = notify::watchdog_interval() {
        wait = wait.min(w);
    }
    tracing::error!(database = %path.display(), %trouble, error = %Chain(&e), retry_in_s = wait.as_secs(), "DATABASE CANNOT BE WRITTEN; nothing is lost: the mail stays at the source and is taken again");
    notify::status(&format!("database cannot be written: {trouble}"));
    notify::watchdog();
    shutdown.sleep(wait).await;
    if !shutdown.is_requested() {
        // a fresh connection: write access granted, the file replaced or the disk remounted
        // only show to a new one
        match Store::open(&path) {
            Ok(store) => engine.store = store,
            Err(e) => tracing::debug!(error = %Chain(&e), "database still cannot be opened"),
        }
    }
    Ok(())
}
