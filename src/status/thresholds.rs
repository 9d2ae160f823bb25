//! When `deskmail status` turns from OK to WARNING or CRITICAL (`[status]` in the config), and
//! after how long an away mailbox is told to the agents.

use super::Level;
use chrono::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// No successful fetch for this long: WARNING, then CRITICAL.
    pub fetch_warning: Duration,
    pub fetch_critical: Duration,
    /// The oldest mail waiting in the outbox has waited this long: WARNING, then CRITICAL.
    pub pending_warning: Duration,
    pub pending_critical: Duration,
    /// What failed mails in the outbox make the verdict (until retried or dismissed).
    pub failed: Level,
    /// Free space on the database's file system below this: WARNING, then CRITICAL.
    pub free_space_warning_bytes: u64,
    pub free_space_critical_bytes: u64,
    /// A daemon whose process lives but that has not written a heartbeat for this long is hung.
    pub heartbeat: Duration,
    /// A mailbox away (login refused or unreachable) this long is told to the agents' queue.
    pub mailbox_down_notice: Duration,
}

pub const MB: u64 = 1024 * 1024;

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            fetch_warning: Duration::minutes(10),
            fetch_critical: Duration::minutes(60),
            pending_warning: Duration::minutes(30),
            pending_critical: Duration::minutes(120),
            failed: Level::Warning,
            free_space_warning_bytes: 500 * MB,
            free_space_critical_bytes: 100 * MB,
            heartbeat: Duration::minutes(10),
            mailbox_down_notice: Duration::minutes(15),
        }
    }
}
