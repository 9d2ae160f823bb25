//! Marking mail once its decision is committed: `\Seen` plus the `$Deskmail` keyword, or a move
//! to a folder (MOVE, or COPY + `\Deleted` + EXPUNGE where the server lacks it), the error folder
//! for mail that could not be processed; and moving the cursor past it.

use super::{COMMAND_TIMEOUT, ImapError, ImapSource, KEYWORD, parse_key, timed};
use crate::config::Processed;
use futures::TryStreamExt;

impl ImapSource {
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
            Err(_) => Err(ImapError::Timeout {
                host: self.cfg.host.clone(),
                port: self.cfg.port,
                what: "UID STORE",
            }),
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
}
