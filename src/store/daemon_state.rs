//! What the running deskmail says about itself, for `deskmail status` to read without talking
//! to it: who runs (pid, how, since when, the last heartbeat, a clean stop), how the mailbox
//! answers (the last good fetch; else the error, of which kind, and since when) and when the
//! agents were told it is away. One row, written only by the holder of the instance lock.

use super::{Result, StoreError, parse_time, time_text};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// How deskmail was started: a daemon that should keep running, or one pass (`run --once`,
/// e.g. from a timer) that is expected to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Daemon,
    Once,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Daemon => "daemon",
            Mode::Once => "once",
        }
    }
}

/// Why the mailbox does not answer: the server refuses the login (a changed password: it will
/// not mend itself), or it cannot be reached or read (it may come back by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Away {
    LoginRefused,
    Unreachable,
}

impl Away {
    fn as_str(self) -> &'static str {
        match self {
            Away::LoginRefused => "login_refused",
            Away::Unreachable => "unreachable",
        }
    }
}

/// The row as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonState {
    pub pid: Option<u32>,
    pub mode: Option<Mode>,
    pub started: Option<DateTime<Utc>>,
    pub heartbeat: Option<DateTime<Utc>>,
    /// Set by a clean stop, cleared by the next start.
    pub stopped: Option<DateTime<Utc>>,
    /// The source as the log names it (`IMAP user@host:993 INBOX`, `Maildir /path`).
    pub source: Option<String>,
    pub last_fetch: Option<DateTime<Utc>>,
    pub connected: bool,
    pub fetch_error: Option<String>,
    pub error_kind: Option<Away>,
    /// The first failure since the last good fetch.
    pub error_since: Option<DateTime<Utc>>,
    /// When the agents were told the mailbox is away (cleared when they are told it is back).
    pub down_told: Option<DateTime<Utc>>,
}

pub fn read(c: &Connection) -> Result<DaemonState> {
    let row = c.query_row(
        "SELECT pid, mode, started, heartbeat, stopped, source, last_fetch, connected, \
         fetch_error, error_kind, error_since, down_told FROM daemon_state WHERE id = 1",
        [],
        |r| {
            Ok((
                r.get::<_, Option<u32>>(0)?,
                r.get::<_, Option<String>>(1)?,
                [r.get(2)?, r.get(3)?, r.get(4)?],
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                [r.get::<_, Option<String>>(10)?, r.get(11)?],
            ))
        },
    )?;
    let (
        pid,
        mode,
        [started, heartbeat, stopped],
        source,
        last_fetch,
        connected,
        error,
        kind,
        [since, told],
    ) = row;
    let time = |t: Option<String>| t.map(|t| parse_time(&t)).transpose();
    let mode = match mode.as_deref() {
        None => None,
        Some("daemon") => Some(Mode::Daemon),
        Some("once") => Some(Mode::Once),
        Some(other) => {
            return Err(StoreError::unreadable(
                "daemon_state.mode",
                other.to_string(),
            ));
        }
    };
    let error_kind = match kind.as_deref() {
        None => None,
        Some("login_refused") => Some(Away::LoginRefused),
        Some("unreachable") => Some(Away::Unreachable),
        Some(other) => {
            return Err(StoreError::unreadable(
                "daemon_state.error_kind",
                other.to_string(),
            ));
        }
    };
    Ok(DaemonState {
        pid,
        mode,
        started: time(started)?,
        heartbeat: time(heartbeat)?,
        stopped: time(stopped)?,
        source,
        last_fetch: time(last_fetch)?,
        connected,
        fetch_error: error,
        error_kind,
        error_since: time(since)?,
        down_told: time(told)?,
    })
}

/// A run began: who and how. What is known about the mailbox stays (it may still be away).
pub fn started(
    c: &Connection,
    pid: u32,
    mode: Mode,
    source: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET pid = ?1, mode = ?2, source = ?3, started = ?4, heartbeat = ?4, \
         stopped = NULL, connected = 0 WHERE id = 1",
        params![pid, mode.as_str(), source, time_text(now)],
    )?;
    Ok(())
}

/// Still alive, at the start of each pass.
pub fn heartbeat(c: &Connection, now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET heartbeat = ?1 WHERE id = 1",
        [time_text(now)],
    )?;
    Ok(())
}

/// The source answered.
pub fn fetched(c: &Connection, now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET last_fetch = ?1, heartbeat = ?1, connected = 1, \
         fetch_error = NULL, error_kind = NULL, error_since = NULL WHERE id = 1",
        [time_text(now)],
    )?;
    Ok(())
}

/// The source did not answer. `error` is `None` while a reconnect backoff runs: the error
/// that started it is kept. The outage counts from its first failure.
pub fn fetch_failed(c: &Connection, now: DateTime<Utc>, error: Option<(&str, Away)>) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET heartbeat = ?1, connected = 0, \
         fetch_error = COALESCE(?2, fetch_error), error_kind = COALESCE(?3, error_kind), \
         error_since = COALESCE(error_since, ?1) WHERE id = 1",
        params![
            time_text(now),
            error.map(|(text, _)| text),
            error.map(|(_, kind)| kind.as_str())
        ],
    )?;
    Ok(())
}

/// The agents were told the mailbox is away (`Some`), or that it is back (`None`).
pub fn set_down_told(c: &Connection, at: Option<DateTime<Utc>>) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET down_told = ?1 WHERE id = 1",
        [at.map(time_text)],
    )?;
    Ok(())
}

/// A clean stop.
pub fn stopped(c: &Connection, now: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE daemon_state SET stopped = ?1, connected = 0 WHERE id = 1",
        [time_text(now)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_counts_from_its_first_failure_and_ends_at_the_next_fetch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::store::Store::open(&dir.path().join("db.sqlite")).expect("open");
        let c = store.conn();
        assert_eq!(read(c).expect("read"), DaemonState::default());
        let t0 = Utc::now();
        let t = |m| t0 + chrono::Duration::minutes(m);
        started(c, 42, Mode::Daemon, "IMAP desk@mail:993 INBOX", t0).expect("start");
        fetched(c, t(1)).expect("fetch");
        fetch_failed(c, t(2), Some(("refused login", Away::LoginRefused))).expect("fail");
        // a backoff wait keeps the error that started it
        fetch_failed(c, t(3), None).expect("wait");
        let s = read(c).expect("read");
        assert_eq!(s.pid, Some(42));
        assert_eq!(s.mode, Some(Mode::Daemon));
        assert_eq!(s.last_fetch.map(time_text), Some(time_text(t(1))));
        assert_eq!(s.error_since.map(time_text), Some(time_text(t(2))));
        assert_eq!(s.heartbeat.map(time_text), Some(time_text(t(3))));
        assert_eq!(s.fetch_error.as_deref(), Some("refused login"));
        assert_eq!(s.error_kind, Some(Away::LoginRefused));
        assert!(!s.connected);
        fetched(c, t(4)).expect("back");
        stopped(c, t(5)).expect("stop");
        let s = read(c).expect("read");
        assert_eq!(
            (s.fetch_error, s.error_kind, s.error_since),
            (None, None, None)
        );
        assert_eq!(s.stopped.map(time_text), Some(time_text(t(5))));
        assert!(!s.connected, "a stopped deskmail holds no connection");
    }
}
