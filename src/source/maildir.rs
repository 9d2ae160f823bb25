//! A Maildir folder as source (the demo, local delivery, tests). Keys are the Maildir unique
//! names, which survive the move from `new/` to `cur/` and flag changes. Marking processed:
//! `seen` moves to `cur/` with the `S` flag, `move:Folder` to the sub-folder `.Folder`, `keep`
//! leaves the file and relies on the store's bookkeeping.

use super::{Settled, SourceError, SourceMessage};
use crate::classify::arrival::Arrival;
use crate::config::Processed;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

pub struct MaildirSource {
    root: PathBuf,
    processed: Processed,
    error_folder: String,
    max_bytes: usize,
    poll: std::time::Duration,
    /// Listed but not yet handed out, oldest first: a backlog is listed once, not per batch
    /// (listing 100,000 files for every batch of 100 made a backlog slower as it grew).
    queue: VecDeque<Listed>,
    /// Where each message of the last batch lies: a mark moves it by this path instead of
    /// looking for it in `new/` and `cur/`.
    in_hand: HashMap<String, PathBuf>,
    /// Folders a mark has made sure exist (with `cur/`, `new/`, `tmp/`) in this run.
    prepared: HashSet<PathBuf>,
    /// Folder listings so far (`new/` and `cur/` count one each), for the log and the tests:
    /// the work per message must not grow with the folder.
    listings: usize,
}

/// One file found by a listing.
#[derive(Debug)]
struct Listed {
    modified: std::time::SystemTime,
    path: PathBuf,
    key: String,
}

/// Keys asked about at once, before their files are read: one indexed query per chunk.
const ASK: usize = 200;

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

fn key(unique: &str) -> String {
    format!("maildir:{unique}")
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
            queue: VecDeque::new(),
            in_hand: HashMap::new(),
            prepared: HashSet::new(),
            listings: 0,
        })
    }

    pub fn describe(&self) -> String {
        format!("Maildir {}", self.root.display())
    }

    pub fn poll(&self) -> std::time::Duration {
        self.poll
    }

    /// How many times a folder was listed.
    pub fn listings(&self) -> usize {
        self.listings
    }

    /// Messages in `new/`, then `cur/` without the seen flag (or all of `cur/` under `keep`),
    /// in arrival order.
    fn list(&mut self) -> Result<VecDeque<Listed>, SourceError> {
        let mut names: Vec<Listed> = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            self.listings += 1;
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
                names.push(Listed {
                    modified,
                    key: key(unique_name(&name)),
                    path: entry.path(),
                });
            }
        }
        // arrival order: delivery time, then the unique name (which starts with a timestamp)
        names.sort_by(|a, b| (a.modified, &a.path).cmp(&(b.modified, &b.path)));
        Ok(names.into())
    }

    /// Up to `limit` messages, oldest first, leaving out the keys in `skip` and those that
    /// `settled` names: it is asked about each chunk of keys before their files are read, so
    /// mail decided before and left here (`processed = "keep"`, old mail left untouched) is
    /// not read again. A backlog is listed once; an empty answer means a fresh listing found
    /// nothing new.
    pub fn fetch(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
        settled: &mut Settled<'_>,
    ) -> Result<Vec<SourceMessage>, SourceError> {
        self.in_hand.clear();
        let mut out = Vec::new();
        let mut listed = false;
        while out.len() < limit {
            if self.queue.is_empty() {
                // mail delivered meanwhile is found by the next fetch's listing
                if listed || !out.is_empty() {
                    break;
                }
                self.queue = self.list()?;
                listed = true;
                continue;
            }
            let n = self.queue.len().min(ASK);
            let chunk: Vec<Listed> = self
                .queue
                .drain(..n)
                .filter(|l| !skip.contains(&l.key))
                .collect();
            let keys: Vec<String> = chunk.iter().map(|l| l.key.clone()).collect();
            let done = if keys.is_empty() {
                HashSet::new()
            } else {
                settled(&keys)?
            };
            let mut rest = chunk.into_iter().filter(|l| !done.contains(&l.key));
            for l in rest.by_ref() {
                let (raw, size) = match read_bounded(&l.path, self.max_bytes) {
                    Ok(read) => read,
                    // moved away (or its flags changed) since the listing: the next one has it
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(&l.path)(e)),
                };
                // a Maildir file's modification time is its delivery: written in tmp/, renamed
                let arrival = Arrival {
                    time: (l.modified > std::time::UNIX_EPOCH).then(|| l.modified.into()),
                    uid: None,
                };
                self.in_hand.insert(l.key.clone(), l.path);
                out.push(SourceMessage {
                    key: l.key,
                    raw,
                    size,
                    arrival,
                });
                if out.len() >= limit {
                    break;
                }
            }
            // what this batch had no room for is next, in order
            let back: Vec<Listed> = rest.collect();
            for l in back.into_iter().rev() {
                self.queue.push_front(l);
            }
        }
        Ok(out)
    }

    /// Where a message is when it was not handed out by the last fetch (or has moved since):
    /// the one lookup that lists the folders.
    fn find(&mut self, key: &str) -> Option<PathBuf> {
        let unique = key.strip_prefix("maildir:")?;
        self.listings += 2;
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

    pub fn mark_processed(&mut self, key: &str) -> Result<(), SourceError> {
        match self.processed.clone() {
            Processed::Keep => Ok(()),
            Processed::Seen => {
                let root = self.root.clone();
                self.move_to(key, &root, true)
            }
            Processed::Move(folder) => {
                let to = self.root.join(format!(".{folder}"));
                self.move_to(key, &to, true)
            }
        }
    }

    pub fn mark_failed(&mut self, key: &str) -> Result<(), SourceError> {
        if self.processed == Processed::Keep {
            return Ok(());
        }
        let to = self.root.join(format!(".{}", self.error_folder));
        self.move_to(key, &to, false)
    }

    fn move_to(&mut self, key: &str, folder: &Path, seen: bool) -> Result<(), SourceError> {
        // once per folder and run, not three stat calls per mail
        if !self.prepared.contains(folder) {
            for sub in ["cur", "new", "tmp"] {
                let d = folder.join(sub);
                if !d.is_dir() {
                    fs::create_dir_all(&d).map_err(io(&d))?;
                }
            }
            self.prepared.insert(folder.to_path_buf());
        }
        let cur = folder.join("cur");
        if let Some(from) = self.in_hand.remove(key) {
            match fs::rename(&from, target(&cur, &from, seen)) {
                Ok(()) => return Ok(()),
                // its flags changed since the fetch: look it up below
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&from)(e)),
            }
        }
        let Some(from) = self.find(key) else {
            return Ok(()); // already moved (a retry after a crash)
        };
        fs::rename(&from, target(&cur, &from, seen)).map_err(io(&from))
    }
}

/// The file `from` in the folder `cur`, its flags kept, with `S` added when `seen`.
fn target(cur: &Path, from: &Path, seen: bool) -> PathBuf {
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut flags: Vec<char> = flags(&name).chars().collect();
    if seen && !flags.contains(&'S') {
        flags.push('S');
    }
    flags.sort_unstable();
    cur.join(format!(
        "{}:2,{}",
        unique_name(&name),
        flags.iter().collect::<String>()
    ))
}

/// Read at most `max + 1` bytes: enough to know a message is too large without loading it
/// all. Also the file's whole size, which the store records beside what it keeps.
fn read_bounded(path: &Path, max: usize) -> std::io::Result<(Vec<u8>, usize)> {
    use std::io::Read;
    let file = fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len());
    let mut raw = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut raw)?;
    let size = usize::try_from(size).unwrap_or(usize::MAX).max(raw.len());
    Ok((raw, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SettledError;

    fn maildir(n: usize) -> (tempfile::TempDir, MaildirSource) {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["new", "cur", "tmp"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        for i in 0..n {
            let path = dir
                .path()
                .join("new")
                .join(format!("{}.M{i}P1.test", 1000 + i));
            fs::write(&path, format!("Subject: {i}\r\n\r\nbody\r\n")).unwrap();
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        let source =
            MaildirSource::open(dir.path(), Processed::Seen, "Error", 1 << 20, 30).unwrap();
        (dir, source)
    }

    fn none(_: &[String]) -> Result<HashSet<String>, SettledError> {
        Ok(HashSet::new())
    }

    #[test]
    fn a_backlog_is_listed_once_and_a_mark_lists_nothing() {
        let (dir, mut source) = maildir(250);
        let mut keys = Vec::new();
        loop {
            let batch = source.fetch(100, &HashSet::new(), &mut none).unwrap();
            if batch.is_empty() {
                break;
            }
            let listed = source.listings();
            for m in &batch {
                source.mark_processed(&m.key).unwrap();
                keys.push(m.key.clone());
            }
            // the mark moves the file by the path the fetch found: O(1), whatever the folder
            assert_eq!(source.listings(), listed, "a mark listed the folder");
        }
        // one listing of new/ and cur/ for the backlog, one more that found nothing new
        assert_eq!(source.listings(), 4);
        assert_eq!(keys.len(), 250);
        let expected: Vec<String> = (0..250)
            .map(|i| format!("maildir:{}.M{i}P1.test", 1000 + i))
            .collect();
        assert_eq!(keys, expected, "arrival order");
        assert_eq!(fs::read_dir(dir.path().join("new")).unwrap().count(), 0);
        let seen = fs::read_dir(dir.path().join("cur"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(":2,S"))
            .count();
        assert_eq!(seen, 250);
    }

    #[test]
    fn mail_the_store_settled_is_not_read() {
        let (dir, mut source) = maildir(5);
        // a settled mail that cannot be read: reading it would fail the fetch
        let unreadable = dir.path().join("new/1002.M2P1.test");
        fs::remove_file(&unreadable).unwrap();
        fs::create_dir(&unreadable).unwrap();
        let mut asked = Vec::new();
        let mut settled = |keys: &[String]| -> Result<HashSet<String>, SettledError> {
            asked.extend(keys.iter().cloned());
            Ok(keys
                .iter()
                .filter(|k| k.contains(".M2P1") || k.contains(".M3P1"))
                .cloned()
                .collect())
        };
        let skip: HashSet<String> = [String::from("maildir:1000.M0P1.test")].into();
        let batch = source.fetch(100, &skip, &mut settled).unwrap();
        let keys: Vec<&str> = batch.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["maildir:1001.M1P1.test", "maildir:1004.M4P1.test"]);
        // the skipped key is not even asked about
        assert_eq!(asked.len(), 4);
        assert!(batch.iter().all(|m| m.size == m.raw.len() && m.size > 0));
    }

    #[test]
    fn a_mail_moved_since_the_fetch_is_found_and_marked() {
        let (dir, mut source) = maildir(1);
        let batch = source.fetch(10, &HashSet::new(), &mut none).unwrap();
        // a mail client flagged it meanwhile
        fs::rename(
            dir.path().join("new/1000.M0P1.test"),
            dir.path().join("cur/1000.M0P1.test:2,F"),
        )
        .unwrap();
        source.mark_processed(&batch[0].key).unwrap();
        assert!(dir.path().join("cur/1000.M0P1.test:2,FS").is_file());
    }

    #[test]
    fn an_oversized_mail_is_read_to_one_byte_over_with_its_whole_size() {
        let (dir, _) = maildir(0);
        let path = dir.path().join("new/big");
        fs::write(&path, vec![b'x'; 5000]).unwrap();
        let (raw, size) = read_bounded(&path, 1000).unwrap();
        assert_eq!((raw.len(), size), (1001, 5000));
    }
}
