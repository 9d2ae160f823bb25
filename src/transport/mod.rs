//! Where outgoing mail goes. A transport takes one finished message with its envelope and says
//! whether it was accepted; a failure says if it is worth retrying, so the retry decision is
//! made in one place (the outbox worker). Two kinds: SMTP submission and a Maildir folder; a
//! third, in memory, is for tests and built only from code.

pub mod maildir;
pub mod memory;
pub mod smtp;

use crate::config::{Config, Outbound};

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot write to outbound Maildir {path}")]
    Maildir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("SMTP server {host}:{port}: {what}")]
    Smtp {
        host: String,
        port: u16,
        /// What failed, in our words.
        what: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        transient: bool,
    },
    #[error("in-memory transport: told to refuse this send ({})", if *transient { "temporarily" } else { "for good" })]
    Memory { transient: bool },
}

impl SendError {
    /// Retry later (a full disk, a server away, a 4xx) rather than give up on the mail (a 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            SendError::Maildir { .. } => true,
            SendError::Smtp { transient, .. } | SendError::Memory { transient } => *transient,
        }
    }
}

/// One finished message and its envelope, as the outbox hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Names the Maildir file, so a re-send replaces it.
    pub message_id: &'a str,
    pub recipients: &'a [String],
    pub raw: &'a [u8],
}

pub enum Transport {
    Maildir(maildir::MaildirTransport),
    Smtp(Box<smtp::SmtpTransport>),
    Memory(memory::MemoryTransport),
}

impl Transport {
    pub fn from_config(config: &Config) -> Transport {
        match &config.outbound {
            Outbound::Maildir { path } => Transport::Maildir(maildir::MaildirTransport::new(path)),
            Outbound::Smtp(cfg) => Transport::Smtp(Box::new(smtp::SmtpTransport::new(
                cfg,
                &config.desk.address,
            ))),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Maildir(m) => m.describe(),
            Transport::Smtp(s) => s.describe(),
            Transport::Memory(m) => m.describe(),
        }
    }

    /// How many messages to hand over together: a Maildir batch is made durable at once;
    /// over SMTP one at a time, so each is recorded sent as soon as the server took it (a
    /// crash then costs at most one copy twice).
    pub fn batch_size(&self) -> usize {
        match self {
            Transport::Maildir(_) => 100,
            Transport::Smtp(_) | Transport::Memory(_) => 1,
        }
    }

    /// Hand messages over; one answer per message, in order.
    pub async fn send_all(&mut self, mails: &[Outgoing<'_>]) -> Vec<Result<(), SendError>> {
        match self {
            Transport::Maildir(m) => m.send_all(mails),
            Transport::Smtp(s) => {
                let mut answers = Vec::with_capacity(mails.len());
                for mail in mails {
                    answers.push(s.send(mail.recipients, mail.raw).await);
                }
                answers
            }
            Transport::Memory(m) => mails
                .iter()
                .map(|mail| m.send(mail.message_id, mail.recipients, mail.raw))
                .collect(),
        }
    }

    /// Close connections (on shutdown or reload).
    pub async fn close(&mut self) {
        if let Transport::Smtp(s) = self {
            s.close().await;
        }
    }
}
