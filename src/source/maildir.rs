//! A Maildir folder as source (the demo, local delivery, tests). Keys are the Maildir unique
//! names, which survive the move from `new/` to `cur/` and flag changes. Marking processed:
//! `seen` moves to `cur/` with the `S` flag, `move:Folder` to the sub-folder `.Folder`, `keep`
//! leaves the file and relies on the store's bookkeeping.

use super::{SourceError, SourceMessage};
use crate::classify::arrival::Arrival;
use crate::config::Processed;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

pub struct MaildirSource {
    root: PathBuf,
    processed: Processed,
    error_folder: String,
    max_bytes: usize,
    poll: std::time::Duration,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Maildir {
        path: path.to_path_buf(),
        source,
    }
}

/// `1700000000.M1P2.host:2,S` → `1700000000.M1P2.host`.
fn unique_name(file_name: &str) -> &str {
    file_name.split_once(":2,").map_or(file_name, |(u, _)| u)
}

fn flags(file_name: &str) -> &str {
    file_name.split_once(":2,").map_or("", |(_, f)| f)
}

impl MaildirSource {
    pub fn open(
        root: &Path,
        processed: Processed,
        error_folder: &str,
        max_bytes: usize,
        poll_seconds: u64,
    ) -> Result<Self, SourceError> {
        // a Maildir that is not there is a mistake (a typo, a mount not up), not something to
        // make up: a fresh empty folder would be read happily and nothing would ever arrive
        if !root.is_dir() {
            return Err(SourceError::MissingMaildir {
                path: root.to_path_buf(),
            });
        }
        // an existing folder may lack the parts git or a copy leaves out
        for sub in ["cur", "new", "tmp"] {
            let dir = root.join(sub);
            if !dir.is_dir() {
                fs::create_dir_all(&dir).map_err(io(&dir))?;
            }
        }
        Ok(MaildirSource {
            root: root.to_path_buf(),
            processed,
            error_folder: error_folder.to_string(),
            max_bytes,
            poll: std::time::Duration::from_secs(poll_seconds),
        })
    }

    pub fn describe(&self) -> String {
        format!("Maildir {}", self.root.display())
    }

    pub fn poll(&self) -> std::time::Duration {
        self.poll
    }

    fn key(&self, unique: &str) -> String {
        format!("maildir:{unique}")
    }

    /// Messages in `new/`, then `cur/` without the seen flag (or all of `cur/` under `keep`).
    pub fn fetch(
        &self,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<SourceMessage>, SourceError> {
        let mut names: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            for entry in fs::read_dir(&dir).map_err(io(&dir))? {
                let entry = entry.map_err(io(&dir))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                if sub == "cur" && self.processed != Processed::Keep && flags(&name).contains('S') {
                    continue;
                }
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                names.push((modified, entry.path()));
            }
        }
        // arrival order: delivery time, then the unique name (which starts with a timestamp)
        names.sort();
        let mut out = Vec::new();
        for (modified, path) in names {
            if out.len() >= limit {
                break;
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let key = self.key(unique_name(&file_name));
            if skip.contains(&key) {
                continue;
            }
            let raw = match read_bounded(&path, self.max_bytes) {
                Ok(raw) => raw,
                // delivered and moved away between listing and reading: next pass
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path)(e)),
            };
            // a Maildir file's modification time is its delivery: written in tmp/, renamed
            let arrival = Arrival {
                time: (modified > std::time::UNIX_EPOCH).then(|| modified.into()),
                uid: None,
            };
            out.push(SourceMessage { key, raw, arrival });
        }
        Ok(out)
    }

    fn find(&self, key: &str) -> Option<PathBuf> {
        let unique = key.strip_prefix("maildir:")?;
        ["new", "cur"].iter().find_map(|sub| {
            fs::read_dir(self.root.join(sub))
                .ok()?
                .flatten()
                .find_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (unique_name(&name) == unique).then(|| e.path())
                })
        })
    }

    pub fn mark_processed(&self, key: &str) -> Result<(), SourceError> {
        match &self.processed {
            Processed::Keep => Ok(()),
            Processed::Seen => self.move_to(key, &self.root, true),
            Processed::Move(folder) => {
                self.move_to(key, &self.root.join(format!(".{folder}")), true)
            }
        }
    }

    pub fn mark_failed(&self, key: &str) -> Result<(), SourceError> {
        if self.processed == Processed::Keep {
            return Ok(());
        }
        self.move_to(
            key,
            &self.root.join(format!(".{}", self.error_folder)),
            false,
        )
    }

    fn move_to(&self, key: &str, folder: &Path, seen: bool) -> Result<(), SourceError> {
        let Some(from) = self.find(key) else {
            return Ok(()); // already moved (a retry after a crash)
        };
        let cur = folder.join("cur");
        for sub in ["cur", "new", "tmp"] {
            let d = folder.join(sub);
            if !d.is_dir() {
                fs::create_dir_all(&d).map_err(io(&d))?;
            }
        }
        let name = from
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut flags: Vec<char> = flags(&name).chars().collect();
        if seen && !flags.contains(&'S') {
            flags.push('S');
        }
        flags.sort_unstable();
        let to = cur.join(format!(
            "{}:2,{}",
            unique_name(&name),
            flags.iter().collect::<String>()
        ));
        fs::rename(&from, &to).map_err(io(&from))
    }
}

/// Read at most `max + 1` bytes: enough to know a message is too large without loading it all.
fn read_bounded(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = fs::File::open(path)?;
    let mut raw = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut raw)?;
    Ok(raw)
}
