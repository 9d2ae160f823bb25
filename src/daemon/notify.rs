//! Telling systemd how we are (`Type=notify`): READY once config and database are in hand
//! (not waiting for the mail server), STATUS lines when the source comes or goes, WATCHDOG pings
//! from the main loop, STOPPING on the way out. Without systemd these do nothing.

use sd_notify::NotifyState;
use std::time::Duration;

pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

pub fn reloading() {
    if let Ok(now) = NotifyState::monotonic_usec_now() {
        send(&[NotifyState::Reloading, now]);
    }
}

pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// How often the loop must ping, when systemd asked for a watchdog.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}

fn send(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::debug!(error = %e, "systemd notification failed");
    }
}
