//! Capped exponential backoff, for reconnecting to a server that is away or refuses us (with
//! jitter) and for retrying a mail the transport could not send yet: the daemon keeps running,
//! says what it waits for, and never busy-loops.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
    until: Option<Instant>,
}

/// The delay after `failures` failures: base·2^(n-1), capped, then ±20 % by `jitter` (0..1).
pub fn delay(failures: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    doubling(failures, base, cap).mul_f64(factor)
}

/// The delay after `failures` failures without jitter: zero, then base·2^(n-1) up to `cap`.
pub fn doubling(failures: u32, base: Duration, cap: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    base.saturating_mul(1u32 << (failures - 1).min(20)).min(cap)
}

/// A number in 0..1 that differs between processes and calls; enough to spread reconnects.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mixed = (u64::from(nanos) ^ u64::from(std::process::id()).rotate_left(17))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 11) as f64 / (1u64 << 53) as f64
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            failures: 0,
            until: None,
        }
    }

    /// Record a failure; returns how long to wait before the next try.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let d = delay(self.failures, self.base, self.cap, jitter());
        self.until = Some(Instant::now() + d);
        d
    }

    pub fn succeed(&mut self) {
        self.failures = 0;
        self.until = None;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How long until the next try is allowed (zero when it is).
    pub fn remaining(&self) -> Duration {
        self.until.map_or(Duration::ZERO, |u| {
            u.saturating_duration_since(Instant::now())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_jitters_within_bounds() {
        let (b, cap) = (Duration::from_secs(1), Duration::from_secs(300));
        assert_eq!(delay(0, b, cap, 0.5), Duration::ZERO);
        assert_eq!(delay(1, b, cap, 0.5), Duration::from_secs(1));
        assert_eq!(delay(4, b, cap, 0.5), Duration::from_secs(8));
        assert_eq!(delay(30, b, cap, 0.5), cap);
        assert_eq!(delay(3, b, cap, 0.0), Duration::from_millis(3200));
        assert_eq!(delay(3, b, cap, 1.0), Duration::from_millis(4800));
        assert_eq!(doubling(0, b, cap), Duration::ZERO);
        assert_eq!(doubling(9, b, cap), Duration::from_secs(256));
        assert_eq!(doubling(u32::MAX, b, cap), cap);
    }

    #[test]
    fn a_failure_sets_a_wait_and_success_clears_it() {
        let mut bo = Backoff::new(Duration::from_secs(10), Duration::from_secs(60));
        assert_eq!(bo.remaining(), Duration::ZERO);
        let d = bo.fail();
        assert!(
            d >= Duration::from_secs(8) && d <= Duration::from_secs(12),
            "{d:?}"
        );
        assert!(bo.remaining() > Duration::from_secs(7));
        bo.succeed();
        assert_eq!((bo.failures(), bo.remaining()), (0, Duration::ZERO));
    }
}
