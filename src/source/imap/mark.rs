//! Marking a group of mails once their decisions are committed: `\Seen` plus the `$Deskmail`
//! keyword, or a move to a folder (MOVE, or COPY + `\Deleted` + EXPUNGE where the server lacks
//! it), the error folder for mail that could not be processed — one command per kind over the
//! group's UID set, not one round trip per mail; then the cursor moves past what was marked.

use super::{COMMAND_TIMEOUT, ImapError, ImapSource, KEYWORD, parse_key, timed};
use crate::config::Processed;
use crate::source::AtSource;
use futures::TryStreamExt;

impl ImapSource {
    /// Mark a group whose decisions are committed. The cursor then moves past every mail of
    /// the group up to the first one not marked: that one and those after it are fetched
    /// again, found done, and marked then.
    pub async fn mark_all(
        &mut self,
        marks: &[(String, AtSource)],
    ) -> Vec<(Vec<String>, ImapError)> {
        let of = |want: AtSource| -> Vec<String> {
            marks
                .iter()
                .filter(|(_, at)| *at == want)
                .map(|(k, _)| k.clone())
                .collect()
        };
        let (processed, set_aside) = (of(AtSource::Mark), of(AtSource::SetAside));
        let mut unmarked = Vec::new();
        if !processed.is_empty() {
            let marked = match self.processed.clone() {
                Processed::Keep => Ok(()),
                Processed::Seen => {
                    let flags = format!("+FLAGS.SILENT (\\Seen {KEYWORD})");
                    self.store_flags(&processed, &flags).await
                }
                Processed::Move(folder) => self.move_to(&processed, &folder).await,
            };
            if let Err(error) = marked {
                unmarked.push((processed, error));
            }
        }
        if !set_aside.is_empty() && self.processed != Processed::Keep {
            let folder = self.error_folder.clone();
            if let Err(error) = self.move_to(&set_aside, &folder).await {
                unmarked.push((set_aside, error));
            }
        }
        let failed: Vec<&String> = unmarked.iter().flat_map(|(keys, _)| keys).collect();
        let first_failed = failed.iter().filter_map(|k| parse_key(k)).min();
        for (key, _) in marks {
            if let Some(position) = parse_key(key)
                && first_failed.is_none_or(|f| position < f)
            {
                self.advance(position);
            }
        }
        unmarked
    }

    fn advance(&mut self, (validity, uid): (u32, u32)) {
        if let Some(c) = self.cursor.as_mut()
            && c.uidvalidity == validity
            && uid > c.last_uid
        {
            c.last_uid = uid;
        }
    }

    /// The UID set of `keys` in the selected mailbox; keys of an earlier UIDVALIDITY are left
    /// out (the mailbox changed under us; the next pass rescans).
    fn uid_set(&self, keys: &[String]) -> Result<Option<String>, ImapError> {
        let open = self.open.as_ref().ok_or_else(|| ImapError::Closed {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
        })?;
        let uids: Vec<u32> = keys
            .iter()
            .filter_map(|k| parse_key(k))
            .filter(|(validity, _)| *validity == open.uidvalidity)
            .map(|(_, uid)| uid)
            .collect();
        Ok((!uids.is_empty()).then(|| uid_set(uids)))
    }

    async fn store_flags(&mut self, keys: &[String], flags: &str) -> Result<(), ImapError> {
        let Some(set) = self.uid_set(keys)? else {
            return Ok(());
        };
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let r = tokio::time::timeout(COMMAND_TIMEOUT, async {
            open.session
                .uid_store(&set, flags)
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

    async fn move_to(&mut self, keys: &[String], folder: &str) -> Result<(), ImapError> {
        let Some(set) = self.uid_set(keys)? else {
            return Ok(());
        };
        self.ensure_folder(folder).await?;
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let r: Result<(), async_imap::error::Error> =
            tokio::time::timeout(COMMAND_TIMEOUT, async {
                if open.can_move {
                    open.session.uid_mv(&set, folder).await
                } else {
                    open.session.uid_copy(&set, folder).await?;
                    open.session
                        .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                        .await?
                        .try_collect::<Vec<_>>()
                        .await?;
                    if open.can_uidplus {
                        open.session
                            .uid_expunge(&set)
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

/// UIDs as an IMAP sequence set, runs written as ranges: `3,5,6,7,9` → `3,5:7,9`.
fn uid_set(mut uids: Vec<u32>) -> String {
    uids.sort_unstable();
    uids.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn runs_of_uids_become_ranges() {
        assert_eq!(uid_set(vec![9, 3, 6, 5, 7]), "3,5:7,9");
        assert_eq!(uid_set(vec![1, 2, 3]), "1:3");
        assert_eq!(uid_set(vec![42]), "42");
        assert_eq!(uid_set(vec![4, 4, 10]), "4,10");
    }
}
