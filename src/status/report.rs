//! The report `deskmail status` prints: the verdict, the problems and one section per part of
//! the desk, as `--json` writes them (times as RFC 3339 in UTC, to the second).

use super::{Coming, Level, Problem};
use crate::store::brake::Brake;
use crate::store::daemon_state::{Away, Mode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: Level,
    /// The words after `DESKMAIL <VERDICT> - `.
    pub summary: String,
    #[serde(serialize_with = "rfc3339")]
    pub checked: DateTime<Utc>,
    pub problems: Vec<Problem>,
    pub daemon: Option<DaemonSection>,
    pub mailbox: Option<MailboxSection>,
    pub outbox: Option<OutboxSection>,
    pub not_answered: Option<NotAnswered>,
    pub storage: StorageSection,
    pub schedule: Option<ScheduleSection>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DaemonSection {
    pub running: bool,
    pub pid: Option<u32>,
    /// `daemon` (`deskmail run`) or `once` (`run --once`, expected to end).
    pub mode: Option<Mode>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub started: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub heartbeat: Option<DateTime<Utc>>,
    /// A clean stop; `null` while it runs, or after a crash.
    #[serde(serialize_with = "rfc3339_opt")]
    pub stopped: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MailboxSection {
    pub source: Option<String>,
    pub connected: bool,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_fetch_age_seconds: Option<i64>,
    pub error: Option<String>,
    pub error_kind: Option<Away>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub error_since: Option<DateTime<Utc>>,
    /// When the agents' queue was told the mailbox is away (`null` once told it is back).
    #[serde(serialize_with = "rfc3339_opt")]
    pub agents_told: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxSection {
    pub pending: u32,
    pub oldest_pending_age_seconds: Option<i64>,
    pub failed: u32,
    pub dismissed: u32,
    pub brake: BrakeView,
}

/// The emergency brake as `status` and `outbox list --json` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrakeView {
    pub engaged: bool,
    #[serde(serialize_with = "rfc3339_opt")]
    pub since: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The last `deskmail outbox resume`.
    #[serde(serialize_with = "rfc3339_opt")]
    pub released: Option<DateTime<Utc>>,
    /// `outbound.max_per_hour` (0: no brake).
    pub max_per_hour: u32,
}

impl BrakeView {
    pub fn new(brake: &Brake, max_per_hour: u32) -> BrakeView {
        BrakeView {
            engaged: brake.engaged.is_some(),
            since: brake.engaged,
            reason: brake.reason.clone(),
            released: brake.released,
            max_per_hour,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NotAnswered {
    /// Per reason code: `first_start`, `since`, `too_old` (age), `flood` (limits).
    pub held: std::collections::BTreeMap<String, i64>,
    pub handoff_waiting_for_bundle: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageSection {
    pub database: PathBuf,
    pub database_bytes: Option<u64>,
    pub free_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleSection {
    pub next: Vec<Coming>,
    pub due_within_24h: usize,
}

pub(super) fn rfc3339<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn rfc3339_opt<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}
