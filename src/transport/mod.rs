//! Where outgoing mail goes. A transport takes one finished message with its envelope and says
//! whether it was accepted; a failure says if it is worth retrying. Maildir today (the demo and
//! tests); SMTP plugs in beside it as another variant.

pub mod maildir;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot write to outbound Maildir {path}: {source}")]
    Maildir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl SendError {
    /// Retry later (a full disk, a server away) rather than give up on the mail.
    pub fn is_transient(&self) -> bool {
        match self {
            SendError::Maildir { .. } => true,
        }
    }
}

pub enum Transport {
    Maildir(maildir::MaildirTransport),
}

impl Transport {
    pub fn from_config(config: &Config) -> Transport {
        match &config.outbound {
            crate::config::Outbound::Maildir { path } => {
                Transport::Maildir(maildir::MaildirTransport::new(path))
            }
        }
    }

    /// Hand one message over. `message_id` names the file, so a re-send replaces, not duplicates.
    pub async fn send(
        &mut self,
        message_id: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), SendError> {
        match self {
            Transport::Maildir(m) => m.send(message_id, recipients, raw),
        }
    }
}
