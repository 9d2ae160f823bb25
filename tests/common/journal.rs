//! A Unix datagram socket standing in for journald's, as systemd would set deskmail up: its
//! stderr a stream whose device and inode `JOURNAL_STREAM` names, `DESKMAIL_JOURNAL_SOCKET`
//! naming this socket. Each datagram is read back into the entry's fields by the native
//! protocol's rules (`KEY=VALUE` lines; a value with a line break as the name, a line break,
//! its length as 64-bit little endian, the bytes).

use std::os::unix::fs::MetadataExt as _;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One journal entry as deskmail sent it.
#[derive(Clone)]
pub struct Entry {
    pub raw: Vec<u8>,
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Entry {
    fn parse(raw: &[u8]) -> Entry {
        let mut fields = Vec::new();
        let mut rest = raw;
        while !rest.is_empty() {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let line = &rest[..end];
            if let Some(eq) = line.iter().position(|&b| b == b'=') {
                fields.push((lossy(&line[..eq]), line[eq + 1..].to_vec()));
                rest = rest.get(end + 1..).unwrap_or_default();
            } else {
                let after = rest.get(end + 1..).unwrap_or_default();
                let len_bytes: [u8; 8] = after
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_else(|| panic!("binary-safe field cut short: {raw:?}"));
                let len = u64::from_le_bytes(len_bytes) as usize;
                let value = after
                    .get(8..8 + len)
                    .unwrap_or_else(|| panic!("binary-safe value cut short: {raw:?}"));
                assert_eq!(after.get(8 + len), Some(&b'\n'), "{raw:?}");
                fields.push((lossy(line), value.to_vec()));
                rest = &after[8 + len + 1..];
            }
        }
        Entry {
            raw: raw.to_vec(),
            fields,
        }
    }

    /// A field's value (the first, should it come twice).
    pub fn get(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| lossy(v))
    }

    pub fn message(&self) -> String {
        self.get("MESSAGE").unwrap_or_default()
    }

    pub fn priority(&self) -> u8 {
        self.get("PRIORITY")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("an entry without PRIORITY: {self:?}"))
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.fields {
            map.entry(name, &lossy(value));
        }
        map.finish()
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The socket, read by a thread of its own (the kernel queues only a few datagrams: a sender
/// nobody reads from would wait).
pub struct Journal {
    path: PathBuf,
    entries: Arc<Mutex<Vec<Entry>>>,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Journal {
    pub fn listen(dir: &Path) -> Journal {
        let path = dir.join("journal.socket");
        let socket = UnixDatagram::bind(&path).expect("bind the journal socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let entries = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let (entries, stop) = (entries.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 18];
                while !stop.load(Ordering::SeqCst) {
                    if let Ok(n) = socket.recv(&mut buf) {
                        let entry = Entry::parse(&buf[..n]);
                        entries.lock().expect("entries").push(entry);
                    }
                }
            })
        };
        Journal {
            path,
            entries,
            stop,
            reader: Some(reader),
        }
    }

    /// Sets `cmd` up as systemd sets up a service logging to the journal; `stderr` is the file
    /// that stands for the journal's stream (what deskmail writes there, it did not send).
    pub fn attach(&self, cmd: &mut Command, stderr: &Path) {
        let file = std::fs::File::create(stderr).expect("stderr file");
        let meta = file.metadata().expect("stat stderr file");
        cmd.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
            .env("DESKMAIL_JOURNAL_SOCKET", &self.path)
            .stderr(file);
    }

    /// Only the socket, with a `JOURNAL_STREAM` left over from somewhere else.
    pub fn attach_stale(&self, cmd: &mut Command) {
        cmd.env("JOURNAL_STREAM", "1:1")
            .env("DESKMAIL_JOURNAL_SOCKET", &self.path);
    }

    pub fn entries(&self) -> Vec<Entry> {
        self.entries.lock().expect("entries").clone()
    }

    /// Every entry, once a fifth of a second went by without a new one: after the sender
    /// exited, what it sent is all queued, and read by then.
    pub fn settled(&self) -> Vec<Entry> {
        let mut seen = usize::MAX;
        loop {
            let entries = self.entries();
            if entries.len() == seen {
                return entries;
            }
            seen = entries.len();
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The first entry that `matches`, waiting at most `timeout` for it.
    pub fn wait_for(&self, timeout: Duration, matches: impl Fn(&Entry) -> bool) -> Option<Entry> {
        let start = Instant::now();
        loop {
            if let Some(e) = self.entries().into_iter().find(&matches) {
                return Some(e);
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
