//! What can go wrong with the database, in words a sysadmin can act on: which file, what
//! SQLite said (once), and for the troubles the daemon waits out (a full disk, a read-only
//! file system) which one it is.

use super::migrations;
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

pub(super) fn trouble_of(e: &rusqlite::Error) -> Option<Trouble> {
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
pub(super) fn diagnose(path: &Path, found: Option<Trouble>) -> Option<Trouble> {
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
pub(super) fn sql_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqliteFailure(code, None) => code.to_string(),
        other => other.to_string(),
    }
}
