//! Outgoing mail as files in a Maildir's `new/` (written to `tmp/` first, then renamed, as the
//! Maildir rules ask). The file name comes from the Message-ID, so sending the same row twice
//! after a crash leaves one file.

use super::SendError;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct MaildirTransport {
    root: PathBuf,
    /// `tmp/`, `new/` and `cur/` were made (or found) by an earlier send: not asked again per
    /// mail. A failed send asks again (the folder may have been removed meanwhile).
    prepared: bool,
}

impl MaildirTransport {
    pub fn new(root: &Path) -> Self {
        MaildirTransport {
            root: root.to_path_buf(),
            prepared: false,
        }
    }

    pub fn describe(&self) -> String {
        format!("Maildir {}", self.root.display())
    }

    pub fn send(
        &mut self,
        message_id: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), SendError> {
        let sent = self.write(message_id, recipients, raw);
        self.prepared = sent.is_ok();
        sent
    }

    fn write(&self, message_id: &str, _recipients: &[String], raw: &[u8]) -> Result<(), SendError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SendError::Maildir { path, source }
        };
        if !self.prepared {
            for sub in ["tmp", "new", "cur"] {
                let d = self.root.join(sub);
                fs::create_dir_all(&d).map_err(err(&d))?;
            }
        }
        let name: String = message_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let tmp = self.root.join("tmp").join(&name);
        let new = self.root.join("new").join(format!("{name}.eml"));
        let mut f = fs::File::create(&tmp).map_err(err(&tmp))?;
        f.write_all(raw).map_err(err(&tmp))?;
        f.sync_all().map_err(err(&tmp))?;
        fs::rename(&tmp, &new).map_err(err(&new))
    }
}
