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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // the SQLite error is quoted, not chained: its own text repeats itself
    #[error("cannot open database {path}: {}{}", sql_text(sqlite), hint(*trouble))]
    Open {
        path: PathBuf,
        sqlite: rusqlite::Error,
        trouble: Option<Trouble>,
    },
    #[error("cannot create the database folder {path}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database {path}")]
    Migration {
        path: PathBuf,
        source: migrations::MigrationError,
    },
    #[error(
        "database {path} does not exist; check store.path in the config (a typo?): \
         `deskmail run` creates the database when it first starts"
    )]
    Missing { path: PathBuf },
    #[error(
        "database {path} has schema version {found}, newer than this deskmail knows ({supported}): \
         a newer deskmail wrote it. Install that newer version again, or restore the backup made \
         before the upgrade (deskmail backup); this one changes nothing"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "database {path} has schema version {found}, older than this deskmail uses ({latest}); \
         run `deskmail run --once` to migrate it"
    )]
    Older {
        path: PathBuf,
        found: i64,
        latest: i64,
    },
    #[error(
        "{path} exists already; choose a new file name for the backup (a backup never overwrites)"
    )]
    BackupExists { path: PathBuf },
    #[error("cannot write the backup {path}")]
    BackupFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid UTF-8, which SQLite needs in a file name; {fix}")]
    NotUtf8 { path: PathBuf, fix: &'static str },
    // getrandom's error is no `std::error::Error` (its `std` feature is off): quoted
    #[error(
        "the system has no random bytes for a key: {0}; deskmail needs the kernel's random \
         source (getrandom(2), /dev/urandom)"
    )]
    NoRandom(getrandom::Error),
    #[error(
        "{what} was written but is not there when read back; is another program changing the \
         database? Only deskmail should write it"
    )]
    Vanished { what: String },
    #[error("database holds a value this version cannot read: {what}")]
    Unreadable {
        what: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot write {what} to the database")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("database error: {}", sql_text(.0))]
    Sql(rusqlite::Error),
}

impl StoreError {
    /// A stored value that does not parse; `source` says why.
    pub(crate) fn unreadable(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError::Unreadable {
            what: what.into(),
            source: source.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sql(e)
    }
}

/// Why the database cannot be written just now. The daemon waits and tries again on these
/// instead of stopping: the transaction was rolled back, and the mail it was about stays at the
/// source until a decision on it is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Full,
    ReadOnly,
    Io,
    CannotOpen,
}

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trouble::Full => "the disk is full; free space on its file system",
            Trouble::ReadOnly => {
                "it is read-only; give the deskmail user write access to the file, its folder \
                 and its file system"
            }
            Trouble::Io => "the disk reports an I/O error; check the file system (dmesg, df)",
            Trouble::CannotOpen => {
                "the file or its folder cannot be opened for writing; check that both exist and \
                 that the deskmail user may write them"
            }
        })
    }
}

impl StoreError {
    /// The storage problem behind this error, if it is one (and not, say, a bug or a bad value).
    pub fn trouble(&self) -> Option<Trouble> {
        match self {
            StoreError::Open { trouble, .. } => *trouble,
            StoreError::Sql(sqlite) => trouble_of(sqlite),
            StoreError::Migration { source, .. } => trouble_of(&source.sqlite),
            StoreError::Folder { source, .. } => match source.kind() {
                std::io::ErrorKind::StorageFull => Some(Trouble::Full),
                std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                    Some(Trouble::ReadOnly)
                }
                _ => None,
            },
            StoreError::Newer { .. }
            | StoreError::Missing { .. }
            | StoreError::Older { .. }
            | StoreError::BackupExists { .. }
            | StoreError::BackupFile { .. }
            | StoreError::NotUtf8 { .. }
            | StoreError::NoRandom(_)
            | StoreError::Vanished { .. }
            | StoreError::Unreadable { .. }
            | StoreError::Encode { .. } => None,
        }
    }
}

fn trouble_of(e: &rusqlite::Error) -> Option<Trouble> {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code()? {
        ErrorCode::DiskFull => Some(Trouble::Full),
        ErrorCode::ReadOnly => Some(Trouble::ReadOnly),
        ErrorCode::SystemIoFailure => Some(Trouble::Io),
        ErrorCode::CannotOpen => Some(Trouble::CannotOpen),
        _ => None,
    }
}

/// SQLite says only "unable to open database file" or "disk I/O error" when it cannot make or
/// grow its WAL files beside the database (a read-only file system, a full disk): try the file
/// and the folder to say which.
fn diagnose(path: &Path, found: Option<Trouble>) -> Option<Trouble> {
    if !matches!(found, Some(Trouble::CannotOpen | Trouble::Io)) {
        return found;
    }
    let of_io = |io: std::io::Error| match io.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
            Some(Trouble::ReadOnly)
        }
        std::io::ErrorKind::StorageFull => Some(Trouble::Full),
        _ => None,
    };
    if let Err(io) = std::fs::OpenOptions::new().append(true).open(path) {
        return of_io(io).or(found);
    }
    // the folder must take new files with content (the WAL and its index)
    let mut probe = path.as_os_str().to_owned();
    probe.push("-probe");
    let probe = PathBuf::from(probe);
    let written = std::fs::write(&probe, [0u8; 4096]);
    let _ = std::fs::remove_file(&probe);
    match written {
        Err(io) => of_io(io).or(found),
        Ok(()) => found,
    }
}

fn hint(trouble: Option<Trouble>) -> String {
    trouble.map(|t| format!(" ({t})")).unwrap_or_default()
}

/// SQLite's message once: rusqlite repeats it ("X: Error code 13: X").
fn sql_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqliteFailure(code, None) => code.to_string(),
        other => other.to_string(),
    }
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
        // the drain's savepoint per mail journals each page it changes; on disk (SQLite's
        // default past 64 KiB) that was a temporary file with ~37 writes per mail
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_err)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        refuse_newer(path, found)?;
        migrations::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.to_path_buf(),
            source,
        })?;
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
