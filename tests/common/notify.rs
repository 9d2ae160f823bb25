//! systemd's notification socket, played by the test: a datagram socket in a temporary folder
//! that `NOTIFY_SOCKET` points at, so a test reads what the daemon tells systemd (READY=1,
//! STATUS=…, RELOADING=1) as systemd would.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct NotifySocket {
    _dir: tempfile::TempDir,
    path: PathBuf,
    socket: UnixDatagram,
    /// Every message received so far, in order.
    pub received: Vec<String>,
}

impl NotifySocket {
    pub fn bind() -> NotifySocket {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        NotifySocket {
            _dir: dir,
            path,
            socket,
            received: Vec::new(),
        }
    }

    /// The `NOTIFY_SOCKET` value for the daemon.
    pub fn env(&self) -> (&'static str, PathBuf) {
        ("NOTIFY_SOCKET", self.path.clone())
    }

    /// Wait at most `limit` for a message with the line `line` (e.g. `READY=1`); the message,
    /// or `None` when it did not come.
    pub fn wait_for(&mut self, line: &str, limit: Duration) -> Option<String> {
        self.wait_until(limit, |m| {
            m.lines().any(|l| l == line).then(|| m.to_string())
        })
    }

    /// Wait at most `limit` for a `STATUS=` line containing `words`; that line, or `None`.
    pub fn wait_for_status(&mut self, words: &str, limit: Duration) -> Option<String> {
        self.wait_until(limit, |m| {
            m.lines()
                .find(|l| l.starts_with("STATUS=") && l.contains(words))
                .map(str::to_string)
        })
    }

    /// The first of the messages (received before or during the wait) that `found` picks.
    fn wait_until(
        &mut self,
        limit: Duration,
        found: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        let start = Instant::now();
        let mut buf = vec![0u8; 4096];
        loop {
            if let Some(hit) = self.received.iter().find_map(|m| found(m)) {
                return Some(hit);
            }
            if start.elapsed() > limit {
                return None;
            }
            if let Ok(n) = self.socket.recv(&mut buf) {
                self.received
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    }
}
