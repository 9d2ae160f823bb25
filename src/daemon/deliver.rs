//! The outbox worker: send due rows through the transport, mark them sent, or retry with
//! backoff on a temporary failure, and give up (loudly) on a permanent one.

use super::Engine;
use crate::store::{StoreError, outbox};
use chrono::{DateTime, Utc};

/// Attempts before a temporarily failing mail is given up on.
const MAX_ATTEMPTS: u32 = 12;

/// Backoff after `attempts` failures: 1 min, 2, 4, … capped at 2 hours.
pub fn backoff(attempts: u32) -> chrono::Duration {
    let minutes = 1i64 << attempts.min(7);
    chrono::Duration::minutes(minutes.min(120))
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Send what is due, in batches, until nothing due is left.
pub async fn flush(engine: &mut Engine, now: DateTime<Utc>) -> Result<Delivered, StoreError> {
    let mut result = Delivered::default();
    loop {
        let batch = outbox::due(engine.store.conn(), now, 100)?;
        if batch.is_empty() {
            return Ok(result);
        }
        for mail in batch {
            match engine
                .transport
                .send(&mail.message_id, &mail.recipients, &mail.raw)
                .await
            {
                Ok(()) => {
                    outbox::mark_sent(engine.store.conn(), mail.id, now)?;
                    tracing::info!(message_id = %mail.message_id, kind = %mail.kind, to = %mail.recipients.join(", "), "sent");
                    result.sent += 1;
                }
                Err(e) if e.is_transient() && mail.attempts + 1 < MAX_ATTEMPTS => {
                    let next = now + backoff(mail.attempts);
                    outbox::mark_retry(engine.store.conn(), mail.id, next, &e.to_string())?;
                    tracing::warn!(message_id = %mail.message_id, error = %e, retry_at = %next, "send failed, will retry");
                    result.retrying += 1;
                }
                Err(e) => {
                    outbox::mark_failed(engine.store.conn(), mail.id, &e.to_string())?;
                    tracing::error!(message_id = %mail.message_id, error = %e, "send failed for good");
                    result.failed += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), chrono::Duration::minutes(1));
        assert_eq!(backoff(3), chrono::Duration::minutes(8));
        assert_eq!(backoff(30), chrono::Duration::minutes(120));
    }
}
