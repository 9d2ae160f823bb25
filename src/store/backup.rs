//! Backups: a consistent copy of the whole database while deskmail runs (`VACUUM INTO`), a
//! single file with no WAL beside it, readable by the deskmail user alone — it holds every
//! requester's mail. Restoring is copying it back over `store.path` with deskmail stopped
//! (README, "Data and privacy").

use super::{Result, Store, StoreError};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

impl Store {
    /// Write the copy to `to`, a new file made with mode 0600. Refuses to overwrite.
    pub fn backup(&self, to: &Path) -> Result<()> {
        let target = to.to_str().ok_or_else(|| StoreError::NotUtf8 {
            path: to.to_path_buf(),
            fix: "choose another file name for the backup",
        })?;
        // made first, empty and private: VACUUM INTO fills an empty file and keeps its mode,
        // and `create_new` refuses an existing file without a window in between
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(to)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => StoreError::BackupExists {
                    path: to.to_path_buf(),
                },
                _ => StoreError::BackupFile {
                    path: to.to_path_buf(),
                    source,
                },
            })?;
        if let Err(e) = self.conn.execute("VACUUM INTO ?1", [target]) {
            let _ = std::fs::remove_file(to);
            return Err(e.into());
        }
        Ok(())
    }

    /// Write the copy to `out` (`deskmail backup -`), by way of a private file in the
    /// temporary folder that is removed afterwards. Returns the bytes written.
    pub fn backup_to(&self, out: &mut dyn Write) -> Result<u64> {
        let file = Scratch(std::env::temp_dir().join(format!(
            "deskmail-backup-{}-{}.sqlite",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        )));
        self.backup(&file.0)?;
        let io = |source| StoreError::BackupFile {
            path: PathBuf::from("-"),
            source,
        };
        let mut copy = std::fs::File::open(&file.0).map_err(io)?;
        let n = std::io::copy(&mut copy, out).map_err(io)?;
        out.flush().map_err(io)?;
        Ok(n)
    }
}

/// The temporary copy, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
