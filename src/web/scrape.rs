//! What `/metrics` reads at scrape time: the daemon's in-memory counters, and the gauges the
//! database holds now (the outbox, the open tickets, the mailbox's connection as the daemon
//! recorded it), through the store's own queries on a read-only connection. Blocking: the
//! admin router calls it in `spawn_blocking`.

use crate::config::Config;
use crate::error_chain::Chain;
use crate::metrics::Metrics;
use crate::metrics::exposition::{Exposition, Kind};
use crate::model::Status;
use crate::store::{Store, StoreError, brake, daemon_state, outbox, tickets};
use chrono::{DateTime, Utc};

/// The whole answer to a scrape. A database that cannot be read leaves out its gauges and says
/// so in `deskmail_database_readable`; the counters are still worth having then.
pub fn render(config: &Config, metrics: &Metrics, now: DateTime<Utc>) -> String {
    let mut out = Exposition::default();
    metrics.render(&mut out);
    let readable = match gauges(config, now, &mut out) {
        Ok(()) => 1.0,
        Err(e) => {
            tracing::warn!(error = %Chain(&e), "metrics: the database cannot be read; its gauges are left out");
            0.0
        }
    };
    out.gauge(
        "deskmail_database_readable",
        "1 when this scrape could read the database (else its gauges are missing).",
        readable,
    );
    out.finish()
}

/// Read everything first, then write: a failure halfway leaves no half family behind.
fn gauges(config: &Config, now: DateTime<Utc>, out: &mut Exposition) -> Result<(), StoreError> {
    let store = Store::open_read_only(&config.store.path)?;
    let c = store.conn();
    let daemon = daemon_state::read(c)?;
    let stats = outbox::stats(c)?;
    let brake = brake::state(c)?;
    let today = now.with_timezone(&config.calendar.tz()).date_naive();
    let open = tickets::open_counts(c, now, today)?;
    let count = |n: u32| f64::from(n);
    out.gauge(
        "deskmail_outbox_pending",
        "Mails waiting in the outbox to be sent.",
        count(stats.pending),
    );
    out.gauge(
        "deskmail_outbox_oldest_pending_age_seconds",
        "How long the oldest mail waiting in the outbox has waited (0: none waits).",
        stats
            .oldest_pending
            .map_or(0.0, |t| (now - t).num_seconds().max(0) as f64),
    );
    out.gauge(
        "deskmail_outbox_failed",
        "Mails failed for good, until retried or dismissed.",
        count(stats.failed),
    );
    out.gauge(
        "deskmail_outbox_brake_engaged",
        "1 while the emergency brake holds sending (outbound.max_per_hour).",
        if brake.engaged.is_some() { 1.0 } else { 0.0 },
    );
    let name = "deskmail_tickets_open";
    out.family(
        name,
        "Tickets not resolved or closed, by status.",
        Kind::Gauge,
    );
    let all = [
        Status::Open,
        Status::WaitingCustomer,
        Status::WaitingThirdParty,
        Status::Resolved,
        Status::Closed,
    ];
    // every open status, also at 0, so a graph shows a drop to none instead of a gap
    for status in all.into_iter().filter(|s| !s.is_done()) {
        let n = open
            .by_status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        out.sample(name, &[("status", status.as_str())], n as f64);
    }
    out.gauge(
        "deskmail_tickets_overdue",
        "Open tickets past their target date.",
        open.overdue as f64,
    );
    out.gauge(
        "deskmail_promises_due",
        "Open tickets whose promised next contact is today or earlier (desk's time zone).",
        open.promises_due as f64,
    );
    out.gauge(
        "deskmail_mailbox_connected",
        "1 while the mailbox (IMAP; a Maildir: readable) answered the daemon's last read.",
        if daemon.connected { 1.0 } else { 0.0 },
    );
    Ok(())
}
