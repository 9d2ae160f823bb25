//! The daemon's side of `store.keep_raw_days`: once a day (and at the first pass after a
//! start) raw mail that is no longer needed is purged, a bounded number of batches per pass so
//! taking in mail is never held up for long; what is left is taken up at the next pass.

use super::Engine;
use crate::store::purge;
use chrono::{DateTime, Duration, Utc};

/// Batches per pass: 20 × 500 rows.
const BATCHES_PER_PASS: usize = 20;

/// How often a finished purge is repeated.
const EVERY: Duration = Duration::days(1);

/// Purge what is due; `commit` false (a dry run) purges nothing.
pub fn purge(
    engine: &mut Engine,
    now: DateTime<Utc>,
    commit: bool,
) -> Result<(), crate::store::StoreError> {
    let Some(cutoff) = engine.config.store.keep_raw.cutoff(now) else {
        return Ok(());
    };
    if !commit || engine.next_purge.is_some_and(|at| now < at) {
        return Ok(());
    }
    let done = purge::purge(&mut engine.store, cutoff, now, Some(BATCHES_PER_PASS), true)?;
    if done.mails() > 0 {
        tracing::info!(
            inbound = done.inbound,
            outbox = done.outbox,
            bytes = done.bytes(),
            keep_raw = %engine.config.store.keep_raw,
            "raw mail no longer needed purged (store.keep_raw_days)"
        );
    }
    engine.next_purge = Some(if done.complete { now + EVERY } else { now });
    Ok(())
}
