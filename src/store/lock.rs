//! One daemon per database. Two `deskmail run` on one database would race (both migrating,
//! both flushing one outbox and sending each mail twice), so `run` holds an exclusive lock on
//! `<database>.lock` for as long as it lives, with its pid written inside for the message the
//! second one prints. Read-only commands and dry runs take no lock: they work beside the daemon.
//!
//! The lock is `flock(2)` on its own file, never on the database: SQLite's POSIX locks on the
//! database file would be dropped by closing any other handle to it. The kernel releases the
//! lock when the process ends, however it ends, so a crash leaves no stale lock; the file
//! itself stays (removing it would let a third process lock a fresh file beside a holder).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another deskmail already runs on the database {database} ({holder}); stop it first \
         (systemctl stop deskmail), or give this one its own store.path"
    )]
    Held { database: PathBuf, holder: Holder },
    #[error("cannot lock {path} to make sure only one deskmail runs on the database")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Who holds the lock, as far as its file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder(pub Option<u32>);

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(pid) => write!(f, "pid {pid}"),
            None => f.write_str("pid unknown"),
        }
    }
}

/// Held until dropped (or the process ends).
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file of a database: `deskmail.sqlite` → `deskmail.sqlite.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl InstanceLock {
    /// Take the lock for `database`, or say who has it.
    pub fn acquire(database: &Path) -> Result<InstanceLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        // as Store::open does; if this fails, opening the folder below says why
        let _ = std::fs::create_dir_all(folder(database));
        let (mut file, writable) = match open(&path) {
            Ok(f) => (f, true),
            // a read-only or full file system: lock what can be opened, so a second daemon is
            // still refused; the store says what is wrong with the database itself
            Err(e) if unwritable(&e) => match File::open(&path) {
                Ok(f) => (f, false),
                Err(_) => (File::open(folder(database)).map_err(io)?, false),
            },
            Err(e) => return Err(io(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    database: database.to_path_buf(),
                    holder: Holder(read_pid(&mut file)),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if writable {
            // the pid is only a courtesy for the message: failing to write it changes nothing
            let _ = file
                .set_len(0)
                .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
                .and_then(|()| file.flush());
        }
        Ok(InstanceLock { _file: file, path })
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

fn unwritable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ReadOnlyFilesystem
            | std::io::ErrorKind::PermissionDenied
            | std::io::ErrorKind::StorageFull
    )
}

fn folder(database: &Path) -> &Path {
    match database.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("deskmail.sqlite");
        let first = InstanceLock::acquire(&db).expect("first lock");
        assert_eq!(first.path, dir.path().join("deskmail.sqlite.lock"));
        match InstanceLock::acquire(&db) {
            Err(LockError::Held { holder, .. }) => {
                assert_eq!(holder, Holder(Some(std::process::id())));
            }
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        InstanceLock::acquire(&db).expect("free again once the holder is gone");
    }

    #[test]
    fn the_message_names_the_database_the_pid_and_the_fix() {
        let e = LockError::Held {
            database: PathBuf::from("/var/lib/deskmail/deskmail.sqlite"),
            holder: Holder(Some(4242)),
        };
        let text = e.to_string();
        assert!(text.contains("another deskmail already runs"), "{text}");
        assert!(text.contains("pid 4242"), "{text}");
        assert!(text.contains("/var/lib/deskmail/deskmail.sqlite"), "{text}");
    }
}
