//! Finding and reading new mail: UID SEARCH above the cursor (with `processed = "seen"` also
//! NOT KEYWORD), a rescan when UIDVALIDITY changed, then one bounded UID FETCH per batch that
//! reads at most one byte over the size limit of each message.

use super::{COMMAND_TIMEOUT, ImapError, ImapSource, KEYWORD, parse_key, timed};
use crate::classify::arrival::{Arrival, UidPosition};
use crate::config::Processed;
use crate::source::{Cursor, SourceMessage};
use futures::TryStreamExt;
use std::collections::HashSet;

impl ImapSource {
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
        let found = found.map_err(|source| ImapError::Command {
            host: host.clone(),
            mailbox: mailbox.clone(),
            what: "UID SEARCH",
            source: source.into(),
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
}
