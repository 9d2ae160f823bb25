//! A dry run changes nothing — not the schema of a database a newer deskmail would migrate, and
//! not the disk where no database is yet. Where the real database would have to be created or
//! migrated, the dry run works on a scratch copy in the temporary folder instead, removed when
//! the run ends; a database already at this version is opened as it is (a dry run's
//! transactions are rolled back).

use super::{Result, Store, StoreError, migrations};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The scratch database file; removed (with its WAL files) when dropped.
#[derive(Debug)]
pub struct ScratchFile(PathBuf);

impl Drop for ScratchFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.as_os_str().to_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// The store a dry run works on.
pub fn open_for_dry_run(path: &Path) -> Result<Store> {
    let version = match path.exists() {
        true => Some(version_of(path)?),
        false => None,
    };
    if version == Some(migrations::LATEST) {
        return Store::open(path);
    }
    let scratch = std::env::temp_dir().join(format!(
        "deskmail-dry-run-{}-{}.sqlite",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let guard = ScratchFile(scratch.clone());
    if version.is_some() {
        let source = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let target = scratch.to_str().ok_or_else(|| StoreError::NotUtf8 {
            path: scratch.clone(),
            fix: "point TMPDIR at a folder whose path is valid UTF-8",
        })?;
        source.execute("VACUUM INTO ?1", [target])?;
    }
    let mut store = Store::open(&scratch)?;
    tracing::info!(database = %path.display(), "dry run on a scratch copy: the database is not created or migrated");
    store.scratch = Some(guard);
    Ok(store)
}

fn version_of(path: &Path) -> Result<i64> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let found: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // a newer database is refused as the real run would refuse it
    super::refuse_newer(path, found)?;
    Ok(found)
}
