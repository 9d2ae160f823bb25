//! The SQLite store: tickets, every inbound mail (raw, with its decision), ticket events and the
//! outbox. WAL mode, foreign keys on, versioned migrations. Everything one decision changes is
//! written in one transaction, outgoing mail included, so a crash loses nothing and sends
//! nothing twice.

pub mod brake;
pub mod cursor;
pub mod events;
pub mod inbound;
pub mod migrations;
pub mod outbox;
pub mod tickets;

use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Migration {
        path: PathBuf,
        source: migrations::MigrationError,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds a value this version cannot read: {0}")]
    BadValue(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
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
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Open an existing database without changing it (for `explain`, `tickets`, previews).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        if version != migrations::LATEST {
            return Err(StoreError::BadValue(format!(
                "schema version {version} (this deskmail uses {}); run `deskmail run --once` to migrate it",
                migrations::LATEST
            )));
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// A consistent copy of the whole database while deskmail runs (`VACUUM INTO`): a single
    /// file, no WAL beside it. Refuses to overwrite an existing file.
    pub fn backup(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(StoreError::BadValue(format!(
                "{} exists already; choose a new file name for the backup",
                to.display()
            )));
        }
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::BadValue(format!("{} is not valid UTF-8", to.display())))?;
        self.conn.execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For reads: the plain connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
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
        let tx = self.conn.transaction().map_err(StoreError::from)?;
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
        .map_err(|e| StoreError::BadValue(format!("time {s:?}: {e}")))
}

pub(crate) fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
