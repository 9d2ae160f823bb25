//! What the daemon counts in memory for `/metrics`: mails decided, sent and failed, and how
//! long fetching and sending take. One [`Metrics`] lives for the whole process — the daemon
//! loop adds to it, the admin listener reads it — so a reload (SIGHUP) keeps the counts.
//! Pure: no I/O; [`exposition`] writes it (and the gauges the web edge reads from the
//! database) in the Prometheus text format.

pub mod exposition;

use exposition::Exposition;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets: a Maildir read takes milliseconds, an IMAP
/// fetch or SMTP submission over a slow link seconds, a hung server up to the timeouts.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Counts per label value (a decision, a mail kind). Label values are the daemon's own contract
/// names (the outbox stores the kind), a small fixed set, so the map stays small.
#[derive(Debug, Default)]
struct Counter(Mutex<BTreeMap<String, u64>>);

impl Counter {
    fn add(&self, label: &str) {
        let mut counts = lock(&self.0);
        match counts.get_mut(label) {
            Some(n) => *n += 1,
            None => {
                counts.insert(label.to_string(), 1);
            }
        }
    }

    fn snapshot(&self) -> Vec<(String, u64)> {
        lock(&self.0).iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Observations in fixed buckets, kept per bucket and made cumulative when written.
#[derive(Debug)]
struct Histogram(Mutex<Observed>);

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Per bucket of [`LATENCY_BUCKETS`], not cumulative; one more for above the last bound.
    pub counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram(Mutex::new(Observed {
            counts: vec![0; LATENCY_BUCKETS.len() + 1],
            sum: 0.0,
            count: 0,
        }))
    }
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(LATENCY_BUCKETS.len());
        let mut o = lock(&self.0);
        o.counts[bucket] += 1;
        o.sum += seconds;
        o.count += 1;
    }

    fn snapshot(&self) -> Observed {
        lock(&self.0).clone()
    }
}

/// A poisoned lock only means a panic elsewhere while counting: the numbers are still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The in-memory counters and histograms of one deskmail process.
#[derive(Debug, Default)]
pub struct Metrics {
    decided: Counter,
    sent: Counter,
    retried: Counter,
    failed: Counter,
    fetch: Histogram,
    send: Histogram,
}

impl Metrics {
    /// A mail was decided (`portal_reply`, `new_ticket`, …) or set aside unreadable
    /// (`quarantined`).
    pub fn decided(&self, decision: &str) {
        self.decided.add(decision);
    }

    /// The mail server took a mail of this kind (`portal_reply`, `ticket_confirmation`, …).
    pub fn sent(&self, kind: &str) {
        self.sent.add(kind);
    }

    /// Sending failed for now; the mail is tried again later.
    pub fn retried(&self, kind: &str) {
        self.retried.add(kind);
    }

    /// Sending failed for good.
    pub fn failed(&self, kind: &str) {
        self.failed.add(kind);
    }

    /// One read of the mailbox (a batch), successful or not.
    pub fn fetch_took(&self, took: Duration) {
        self.fetch.observe(took);
    }

    /// One hand-over of a mail to the mail server, successful or not.
    pub fn send_took(&self, took: Duration) {
        self.send.observe(took);
    }

    /// Writes every counter and histogram, with its HELP and TYPE lines.
    pub fn render(&self, out: &mut Exposition) {
        let counters = [
            (
                "deskmail_decided_total",
                "Mails decided since the start, by decision (quarantined: unreadable).",
                "decision",
                &self.decided,
            ),
            (
                "deskmail_sent_total",
                "Mails the mail server took since the start, by kind.",
                "kind",
                &self.sent,
            ),
            (
                "deskmail_send_retries_total",
                "Sending attempts that failed for now (tried again later), by kind.",
                "kind",
                &self.retried,
            ),
            (
                "deskmail_failed_total",
                "Mails given up on since the start (failed for good), by kind.",
                "kind",
                &self.failed,
            ),
        ];
        for (name, help, label, counter) in counters {
            out.family(name, help, exposition::Kind::Counter);
            for (value, n) in counter.snapshot() {
                out.sample(name, &[(label, &value)], n as f64);
            }
        }
        out.histogram(
            "deskmail_fetch_seconds",
            "Time one read of the mailbox took (a batch of up to 100 mails), in seconds.",
            LATENCY_BUCKETS,
            &self.fetch.snapshot(),
        );
        out.histogram(
            "deskmail_send_seconds",
            "Time handing one mail to the mail server took, in seconds.",
            LATENCY_BUCKETS,
            &self.send.snapshot(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(m: &Metrics) -> String {
        let mut out = Exposition::default();
        m.render(&mut out);
        out.finish()
    }

    #[test]
    fn counters_count_per_label_and_every_family_has_help_and_type() {
        let m = Metrics::default();
        m.decided("portal_reply");
        m.decided("new_ticket");
        m.decided("portal_reply");
        m.sent("portal_reply");
        m.failed("agent_new_ticket");
        let text = rendered(&m);
        assert!(text.contains("deskmail_decided_total{decision=\"portal_reply\"} 2\n"));
        assert!(text.contains("deskmail_decided_total{decision=\"new_ticket\"} 1\n"));
        assert!(text.contains("deskmail_sent_total{kind=\"portal_reply\"} 1\n"));
        assert!(text.contains("deskmail_failed_total{kind=\"agent_new_ticket\"} 1\n"));
        for name in [
            "deskmail_decided_total",
            "deskmail_sent_total",
            "deskmail_send_retries_total",
            "deskmail_failed_total",
            "deskmail_fetch_seconds",
            "deskmail_send_seconds",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}: {text}");
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}: {text}");
        }
        // a counter nothing was counted in yet: its family, no sample
        assert!(!text.contains("deskmail_send_retries_total{"));
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let m = Metrics::default();
        // durations whose seconds are exact in binary, so the sum can be compared as text
        m.fetch_took(Duration::from_nanos(3_906_250)); // 2⁻⁸ s: ≤ 0.005
        m.fetch_took(Duration::from_millis(250)); // on the 0.25 bound: in it
        m.fetch_took(Duration::from_secs(90)); // above every bound
        let text = rendered(&m);
        let line = |le: &str| format!("deskmail_fetch_seconds_bucket{{le=\"{le}\"}} ");
        assert!(text.contains(&(line("0.005") + "1\n")), "{text}");
        assert!(text.contains(&(line("0.1") + "1\n")), "{text}");
        assert!(text.contains(&(line("0.25") + "2\n")), "{text}");
        assert!(text.contains(&(line("60") + "2\n")), "{text}");
        assert!(text.contains(&(line("+Inf") + "3\n")), "{text}");
        assert!(text.contains("deskmail_fetch_seconds_count 3\n"), "{text}");
        assert!(
            text.contains("deskmail_fetch_seconds_sum 90.25390625\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE deskmail_fetch_seconds histogram\n"));
        // the send histogram is there, empty
        assert!(text.contains("deskmail_send_seconds_bucket{le=\"+Inf\"} 0\n"));
        assert!(text.contains("deskmail_send_seconds_count 0\n"));
    }

    #[test]
    fn an_observation_on_a_bound_falls_in_that_bucket() {
        let h = Histogram::default();
        h.observe(Duration::from_secs(1));
        let o = h.snapshot();
        let one = LATENCY_BUCKETS.iter().position(|b| *b == 1.0).unwrap_or(0);
        assert_eq!(o.counts[one], 1);
        assert_eq!(o.count, 1);
    }
}
