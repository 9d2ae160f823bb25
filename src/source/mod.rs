//! Where inbound mail comes from. A source lists messages in arrival order, in bounded batches,
//! each with a stable key (its position at the source), and marks them once their decision is
//! committed. Two kinds: a Maildir folder and an IMAP mailbox; a third, in memory, is for tests
//! and built only from code.

pub mod imap;
pub mod maildir;
pub mod memory;

use crate::classify::arrival::{Arrival, MailboxStart};
use crate::config::{Config, InboundKind};
use crate::shutdown::Shutdown;
use std::collections::HashSet;
use std::time::Duration;

/// One message as the source holds it.
#[derive(Debug, Clone)]
pub struct SourceMessage {
    /// Stable across restarts and flag changes: `maildir:<unique name>` or
    /// `imap:<mailbox>:<uidvalidity>:<uid>`.
    pub key: String,
    /// The message, at most `inbound.max_message_bytes` + 1 of it.
    pub raw: Vec<u8>,
    /// Its whole size at the source (more than `raw` holds when it is too large).
    pub size: usize,
    /// When (and for IMAP, at which UID) it arrived: old mail is not answered.
    pub arrival: Arrival,
}

/// Asked with a chunk of keys before their messages are read: which of them need not be read
/// (decided before and left at the source). The daemon answers it from the store.
pub type Settled<'a> = dyn FnMut(&[String]) -> Result<HashSet<String>, SettledError> + 'a;

/// Whoever answers [`Settled`] could not say; its error is the source. The source does not know
/// the store: the daemon puts the store's error in and takes it out again.
#[derive(Debug, thiserror::Error)]
#[error("looking up mail already processed")]
pub struct SettledError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// What becomes of a mail at its source once its decision is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtSource {
    /// Marked processed (flagged, moved) as `inbound.processed` says.
    Mark,
    /// Unreadable: moved to the error folder.
    SetAside,
    /// Left as the desk left it: mail from before deskmail's time, only recorded (IMAP: the
    /// cursor moves past it; a Maildir asks the store before reading it again).
    Untouched,
}

/// How far an IMAP mailbox has been processed; the store keeps it across restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub last_uid: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("Maildir {path}")]
    Maildir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(
        "inbound.path {path} does not exist: point inbound.path at the desk's Maildir, or create \
         it (mkdir -p {path}/cur {path}/new {path}/tmp, owned by the deskmail user)"
    )]
    MissingMaildir { path: std::path::PathBuf },
    #[error(transparent)]
    Imap(#[from] imap::ImapError),
    /// The store could not say which mail it knows; the daemon treats it as a store error.
    #[error(transparent)]
    Settled(#[from] SettledError),
}

impl SourceError {
    /// Worth trying again later (a server away, a file busy), as opposed to a setup error.
    pub fn is_transient(&self) -> bool {
        match self {
            SourceError::Maildir { source, .. } => !matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ),
            SourceError::MissingMaildir { .. } | SourceError::Settled(_) => false,
            // the IMAP source reconnects by itself, with backoff
            SourceError::Imap(_) => true,
        }
    }
}

/// The configured source.
pub enum Source {
    Maildir(Box<maildir::MaildirSource>),
    Imap(Box<imap::ImapSource>),
    Memory(memory::MemorySource),
}

impl Source {
    pub fn from_config(config: &Config) -> Result<Source, SourceError> {
        let inbound = &config.inbound;
        match &inbound.kind {
            InboundKind::Maildir { path } => {
                Ok(Source::Maildir(Box::new(maildir::MaildirSource::open(
                    path,
                    inbound.processed.clone(),
                    &inbound.error_folder,
                    inbound.max_message_bytes,
                    inbound.poll_seconds,
                )?)))
            }
            InboundKind::Imap(cfg) => Ok(Source::Imap(Box::new(imap::ImapSource::new(
                cfg,
                inbound.processed.clone(),
                &inbound.error_folder,
                inbound.max_message_bytes,
                inbound.poll_seconds,
            )))),
        }
    }

    /// For log lines: which source this is.
    pub fn describe(&self) -> String {
        match self {
            Source::Maildir(m) => m.describe(),
            Source::Imap(m) => m.describe(),
            Source::Memory(m) => m.describe(),
        }
    }

    /// Up to `limit` messages not yet marked processed and not in `skip`, oldest first.
    /// `settled` names those not to read at all (a Maildir lists its folder first; IMAP
    /// already goes by UID, past the last one processed).
    pub async fn fetch(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
        settled: &mut Settled<'_>,
    ) -> Result<Vec<SourceMessage>, SourceError> {
        match self {
            Source::Maildir(m) => m.fetch(limit, skip, settled),
            Source::Imap(m) => Ok(m.fetch(limit, skip).await?),
            Source::Memory(m) => m.fetch(limit, skip, settled),
        }
    }

    /// The decisions on these mails are committed: do with each what its `AtSource` says, in
    /// as few commands as the source allows (IMAP: one UID STORE or UID MOVE per kind over the
    /// group's UIDs). Returns the mails it could not mark, with why; each is found done and
    /// marked when it shows up again.
    pub async fn mark(&mut self, marks: &[(String, AtSource)]) -> Vec<(Vec<String>, SourceError)> {
        match self {
            Source::Imap(m) => m
                .mark_all(marks)
                .await
                .into_iter()
                .map(|(keys, e)| (keys, e.into()))
                .collect(),
            Source::Maildir(m) => marks
                .iter()
                .filter_map(|(key, at)| {
                    let marked = match at {
                        AtSource::Mark => m.mark_processed(key),
                        AtSource::SetAside => m.mark_failed(key),
                        // a Maildir asks the store before reading it again
                        AtSource::Untouched => Ok(()),
                    };
                    marked.err().map(|e| (vec![key.clone()], e))
                })
                .collect(),
            Source::Memory(m) => {
                for (key, at) in marks {
                    match at {
                        AtSource::Mark => m.mark_processed(key),
                        AtSource::SetAside => m.mark_failed(key),
                        AtSource::Untouched => m.pass_over(key),
                    }
                }
                Vec::new()
            }
        }
    }

    /// Wait up to `max` for new mail (IMAP IDLE, else the poll interval), or until shutdown.
    pub async fn wait(&mut self, max: Duration, shutdown: &mut Shutdown) {
        match self {
            Source::Maildir(m) => shutdown.sleep(m.poll().min(max)).await,
            Source::Imap(m) => m.wait(max, shutdown).await,
            Source::Memory(m) => m.wait(max, shutdown).await,
        }
    }

    /// The position to persist (IMAP only).
    pub fn cursor(&self) -> Option<Cursor> {
        match self {
            Source::Maildir(_) | Source::Memory(_) => None,
            Source::Imap(m) => m.cursor(),
        }
    }

    /// The IMAP mailbox's UIDVALIDITY and UIDNEXT when it was last selected: at the first
    /// start, every UID below it was already there.
    pub fn start_position(&self) -> Option<MailboxStart> {
        match self {
            Source::Maildir(_) | Source::Memory(_) => None,
            Source::Imap(m) => m.start_position(),
        }
    }

    /// The IMAP mailbox whose cursor the store keeps.
    pub fn cursor_name(&self) -> Option<&str> {
        match self {
            Source::Maildir(_) | Source::Memory(_) => None,
            Source::Imap(m) => Some(m.mailbox()),
        }
    }

    pub fn restore(&mut self, cursor: Cursor) {
        if let Source::Imap(m) = self {
            m.restore(cursor);
        }
    }

    /// Close politely (IMAP LOGOUT).
    pub async fn close(&mut self) {
        if let Source::Imap(m) = self {
            m.logout().await;
        }
    }
}
