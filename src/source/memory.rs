//! A mailbox held in memory, for running the daemon loop inside a test. The test keeps a clone
//! of the handle: it pushes raw messages in (each gets a key `memory:<n>` and, if given, an
//! arrival time) and sees which were marked processed, set aside or passed over. Built only
//! from code, never from the config. Like a Maildir under `seen`, a marked message is no
//! longer listed; the store's settled query decides the rest, exactly as for the other kinds.

use super::{Settled, SourceError, SourceMessage};
use crate::classify::arrival::Arrival;
use crate::shutdown::Shutdown;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The source and the test's handle on it: clones share one mailbox.
#[derive(Clone, Default)]
pub struct MemorySource {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    mailbox: Mutex<Mailbox>,
    /// Wakes a waiting daemon when mail is pushed, as IMAP IDLE would.
    arrived: tokio::sync::Notify,
}

#[derive(Default)]
struct Mailbox {
    /// Every message pushed, oldest first, with where it is now.
    held: Vec<(SourceMessage, Place)>,
    /// What was done to which key, in order: the test's view of the source.
    processed: Vec<String>,
    set_aside: Vec<String>,
    passed_over: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Listed,
    Processed,
    SetAside,
}

impl MemorySource {
    pub fn new() -> MemorySource {
        MemorySource::default()
    }

    /// A test that panicked while holding the lock must not hide its own failure behind ours.
    fn mailbox(&self) -> MutexGuard<'_, Mailbox> {
        self.shared
            .mailbox
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Deliver a message whose arrival time the source does not know (never too old); its key.
    pub fn push(&self, raw: &[u8]) -> String {
        self.push_arrival(raw, Arrival::default())
    }

    /// Deliver a message that arrived at `at`; its key.
    pub fn push_at(&self, raw: &[u8], at: DateTime<Utc>) -> String {
        let arrival = Arrival {
            time: Some(at),
            uid: None,
        };
        self.push_arrival(raw, arrival)
    }

    fn push_arrival(&self, raw: &[u8], arrival: Arrival) -> String {
        let key = {
            let mut mailbox = self.mailbox();
            let key = format!("memory:{}", mailbox.held.len() + 1);
            let msg = SourceMessage {
                key: key.clone(),
                raw: raw.to_vec(),
                size: raw.len(),
                arrival,
            };
            mailbox.held.push((msg, Place::Listed));
            key
        };
        self.shared.arrived.notify_one();
        key
    }

    /// Keys of the messages still listed (neither marked nor set aside), oldest first.
    pub fn listed(&self) -> Vec<String> {
        self.mailbox()
            .held
            .iter()
            .filter(|(_, place)| *place == Place::Listed)
            .map(|(m, _)| m.key.clone())
            .collect()
    }

    /// Keys marked processed, in the order they were marked (a key marked again shows twice).
    pub fn processed(&self) -> Vec<String> {
        self.mailbox().processed.clone()
    }

    /// Keys set aside as unreadable, in order.
    pub fn set_aside(&self) -> Vec<String> {
        self.mailbox().set_aside.clone()
    }

    /// Keys left untouched (mail from before deskmail's time), in order.
    pub fn passed_over(&self) -> Vec<String> {
        self.mailbox().passed_over.clone()
    }

    /// The marks were lost (a crash between the commit and the mark, a mailbox restored from a
    /// backup): every message marked processed is listed again, under its old key.
    pub fn unmark_all(&self) {
        for (_, place) in self.mailbox().held.iter_mut() {
            if *place == Place::Processed {
                *place = Place::Listed;
            }
        }
    }

    /// Record `key` in `log` and move its message to `to`.
    fn mark(&self, key: &str, to: Place, log: fn(&mut Mailbox) -> &mut Vec<String>) {
        let mut mailbox = self.mailbox();
        if let Some((_, place)) = mailbox.held.iter_mut().find(|(m, _)| m.key == key) {
            *place = to;
        }
        log(&mut mailbox).push(key.to_string());
    }

    pub fn describe(&self) -> String {
        "in-memory mailbox".to_string()
    }

    /// Up to `limit` listed messages not in `skip` and not named by `settled`, oldest first.
    pub fn fetch(
        &mut self,
        limit: usize,
        skip: &HashSet<String>,
        settled: &mut Settled<'_>,
    ) -> Result<Vec<SourceMessage>, SourceError> {
        let candidates: Vec<SourceMessage> = self
            .mailbox()
            .held
            .iter()
            .filter(|(m, place)| *place == Place::Listed && !skip.contains(&m.key))
            .map(|(m, _)| m.clone())
            .collect();
        let keys: Vec<String> = candidates.iter().map(|m| m.key.clone()).collect();
        let done = settled(&keys)?;
        Ok(candidates
            .into_iter()
            .filter(|m| !done.contains(&m.key))
            .take(limit)
            .collect())
    }

    pub fn mark_processed(&mut self, key: &str) {
        self.mark(key, Place::Processed, |m| &mut m.processed);
    }

    pub fn mark_failed(&mut self, key: &str) {
        self.mark(key, Place::SetAside, |m| &mut m.set_aside);
    }

    pub fn pass_over(&mut self, key: &str) {
        self.mailbox().passed_over.push(key.to_string());
    }

    /// Until mail is pushed, `max` has passed, or shutdown.
    pub async fn wait(&mut self, max: Duration, shutdown: &mut Shutdown) {
        tokio::select! {
            _ = self.shared.arrived.notified() => {}
            _ = shutdown.sleep(max) => {}
        }
    }
}
