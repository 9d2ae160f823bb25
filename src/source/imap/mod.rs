//! An IMAP mailbox as source. New mail is found by UID above a cursor (UIDVALIDITY and the last
//! UID processed, kept in SQLite by the daemon), fetched in bounded batches with a size cap,
//! and marked after its decision is committed: `\Seen` plus the `$Deskmail` keyword, or moved
//! (MOVE, or COPY + EXPUNGE where the server lacks it). A lost connection is re-opened with capped
//! backoff; IDLE tells us about new mail where the server offers it.

mod connect;
mod idle;

use super::{Cursor, SourceMessage};
use crate::backoff::Backoff;
use crate::classify::arrival::{Arrival, MailboxStart, UidPosition};
use crate::config::{Imap, Processed};
use connect::ImapSession;
use futures::TryStreamExt;
use std::collections::HashSet;
use std::time::Duration;

/// The keyword on mail we processed (with `processed = "seen"`).
pub const KEYWORD: &str = "$Deskmail";

/// Longest wait for one IMAP command before the connection counts as lost.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("IMAP server {host}:{port}: {source}")]
    Io {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("IMAP server {host}:{port}: {what} timed out")]
    Timeout {
        host: String,
        port: u16,
        what: &'static str,
    },
    #[error("IMAP server {host}:{port} closed the connection")]
    Closed { host: String, port: u16 },
    #[error("IMAP server {host}:{port}: TLS failed: {message}")]
    Tls {
        host: String,
        port: u16,
        message: String,
    },
    #[error(
        "IMAP server {host} refused login for {user}: {message} (check inbound.username and the password)"
    )]
    Login {
        host: String,
        user: String,
        message: String,
    },
    #[error("IMAP password: {0}")]
    Secret(crate::secret::SecretError),
    #[error("IMAP server {host}, mailbox {mailbox}: {what}: {message}")]
    Command {
        host: String,
        mailbox: String,
        what: &'static str,
        message: String,
    },
    #[error(
        "waiting {seconds} s before reconnecting to IMAP server {host}:{port} (failure {failures}: {last})"
    )]
    Waiting {
        host: String,
        port: u16,
        seconds: u64,
        failures: u32,
        last: String,
    },
}

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

    fn command_error(&self, what: &'static str, e: impl std::fmt::Display) -> ImapError {
        ImapError::Command {
            host: self.cfg.host.clone(),
            mailbox: self.cfg.mailbox.clone(),
            what,
            message: e.to_string(),
        }
    }

    /// Remember a failure: drop the connection and wait before the next try.
    fn lost(&mut self, e: &ImapError) {
        self.open = None;
        self.last_error = e.to_string();
        let wait = self.backoff.fail();
        tracing::warn!(source = %self.describe(), error = %e, retry_in_s = wait.as_secs_f32(), "IMAP connection lost or refused; reconnecting later");
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

    /// Up to `limit` messages above the cursor, oldest first.
    pub async fn fetch(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<SourceMessage>, ImapError> {
        let result = self.fetch_inner(limit, skip).await;
        if let Err(e) = &result
            && !matches!(e, ImapError::Waiting { .. })
            && self.open.is_some()
        {
            self.lost(e);
        }
        result
    }

    async fn fetch_inner(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<SourceMessage>, ImapError> {
        let mailbox = self.cfg.mailbox.clone();
        let host = self.cfg.host.clone();
        let max_bytes = self.max_bytes;
        let keyword_filter = self.processed == Processed::Seen;
        let cursor = self.cursor.clone();
        let open = self.ensure_open().await?;
        let uidvalidity = open.uidvalidity;
        // a new UIDVALIDITY makes the old UIDs meaningless: start over; Message-ID dedupe keeps
        // old mail from being answered again
        let last = match &cursor {
            Some(c) if c.uidvalidity == uidvalidity => c.last_uid,
            Some(c) => {
                tracing::warn!(
                    mailbox,
                    old = c.uidvalidity,
                    new = uidvalidity,
                    "UIDVALIDITY changed; rescanning the mailbox (duplicates are recognised by Message-ID)"
                );
                0
            }
            None => 0,
        };
        let query = if keyword_filter {
            format!("UID {}:* NOT KEYWORD {KEYWORD}", last.saturating_add(1))
        } else {
            format!("UID {}:*", last.saturating_add(1))
        };
        let found = timed(open.session.uid_search(&query)).await;
        let found = found.map_err(|e| ImapError::Command {
            host: host.clone(),
            mailbox: mailbox.clone(),
            what: "UID SEARCH",
            message: e.to_string(),
        })?;
        let key = |uid: u32| format!("imap:{mailbox}:{uidvalidity}:{uid}");
        // "n:*" always includes the highest UID, even when it is below n
        let mut uids: Vec<u32> = found
            .into_iter()
            .filter(|u| *u > last && !skip.contains(&key(*u)))
            .collect();
        uids.sort_unstable();
        uids.truncate(limit);
        if cursor.as_ref().is_none_or(|c| c.uidvalidity != uidvalidity) {
            self.cursor = Some(Cursor {
                mailbox: mailbox.clone(),
                uidvalidity,
                last_uid: last,
            });
        }
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // one byte over the limit is enough to know a message is too large
        let query = format!(
            "(UID INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.{}>)",
            max_bytes + 1
        );
        let Some(open) = self.open.as_mut() else {
            return Ok(Vec::new());
        };
        let fetched: Vec<_> = tokio::time::timeout(COMMAND_TIMEOUT, async {
            open.session
                .uid_fetch(&set, &query)
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await
        .map_err(|_| ImapError::Timeout {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
            what: "UID FETCH",
        })?
        .map_err(|e| self.command_error("UID FETCH", e))?;
        let mut out: Vec<SourceMessage> = fetched
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                let raw = f.body().map(<[u8]>::to_vec).unwrap_or_default();
                Some(SourceMessage {
                    key: key(uid),
                    // the server's RFC822.SIZE; what was read when it gave none
                    size: f
                        .size
                        .map_or(raw.len(), |s| usize::try_from(s).unwrap_or(usize::MAX)),
                    raw,
                    arrival: Arrival {
                        time: f.internal_date().map(|t| t.with_timezone(&chrono::Utc)),
                        uid: Some(UidPosition {
                            mailbox: mailbox.clone(),
                            uidvalidity,
                            uid,
                        }),
                    },
                })
            })
            .collect();
        out.sort_by_key(|m| parse_key(&m.key).map(|(_, u)| u));
        Ok(out)
    }

    fn advance(&mut self, key: &str) {
        if let (Some((validity, uid)), Some(c)) = (parse_key(key), self.cursor.as_mut())
            && c.uidvalidity == validity
            && uid > c.last_uid
        {
            c.last_uid = uid;
        }
    }

    /// Mail that stays as it is (from before deskmail's time): only the cursor moves past it,
    /// so it is not fetched again.
    pub fn pass_over(&mut self, key: &str) {
        self.advance(key);
    }

    /// The decision on `key` is committed: mark it and move the cursor past it.
    pub async fn mark_processed(&mut self, key: &str) -> Result<(), ImapError> {
        let result = match self.processed.clone() {
            Processed::Keep => Ok(()),
            Processed::Seen => {
                self.store_flags(key, &format!("+FLAGS.SILENT (\\Seen {KEYWORD})"))
                    .await
            }
            Processed::Move(folder) => self.move_to(key, &folder).await,
        };
        // an unmarked message is fetched again after reconnecting, found done, and marked then
        if result.is_ok() {
            self.advance(key);
        }
        result
    }

    /// The message could not be processed: move it to the error folder (unless `keep`).
    pub async fn mark_failed(&mut self, key: &str) -> Result<(), ImapError> {
        let result = match self.processed {
            Processed::Keep => Ok(()),
            _ => {
                let folder = self.error_folder.clone();
                self.move_to(key, &folder).await
            }
        };
        if result.is_ok() {
            self.advance(key);
        }
        result
    }

    fn uid_of(&self, key: &str) -> Option<u32> {
        let (validity, uid) = parse_key(key)?;
        (self.open.as_ref()?.uidvalidity == validity).then_some(uid)
    }

    async fn store_flags(&mut self, key: &str, flags: &str) -> Result<(), ImapError> {
        let Some(uid) = self.uid_of(key) else {
            return Ok(()); // the mailbox changed under us; the next pass rescans
        };
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let r = tokio::time::timeout(COMMAND_TIMEOUT, async {
            open.session
                .uid_store(uid.to_string(), flags)
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await;
        match r {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.command_error("UID STORE", e)),
            Err(_) => Err(self.command_error("UID STORE", "timed out")),
        }
        .inspect_err(|e| self.lost(e))
    }

    async fn ensure_folder(&mut self, folder: &str) -> Result<(), ImapError> {
        if self.folders.contains(folder) {
            return Ok(());
        }
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        // CREATE fails when the folder exists; that is fine, a real problem shows at MOVE
        let _ = timed(open.session.create(folder)).await;
        self.folders.insert(folder.to_string());
        Ok(())
    }

    async fn move_to(&mut self, key: &str, folder: &str) -> Result<(), ImapError> {
        let Some(uid) = self.uid_of(key) else {
            return Ok(());
        };
        self.ensure_folder(folder).await?;
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let uid = uid.to_string();
        let r: Result<(), async_imap::error::Error> =
            tokio::time::timeout(COMMAND_TIMEOUT, async {
                if open.can_move {
                    open.session.uid_mv(&uid, folder).await
                } else {
                    open.session.uid_copy(&uid, folder).await?;
                    open.session
                        .uid_store(&uid, "+FLAGS.SILENT (\\Deleted)")
                        .await?
                        .try_collect::<Vec<_>>()
                        .await?;
                    if open.can_uidplus {
                        open.session
                            .uid_expunge(&uid)
                            .await?
                            .try_collect::<Vec<_>>()
                            .await?;
                    } else {
                        open.session
                            .expunge()
                            .await?
                            .try_collect::<Vec<_>>()
                            .await?;
                    }
                    Ok(())
                }
            })
            .await
            .unwrap_or(Err(async_imap::error::Error::ConnectionLost));
        r.map_err(|e| self.command_error("MOVE", e))
            .inspect_err(|e| self.lost(e))
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
