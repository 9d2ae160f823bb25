//! `deskmail status`: how the desk is doing, as a monitoring plugin reports it. This module is
//! the pure part: from what was found ([`Facts`]: the daemon's own record in the database, the
//! outbox, the disk) and the thresholds it makes the [`Report`] — each section, the problems
//! with their level, and one verdict (OK, WARNING, CRITICAL, UNKNOWN, exit codes 0–3). `probe`
//! gathers the facts; `text` writes the report for people; `outage` decides when the agents
//! hear that the mailbox is away.

pub mod outage;
pub mod probe;
mod report;
pub mod text;
pub mod thresholds;

use crate::store::brake::Brake;
use crate::store::daemon_state::{Away, DaemonState, Mode};
use crate::store::outbox::Stats;
use chrono::{DateTime, Duration, Utc};
pub use report::*;
use serde::Serialize;
use std::path::PathBuf;
use thresholds::Thresholds;

/// A monitoring plugin's levels. Worst first when combined: CRITICAL, WARNING, UNKNOWN, OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Level {
    /// The exit code monitoring systems expect (Nagios plugin guidelines).
    pub fn exit_code(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
            Level::Unknown => "UNKNOWN",
        }
    }

    fn severity(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Unknown => 1,
            Level::Warning => 2,
            Level::Critical => 3,
        }
    }
}

/// One thing an operator must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub level: Level,
    /// `daemon`, `mailbox`, `outbox`, `storage` or `database`.
    pub section: &'static str,
    pub text: String,
}

/// A progress mail the scheduler will send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coming {
    pub ticket: String,
    pub kind: &'static str,
    #[serde(serialize_with = "report::rfc3339")]
    pub at: DateTime<Utc>,
}

/// What `probe` found in a database that could be read.
#[derive(Debug, Clone)]
pub struct Facts {
    pub daemon: DaemonState,
    /// Whether the recorded pid is a live process (`None`: no pid recorded).
    pub pid_alive: Option<bool>,
    pub outbox: Stats,
    pub brake: Brake,
    pub max_per_hour: u32,
    /// Mail not answered for its age, per reason code (`first_start`, `since`, `too_old`, `flood`).
    pub held: Vec<(String, i64)>,
    /// Mail handed over (`handoff`) that the agents' next hourly bundle lists.
    pub handoff_waiting: usize,
    pub database_bytes: u64,
    /// `None`: the file system would not say.
    pub free_bytes: Option<u64>,
    /// The next progress mails, soonest first.
    pub coming: Vec<Coming>,
}

/// No report could be made from the database (there is none, or it cannot be read).
pub fn unknown(database: PathBuf, now: DateTime<Utc>, why: String) -> Report {
    Report {
        verdict: Level::Unknown,
        summary: why.clone(),
        checked: now,
        problems: vec![Problem {
            level: Level::Unknown,
            section: "database",
            text: why,
        }],
        daemon: None,
        mailbox: None,
        outbox: None,
        not_answered: None,
        storage: StorageSection {
            database,
            database_bytes: None,
            free_bytes: None,
        },
        schedule: None,
    }
}

/// The report on a database that could be read.
pub fn assess(f: &Facts, database: PathBuf, t: &Thresholds, now: DateTime<Utc>) -> Report {
    let mut problems = Vec::new();
    let running = daemon_problems(f, t, now, &mut problems);
    mailbox_problems(f, t, now, &mut problems);
    outbox_problems(f, t, now, &mut problems);
    storage_problems(f, t, &mut problems);
    // worst first; the order of finding within a level
    problems.sort_by_key(|p| std::cmp::Reverse(p.level.severity()));
    let verdict = problems.first().map_or(Level::Ok, |p| p.level);
    let d = &f.daemon;
    let summary = if problems.is_empty() {
        text::healthy(f, running, now)
    } else {
        problems
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let horizon = now + Duration::hours(24);
    Report {
        verdict,
        summary,
        checked: now,
        problems,
        daemon: Some(DaemonSection {
            running,
            pid: d.pid,
            mode: d.mode,
            started: d.started,
            heartbeat: d.heartbeat,
            stopped: d.stopped,
        }),
        mailbox: Some(MailboxSection {
            source: d.source.clone(),
            connected: d.connected && running,
            last_fetch: d.last_fetch,
            last_fetch_age_seconds: d.last_fetch.map(|t| (now - t).num_seconds()),
            error: d.fetch_error.clone(),
            error_kind: d.error_kind,
            error_since: d.error_since,
            agents_told: d.down_told,
        }),
        outbox: Some(OutboxSection {
            pending: f.outbox.pending,
            oldest_pending_age_seconds: f.outbox.oldest_pending.map(|t| (now - t).num_seconds()),
            failed: f.outbox.failed,
            dismissed: f.outbox.dismissed,
            brake: BrakeView::new(&f.brake, f.max_per_hour),
        }),
        not_answered: Some(NotAnswered {
            held: f.held.iter().cloned().collect(),
            handoff_waiting_for_bundle: f.handoff_waiting,
        }),
        storage: StorageSection {
            database,
            database_bytes: Some(f.database_bytes),
            free_bytes: f.free_bytes,
        },
        schedule: Some(ScheduleSection {
            next: f.coming.iter().take(5).cloned().collect(),
            due_within_24h: f.coming.iter().filter(|c| c.at <= horizon).count(),
        }),
    }
}

fn problem(out: &mut Vec<Problem>, level: Level, section: &'static str, text: String) {
    out.push(Problem {
        level,
        section,
        text,
    });
}

/// Whether the daemon runs: its process lives and its heartbeat is recent. A daemon that
/// does not run is CRITICAL; a `run --once` is expected to end (the mailbox's age says
/// whether the next one came).
fn daemon_problems(f: &Facts, t: &Thresholds, now: DateTime<Utc>, out: &mut Vec<Problem>) -> bool {
    let d = &f.daemon;
    let (Some(started), Some(mode)) = (d.started, d.mode) else {
        problem(
            out,
            Level::Unknown,
            "daemon",
            "deskmail has not run on this database yet".into(),
        );
        return false;
    };
    let beat = d.heartbeat.unwrap_or(started);
    let fresh = now - beat < t.heartbeat;
    let alive = f.pid_alive == Some(true) && d.stopped.is_none();
    let pid = d.pid.map_or_else(|| "?".into(), |p| p.to_string());
    match (mode, d.stopped, alive, fresh) {
        (_, None, true, true) => return true,
        (Mode::Daemon, Some(stopped), _, _) => problem(
            out,
            Level::Critical,
            "daemon",
            format!(
                "the daemon is not running: it stopped {}",
                text::ago(now - stopped)
            ),
        ),
        (Mode::Daemon, None, false, _) => problem(
            out,
            Level::Critical,
            "daemon",
            format!(
                "the daemon is not running: pid {pid} is gone without a clean stop (last heartbeat {})",
                text::ago(now - beat)
            ),
        ),
        (_, None, true, false) => problem(
            out,
            Level::Critical,
            "daemon",
            format!(
                "deskmail (pid {pid}) has not written a heartbeat for {}: hung, or its database cannot be written (see its log)",
                text::span(now - beat)
            ),
        ),
        // a one-shot run that ended (cleanly or not): the mailbox's age tells the rest
        (Mode::Once, _, _, _) => {}
    }
    false
}

fn mailbox_problems(f: &Facts, t: &Thresholds, now: DateTime<Utc>, out: &mut Vec<Problem>) {
    let d = &f.daemon;
    // never read: it has been failing since its first error, or unread since the start
    let Some(since) = d.last_fetch.or(d.error_since).or(d.started) else {
        return;
    };
    let age = now - since;
    let level = if age >= t.fetch_critical {
        Level::Critical
    } else if age >= t.fetch_warning {
        Level::Warning
    } else {
        return;
    };
    let mut words = match d.last_fetch {
        Some(_) => format!("no mail fetched for {}", text::span(age)),
        None => format!("the mailbox has not been read in {}", text::span(age)),
    };
    if let Some(error) = &d.fetch_error {
        let kind = match d.error_kind {
            Some(Away::LoginRefused) => "the server refuses the login",
            _ => "the mailbox cannot be reached",
        };
        words.push_str(&format!(": {kind} ({error})"));
    }
    problem(out, level, "mailbox", words);
}

fn outbox_problems(f: &Facts, t: &Thresholds, now: DateTime<Utc>, out: &mut Vec<Problem>) {
    if let Some(since) = f.brake.engaged {
        problem(
            out,
            Level::Critical,
            "outbox",
            format!(
                "sending is paused by the emergency brake since {} ({}); `deskmail outbox resume` lets it go on",
                text::ago(now - since),
                f.brake.reason.as_deref().unwrap_or("no reason recorded")
            ),
        );
    }
    if let Some(oldest) = f.outbox.oldest_pending {
        let age = now - oldest;
        let level = if age >= t.pending_critical {
            Some(Level::Critical)
        } else if age >= t.pending_warning {
            Some(Level::Warning)
        } else {
            None
        };
        if let Some(level) = level {
            let error = f
                .outbox
                .oldest_pending_error
                .as_deref()
                .map(|e| format!("; last error: {e}"))
                .unwrap_or_default();
            problem(
                out,
                level,
                "outbox",
                format!(
                    "{} waiting to be sent, the oldest for {}{error}",
                    text::mails(f.outbox.pending),
                    text::span(age)
                ),
            );
        }
    }
    if f.outbox.failed > 0 && t.failed != Level::Ok {
        problem(
            out,
            t.failed,
            "outbox",
            format!(
                "{} failed for good (`deskmail outbox list`; then `deskmail outbox retry ID` or `deskmail outbox dismiss ID`)",
                text::mails(f.outbox.failed)
            ),
        );
    }
}

fn storage_problems(f: &Facts, t: &Thresholds, out: &mut Vec<Problem>) {
    let Some(free) = f.free_bytes else {
        problem(
            out,
            Level::Unknown,
            "storage",
            "the free space of the database's file system cannot be read".into(),
        );
        return;
    };
    let level = if free < t.free_space_critical_bytes {
        Level::Critical
    } else if free < t.free_space_warning_bytes {
        Level::Warning
    } else {
        return;
    };
    problem(
        out,
        level,
        "storage",
        format!(
            "only {} free on the database's file system",
            text::bytes(free)
        ),
    );
}

#[cfg(test)]
mod tests;
