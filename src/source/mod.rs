//! Where inbound mail comes from. A source lists messages in arrival order, in bounded batches,
//! each with a stable key (its position at the source), and marks them once their decision is
//! committed. Maildir today; IMAP plugs in beside it as another variant.

pub mod maildir;

use crate::config::Config;
use std::collections::HashSet;

/// One message as the source holds it.
#[derive(Debug, Clone)]
pub struct SourceMessage {
    /// Stable across restarts and flag changes, e.g. `maildir:INBOX:1700000000.M1P2.host`.
    pub key: String,
    pub raw: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("Maildir {path}: {source}")]
    Maildir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl SourceError {
    /// Worth trying again later (a server away, a file busy), as opposed to a setup error.
    pub fn is_transient(&self) -> bool {
        match self {
            SourceError::Maildir { source, .. } => !matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ),
        }
    }
}

/// The configured source.
pub enum Source {
    Maildir(maildir::MaildirSource),
}

impl Source {
    pub fn from_config(config: &Config) -> Result<Source, SourceError> {
        match &config.inbound {
            crate::config::Inbound::Maildir {
                path,
                processed,
                error_folder,
                max_message_bytes,
                ..
            } => Ok(Source::Maildir(maildir::MaildirSource::open(
                path,
                processed.clone(),
                error_folder,
                *max_message_bytes,
            )?)),
        }
    }

    /// Up to `limit` messages not yet marked processed and not in `skip`, oldest first.
    pub async fn fetch(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<Vec<SourceMessage>, SourceError> {
        match self {
            Source::Maildir(m) => m.fetch(limit, skip),
        }
    }

    /// The decision on `key` is committed: mark it at the source.
    pub async fn mark_processed(&mut self, key: &str) -> Result<(), SourceError> {
        match self {
            Source::Maildir(m) => m.mark_processed(key),
        }
    }

    /// The message could not be processed: set it aside in the error folder.
    pub async fn mark_failed(&mut self, key: &str) -> Result<(), SourceError> {
        match self {
            Source::Maildir(m) => m.mark_failed(key),
        }
    }
}
