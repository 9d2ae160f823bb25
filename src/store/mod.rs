//! The SQLite store: tickets, every inbound mail (raw, with its decision), ticket events and the
//! outbox. WAL mode, foreign keys on, versioned migrations. Everything one decision changes is
//! written in one transaction, outgoing mail included, so a crash loses nothing and sends
//! nothing twice.

pub mod backup;
pub mod brake;
pub mod cursor;
pub mod daemon_state;
pub mod events;
pub mod form_pending;
pub mod inbound;
pub mod lock;
pub mod migrations;
pub mod outbox;
pub mod privacy;
pub mod purge;
pub mod reply_tags;
pub mod scratch;
pub mod settings;
pub mod tickets;

use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::{Path, PathBuf};

mod error;
pub use error::{Result, StoreError, Trouble};
use error::{diagnose, trouble_of};

/// A database from a newer deskmail is not ours to change or to misread: stop before
/// anything touches it (exit 2, like a bad configuration: no restart loop will fix it).
pub(crate) fn refuse_newer(path: &Path, found: i64) -> Result<()> {
    if found > migrations::LATEST {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found,
            supported: migrations::LATEST,
        });
    }
    Ok(())
}

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// A dry run's scratch copy, removed when the store is dropped.
    scratch: Option<scratch::ScratchFile>,
    durability: Durability,
}

/// How a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// On the disk before the commit returns (`synchronous = FULL`): every decision, whose
    /// mark at the source follows its commit.
    Disk,
    /// Handed to the operating system (`synchronous = NORMAL` in WAL mode): a crash or kill of
    /// deskmail loses nothing, a power loss may forget the last commits. Only for what forgetting
    /// costs a copy, never a loss: that a mail was sent (it then goes again, same Message-ID).
    Os,
}

impl Store {
    /// Open (and create or migrate) the database for reading and writing.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |sqlite| StoreError::Open {
            path: path.to_path_buf(),
            trouble: diagnose(path, trouble_of(&sqlite)),
            sqlite,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // SQLite quietly opens a file it may not write read-only; every write would then fail
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(open_err)? {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                sqlite: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                    Some("the database file is not writable".into()),
                ),
                trouble: Some(Trouble::ReadOnly),
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        refuse_newer(path, found)?;
        migrations::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.to_path_buf(),
            source,
        })?;
        // The drain's savepoint per mail journals each page it changes; on disk (SQLite's
        // default past 64 KiB) that was a temporary file with ~37 writes per mail. In memory,
        // so is any sort without an index: set after the migrations, whose index builds sort a
        // whole table, and the hot paths' plans are checked (daemon/plans.rs).
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            scratch: None,
            durability: Durability::Disk,
        })
    }

    /// For the commands that read or maintain a database the daemon made (`tickets`, `outbox`,
    /// `backup`, …): a missing one is an error, not an empty desk, so a mistyped `store.path`
    /// is seen and no empty database is created beside the real one.
    pub fn must_exist(path: &Path) -> Result<()> {
        if path.exists() {
            Ok(())
        } else {
            Err(StoreError::Missing {
                path: path.to_path_buf(),
            })
        }
    }

    /// [`Store::open_read_only`] of a database that must exist ([`Store::must_exist`]).
    pub fn open_existing(path: &Path) -> Result<Store> {
        Store::must_exist(path)?;
        Store::open_read_only(path)
    }

    /// Open an existing database without changing it (for `explain`, `tickets`, previews).
    /// On a read-only file system SQLite cannot make the WAL index beside it; nothing can write
    /// there either, so the file is read as immutable.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let open_err = |sqlite: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            trouble: diagnose(path, trouble_of(&sqlite)),
            sqlite,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(path, flags).and_then(|c| {
            c.query_row("PRAGMA user_version", [], |_| Ok(()))?;
            Ok(c)
        }) {
            Ok(conn) => conn,
            Err(e) => match open_err(e) {
                StoreError::Open {
                    trouble: Some(Trouble::ReadOnly),
                    ..
                } => {
                    let text = path.to_string_lossy();
                    // a URI: the characters it gives a meaning are escaped
                    let escaped = text
                        .replace('%', "%25")
                        .replace('?', "%3f")
                        .replace('#', "%23");
                    Connection::open_with_flags(
                        format!("file:{escaped}?immutable=1"),
                        flags | OpenFlags::SQLITE_OPEN_URI,
                    )
                    .map_err(open_err)?
                }
                other => return Err(other),
            },
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        refuse_newer(path, version)?;
        if version != migrations::LATEST {
            return Err(StoreError::Older {
                path: path.to_path_buf(),
                found: version,
                latest: migrations::LATEST,
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            scratch: None,
            durability: Durability::Disk,
        })
    }

    /// The storage problem behind `e`, looked at more closely where SQLite's word is vague.
    pub fn trouble(&self, e: Option<Trouble>) -> Option<Trouble> {
        diagnose(&self.path, e)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For reads: the plain connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// How the next commits wait for the disk ([`Durability`]); a transaction that commits
    /// (`transaction` with `commit`) always goes back to `Disk` first.
    pub fn set_durability(&mut self, durability: Durability) -> Result<()> {
        if self.durability != durability {
            let level = match durability {
                Durability::Disk => "FULL",
                Durability::Os => "NORMAL",
            };
            self.conn.pragma_update(None, "synchronous", level)?;
            self.durability = durability;
        }
        Ok(())
    }

    /// Run `f` in one transaction; it commits only when `f` returns Ok and `commit` is true
    /// (a dry run decides everything and then rolls back).
    pub fn transaction<T, E>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&Transaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        // two writers share the file (the mail loop and the web pages): a deferred transaction
        // that reads and then writes gets SQLITE_BUSY at once, without the busy timeout, when
        // the other wrote in between; one that will commit takes the write lock up front and
        // waits its turn. A dry run only reads and rolls back, so it takes no lock.
        if commit {
            self.set_durability(Durability::Disk)?;
        }
        let behavior = match commit {
            true => rusqlite::TransactionBehavior::Immediate,
            false => rusqlite::TransactionBehavior::Deferred,
        };
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(StoreError::from)?;
        let out = f(&tx)?;
        if commit {
            tx.commit().map_err(StoreError::from)?;
        }
        Ok(out)
    }
}

/// Times are stored as RFC 3339 text in UTC.
pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::unreadable(format!("time {s:?}"), e))
}

pub(crate) fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_chain::Chain;

    #[test]
    fn an_unreadable_value_names_itself_and_why() {
        let e = parse_time("soon").expect_err("not a time");
        assert!(e.trouble().is_none(), "not a storage problem");
        assert_eq!(
            Chain(&e).to_string(),
            "database holds a value this version cannot read: time \"soon\": premature end of input"
        );
    }

    #[test]
    fn a_committing_transaction_always_waits_for_the_disk_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("d.sqlite")).expect("store");
        let level = |s: &Store| -> i64 {
            s.conn()
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .expect("pragma")
        };
        assert_eq!(level(&store), 2, "FULL by default");
        store.set_durability(Durability::Os).expect("relax");
        assert_eq!(level(&store), 1, "NORMAL while marking mails sent");
        // a dry run's transaction does not commit and leaves it
        store
            .transaction(false, |_| Ok::<_, StoreError>(()))
            .expect("dry");
        assert_eq!(level(&store), 1);
        store
            .transaction(true, |_| Ok::<_, StoreError>(()))
            .expect("commit");
        assert_eq!(
            level(&store),
            2,
            "a decision is on the disk before its mark"
        );
    }
}
