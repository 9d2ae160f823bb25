//! An IMAP mailbox as source. New mail is found by UID above a cursor (UIDVALIDITY and the last
//! UID processed, kept in SQLite by the daemon), fetched in bounded batches with a size cap,
//! and marked after its decision is committed: `\Seen` plus the `$Deskmail` keyword, or moved
//! (MOVE, or COPY + EXPUNGE where the server lacks it). A lost connection is re-opened with capped
//! backoff; IDLE tells us about new mail where the server offers it.
//!
//! This module holds the source and its connection (open, select, reconnect, wait, log out);
//! `error` says what went wrong, `fetch` finds and reads new mail, `mark` marks it once decided;
//! `connect` and `idle` speak the protocol's opening and waiting.

mod connect;
mod error;
mod fetch;
mod idle;
mod mark;

pub use connect::ImapStep;
pub use error::ImapError;

use super::Cursor;
use crate::backoff::Backoff;
use crate::classify::arrival::MailboxStart;
use crate::config::{Imap, Processed};
use crate::error_chain::Chain;
use connect::ImapSession;
use std::collections::HashSet;
use std::time::Duration;

/// The keyword on mail we processed (with `processed = "seen"`).
pub const KEYWORD: &str = "$Deskmail";

/// Longest wait for one IMAP command before the connection counts as lost.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// An open, selected mailbox.
struct Open {
    session: ImapSession,
    uidvalidity: u32,
    /// UIDNEXT at SELECT: the first start records it.
    uidnext: Option<u32>,
    can_idle: bool,
    can_move: bool,
    can_uidplus: bool,
}

pub struct ImapSource {
    cfg: Imap,
    processed: Processed,
    error_folder: String,
    max_bytes: usize,
    poll: Duration,
    open: Option<Open>,
    cursor: Option<Cursor>,
    backoff: Backoff,
    last_error: String,
    /// Folders known to exist (created on first use).
    folders: HashSet<String>,
}

/// `imap:INBOX:1700000000:42` → (uidvalidity, uid).
fn parse_key(key: &str) -> Option<(u32, u32)> {
    let mut parts = key.rsplitn(3, ':');
    let uid = parts.next()?.parse().ok()?;
    let validity = parts.next()?.parse().ok()?;
    Some((validity, uid))
}

impl ImapSource {
    pub fn new(
        cfg: &Imap,
        processed: Processed,
        error_folder: &str,
        max_bytes: usize,
        poll_seconds: u64,
    ) -> ImapSource {
        ImapSource {
            cfg: cfg.clone(),
            processed,
            error_folder: error_folder.to_string(),
            max_bytes,
            poll: Duration::from_secs(poll_seconds),
            open: None,
            cursor: None,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
            last_error: String::new(),
            folders: HashSet::new(),
        }
    }

    pub fn mailbox(&self) -> &str {
        &self.cfg.mailbox
    }

    pub fn describe(&self) -> String {
        format!(
            "IMAP {}@{}:{} {}",
            self.cfg.username, self.cfg.host, self.cfg.port, self.cfg.mailbox
        )
    }

    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor.clone()
    }

    pub fn restore(&mut self, cursor: Cursor) {
        self.cursor = Some(cursor);
    }

    pub fn is_connected(&self) -> bool {
        self.open.is_some()
    }

    fn command_error(&self, what: &'static str, source: async_imap::error::Error) -> ImapError {
        ImapError::Command {
            host: self.cfg.host.clone(),
            mailbox: self.cfg.mailbox.clone(),
            what,
            source: source.into(),
        }
    }

    /// Remember a failure: drop the connection and wait before the next try.
    fn lost(&mut self, e: &ImapError) {
        self.open = None;
        self.last_error = Chain(e).to_string();
        let wait = self.backoff.fail();
        tracing::warn!(source = %self.describe(), error = %self.last_error, retry_in_s = wait.as_secs_f32(), "IMAP connection lost or refused; reconnecting later");
    }

    async fn ensure_open(&mut self) -> Result<&mut Open, ImapError> {
        if self.open.is_none() {
            let remaining = self.backoff.remaining();
            if !remaining.is_zero() {
                return Err(ImapError::Waiting {
                    host: self.cfg.host.clone(),
                    port: self.cfg.port,
                    seconds: remaining.as_secs().max(1),
                    failures: self.backoff.failures(),
                    last: self.last_error.clone(),
                });
            }
            match self.connect_and_select().await {
                Ok(open) => {
                    if self.backoff.failures() > 0 {
                        tracing::info!(source = %self.describe(), "IMAP connection back");
                    }
                    self.backoff.succeed();
                    self.open = Some(open);
                }
                Err(e) => {
                    self.lost(&e);
                    return Err(e);
                }
            }
        }
        self.open.as_mut().ok_or_else(|| ImapError::Closed {
            host: String::new(),
            port: 0,
        })
    }

    async fn connect_and_select(&mut self) -> Result<Open, ImapError> {
        let mut session = connect::connect(&self.cfg).await?;
        let caps = timed(session.capabilities())
            .await
            .map_err(|e| self.command_error("CAPABILITY", e))?;
        let mailbox = timed(session.select(&self.cfg.mailbox))
            .await
            .map_err(|e| self.command_error("SELECT", e))?;
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        tracing::info!(source = %self.describe(), uidvalidity, exists = mailbox.exists, "IMAP mailbox selected");
        Ok(Open {
            session,
            uidvalidity,
            uidnext: mailbox.uid_next,
            can_idle: caps.has_str("IDLE"),
            can_move: caps.has_str("MOVE"),
            can_uidplus: caps.has_str("UIDPLUS"),
        })
    }

    /// UIDVALIDITY and UIDNEXT of the selected mailbox, as the last SELECT reported them.
    pub fn start_position(&self) -> Option<MailboxStart> {
        let open = self.open.as_ref()?;
        Some(MailboxStart {
            mailbox: self.cfg.mailbox.clone(),
            uidvalidity: open.uidvalidity,
            uidnext: open.uidnext?,
        })
    }

    /// Wait up to `max` for new mail: IDLE where offered, else the poll interval; returns early
    /// on shutdown. When disconnected, waits out the reconnect backoff (bounded by `max`).
    pub async fn wait(&mut self, max: Duration, shutdown: &mut crate::shutdown::Shutdown) {
        if self.open.is_none() {
            let d = self
                .backoff
                .remaining()
                .max(Duration::from_millis(200))
                .min(max);
            shutdown.sleep(d).await;
            return;
        }
        let use_idle = self.cfg.idle && self.open.as_ref().is_some_and(|o| o.can_idle);
        if !use_idle {
            shutdown.sleep(self.poll.min(max)).await;
            return;
        }
        let Some(open) = self.open.take() else {
            return;
        };
        match idle::idle(open.session, max, shutdown).await {
            Ok(session) => self.open = Some(Open { session, ..open }),
            Err(e) => {
                let e = self.command_error("IDLE", e);
                self.lost(&e);
            }
        }
    }

    /// Say goodbye to the server (on shutdown).
    pub async fn logout(&mut self) {
        if let Some(mut open) = self.open.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), open.session.logout()).await;
        }
    }
}

/// `check-config --connect`: log in and select the mailbox as the source does, telling `done`
/// each step that succeeded; then log out. Nothing in the mailbox is changed (SELECT only).
pub async fn try_login(cfg: &Imap, done: &mut dyn FnMut(ImapStep)) -> Result<(), ImapError> {
    let mut session = connect::connect_reporting(cfg, done).await?;
    timed(session.select(&cfg.mailbox))
        .await
        .map_err(|source| ImapError::Command {
            host: cfg.host.clone(),
            mailbox: cfg.mailbox.clone(),
            what: "SELECT",
            source: source.into(),
        })?;
    done(ImapStep::Select);
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(())
}

/// An IMAP command with the standard timeout.
async fn timed<T>(
    fut: impl std::future::Future<Output = Result<T, async_imap::error::Error>>,
) -> Result<T, async_imap::error::Error> {
    tokio::time::timeout(COMMAND_TIMEOUT, fut)
        .await
        .unwrap_or(Err(async_imap::error::Error::ConnectionLost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_validity_and_uid() {
        assert_eq!(
            parse_key("imap:INBOX:1700000000:42"),
            Some((1_700_000_000, 42))
        );
        assert_eq!(parse_key("imap:Some:Folder:7:9"), Some((7, 9)));
        assert_eq!(parse_key("maildir:abc"), None);
    }
}
