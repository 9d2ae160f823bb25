//! Outgoing mail kept in memory, for running the daemon loop inside a test. The test keeps a
//! clone of the handle: it reads every message accepted (envelope and raw bytes), and can have
//! the next sends fail, temporarily or for good, to see the outbox retry or give up. Built
//! only from code, never from the config.

use super::SendError;
use std::sync::{Arc, Mutex, MutexGuard};

/// The transport and the test's handle on it: clones share one record.
#[derive(Clone, Default)]
pub struct MemoryTransport {
    shared: Arc<Mutex<Record>>,
}

/// One message the transport accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub message_id: String,
    /// The envelope recipients (RCPT TO), which need not be the To header.
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
}

#[derive(Default)]
struct Record {
    accepted: Vec<Accepted>,
    /// Sends still to refuse, and whether such a refusal is worth retrying.
    failing: usize,
    transient: bool,
    /// Every send asked for, accepted or not.
    attempts: usize,
}

impl MemoryTransport {
    pub fn new() -> MemoryTransport {
        MemoryTransport::default()
    }

    /// A test that panicked while holding the lock must not hide its own failure behind ours.
    fn record(&self) -> MutexGuard<'_, Record> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuse the next `n` sends as a server away or a 4xx would: the outbox retries later.
    pub fn fail_next_temporarily(&self, n: usize) {
        let mut record = self.record();
        record.failing = n;
        record.transient = true;
    }

    /// Refuse the next `n` sends as a 5xx would: the outbox gives those mails up.
    pub fn fail_next_permanently(&self, n: usize) {
        let mut record = self.record();
        record.failing = n;
        record.transient = false;
    }

    /// Every message accepted so far, in order.
    pub fn accepted(&self) -> Vec<Accepted> {
        self.record().accepted.clone()
    }

    /// How many sends were asked for, refused ones included.
    pub fn attempts(&self) -> usize {
        self.record().attempts
    }

    pub fn describe(&self) -> String {
        "in-memory transport".to_string()
    }

    pub fn send(
        &self,
        message_id: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), SendError> {
        let mut record = self.record();
        record.attempts += 1;
        if record.failing > 0 {
            record.failing -= 1;
            return Err(SendError::Memory {
                transient: record.transient,
            });
        }
        record.accepted.push(Accepted {
            message_id: message_id.to_string(),
            recipients: recipients.to_vec(),
            raw: raw.to_vec(),
        });
        Ok(())
    }
}
