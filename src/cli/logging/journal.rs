//! Logging to journald in its native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): one datagram
//! per event to journald's socket, holding `KEY=VALUE` lines — a value with a line break in the
//! binary-safe form (the name, a line break, its length as 64-bit little endian, the bytes) —
//! and, when an event is too big for a datagram, a sealed memfd with the same bytes passed
//! instead. So `journalctl -p err` finds the errors by their priority and
//! `journalctl DECISION=ignore` the decisions by their fields.
//!
//! Written here rather than with tracing-journald: that crate sends to a fixed socket path (no
//! test can receive what it sends), knows a priority only per level (no `crit` for the one line
//! that needs it) and prefixes every field with `F_`.

use super::fields::{EventFields, PRIORITY_FIELD};
use std::io::{self, Write as _};
use std::os::fd::AsFd as _;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::Context;

/// Where journald listens.
pub const SOCKET: &str = "/run/systemd/journal/socket";

/// Every entry's `SYSLOG_IDENTIFIER`: `journalctl -t deskmail`.
const IDENTIFIER: &str = "deskmail";

/// Fields journald itself gives a meaning to (systemd.journal-fields(7)): a tracing field of
/// the same name (`message_id`, a mail's Message-ID, is not journald's 128-bit MESSAGE_ID) is
/// written with `DESKMAIL_` in front instead of passing for journald's own.
const JOURNALD_FIELDS: &[&str] = &[
    "MESSAGE",
    "MESSAGE_ID",
    "PRIORITY",
    "CODE_FILE",
    "CODE_LINE",
    "CODE_FUNC",
    "ERRNO",
    "INVOCATION_ID",
    "USER_INVOCATION_ID",
    "SYSLOG_FACILITY",
    "SYSLOG_IDENTIFIER",
    "SYSLOG_PID",
    "SYSLOG_TIMESTAMP",
    "SYSLOG_RAW",
    "DOCUMENTATION",
    "TID",
    "UNIT",
    "USER_UNIT",
    "TARGET",
];

/// syslog's severities, as journald's `PRIORITY=` holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Emerg = 0,
    Alert = 1,
    Crit = 2,
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

impl Priority {
    /// An event's priority: its level's, unless it names a syslog severity in its `priority`
    /// field (`tracing::error!(priority = "crit", …)`: tracing has no level above error).
    pub fn of(level: Level, named: Option<&str>) -> Priority {
        named
            .and_then(Priority::named)
            .unwrap_or_else(|| Priority::of_level(level))
    }

    /// Info is a daemon's ordinary line (sd-daemon(3)); debug and trace are both syslog's
    /// debug, which has nothing finer.
    fn of_level(level: Level) -> Priority {
        match level {
            Level::ERROR => Priority::Err,
            Level::WARN => Priority::Warning,
            Level::INFO => Priority::Info,
            Level::DEBUG | Level::TRACE => Priority::Debug,
        }
    }

    fn named(name: &str) -> Option<Priority> {
        Some(match name {
            "emerg" => Priority::Emerg,
            "alert" => Priority::Alert,
            "crit" => Priority::Crit,
            "err" => Priority::Err,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "info" => Priority::Info,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }
}

/// A tracing field's name as journald accepts it: upper case letters, digits and `_`, not
/// starting with `_` (journald's trusted fields) or a digit, at most 64 characters.
pub fn field_name(name: &str) -> Option<String> {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .skip_while(|c| *c == '_' || c.is_ascii_digit())
        .collect();
    if upper.is_empty() {
        return None;
    }
    let mut named = if JOURNALD_FIELDS.contains(&upper.as_str()) {
        format!("DESKMAIL_{upper}")
    } else {
        upper
    };
    named.truncate(64);
    Some(named)
}

/// One event as journald's native protocol has it.
pub fn entry(fields: &EventFields, meta: &Metadata<'_>, priority: Priority) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    put(
        &mut buf,
        "PRIORITY",
        (priority as u8).to_string().as_bytes(),
    );
    put(&mut buf, "SYSLOG_IDENTIFIER", IDENTIFIER.as_bytes());
    put(&mut buf, "MESSAGE", fields.line().as_bytes());
    put(&mut buf, "TARGET", meta.target().as_bytes());
    if let Some(file) = meta.file() {
        put(&mut buf, "CODE_FILE", file.as_bytes());
    }
    if let Some(line) = meta.line() {
        put(&mut buf, "CODE_LINE", line.to_string().as_bytes());
    }
    for value in fields.values.iter().filter(|v| v.name != PRIORITY_FIELD) {
        if let Some(name) = field_name(value.name) {
            put(&mut buf, &name, value.text.as_bytes());
        }
    }
    buf
}

/// `NAME=value\n`, or the binary-safe form when the value holds a line break.
fn put(buf: &mut Vec<u8>, name: &str, value: &[u8]) {
    buf.extend_from_slice(name.as_bytes());
    if value.contains(&b'\n') {
        buf.push(b'\n');
        buf.extend_from_slice(&(value.len() as u64).to_le_bytes());
    } else {
        buf.push(b'=');
    }
    buf.extend_from_slice(value);
    buf.push(b'\n');
}

/// The tracing layer that sends each event to journald.
pub struct Journal {
    socket: UnixDatagram,
    path: PathBuf,
}

impl Journal {
    /// Fails when nothing listens at `path`.
    pub fn open(path: &Path) -> io::Result<Journal> {
        // sends go by path, not over a connection: a restarted journald is found again
        UnixDatagram::unbound()?.connect(path)?;
        Ok(Journal {
            socket: UnixDatagram::unbound()?,
            path: path.to_path_buf(),
        })
    }

    pub fn send(&self, entry: &[u8]) -> io::Result<()> {
        match self.socket.send_to(entry, &self.path) {
            Ok(_) => Ok(()),
            // as libsystemd does: too big for a datagram, or for the kernel's buffers now
            Err(e)
                if [rustix::io::Errno::MSGSIZE, rustix::io::Errno::NOBUFS]
                    .iter()
                    .any(|n| e.raw_os_error() == Some(n.raw_os_error())) =>
            {
                self.send_by_memfd(entry)
            }
            Err(e) => Err(e),
        }
    }

    /// The entry in a sealed memfd, its descriptor passed in an empty datagram: journald reads
    /// an fd it is sent that way, and trusts it only sealed (so it cannot change under it).
    fn send_by_memfd(&self, entry: &[u8]) -> io::Result<()> {
        use rustix::fs::{MemfdFlags, SealFlags};
        use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
        let fd = rustix::fs::memfd_create(
            "deskmail-journal",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        let mut file = std::fs::File::from(fd);
        file.write_all(entry)?;
        rustix::fs::fcntl_add_seals(
            &file,
            SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
        )?;
        let fds = [file.as_fd()];
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
            return Err(io::Error::other("no room to pass the memfd"));
        }
        let addr = rustix::net::SocketAddrUnix::new(self.path.as_path())?;
        rustix::net::sendmsg_addr(&self.socket, &addr, &[], &mut control, SendFlags::empty())?;
        Ok(())
    }
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for Journal {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let fields = EventFields::of(event);
        let meta = event.metadata();
        let priority = Priority::of(*meta.level(), fields.get(PRIORITY_FIELD));
        if self.send(&entry(&fields, meta, priority)).is_err() {
            // journald gone: stderr, with the priority as a prefix that journald's stream
            // reader understands (SyslogLevelPrefix=, on by default)
            let _ = writeln!(io::stderr(), "<{}>{}", priority as u8, fields.line());
        }
    }
}

#[cfg(test)]
mod tests;
