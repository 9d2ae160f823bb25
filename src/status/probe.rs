//! Gathering what the status report needs, read-only and without talking to the daemon: its
//! own record and the outbox from the database, the database's size and the free space of its
//! file system, whether the recorded pid still lives, and the coming progress mails.

use super::thresholds::Thresholds;
use super::{Coming, Facts, Report};
use crate::error_chain::Chain;
use crate::schedule::Calendar;
use crate::schedule::progress;
use crate::schedule::settings::Schedule;
use crate::store::{Store, StoreError, brake, daemon_state, inbound, outbox, settings, tickets};
use chrono::{DateTime, Utc};
use std::path::Path;

/// Progress mails looked ahead at, at most.
const COMING: usize = 50;

/// What the report looks at: the desk's database and the settings it is judged by
/// (`Config::status_desk` gives them).
pub struct Desk<'a> {
    pub database: &'a Path,
    pub thresholds: &'a Thresholds,
    /// The emergency brake's hourly limit (`outbound.max_per_hour`).
    pub max_per_hour: u32,
    pub calendar: &'a Calendar,
    pub schedule: &'a Schedule,
}

/// The report on the desk's database; UNKNOWN when there is none or it cannot be read.
pub fn report(desk: &Desk, now: DateTime<Utc>) -> Report {
    let path = &desk.database.to_path_buf();
    if !path.exists() {
        return super::unknown(
            path.clone(),
            now,
            format!(
                "no database at {}: deskmail has not run yet, or store.path is wrong",
                path.display()
            ),
        );
    }
    match facts(desk, path, now) {
        Ok(f) => super::assess(&f, path.clone(), desk.thresholds, now),
        Err(e) => super::unknown(path.clone(), now, Chain(&e).to_string()),
    }
}

fn facts(desk: &Desk, path: &Path, now: DateTime<Utc>) -> Result<Facts, StoreError> {
    let store = Store::open_read_only(path)?;
    let c = store.conn();
    let daemon = daemon_state::read(c)?;
    let (_, handoff_waiting) = inbound::handoffs_after(c, settings::handoff_upto(c)?, 0)?;
    Ok(Facts {
        pid_alive: daemon.pid.map(alive),
        daemon,
        outbox: outbox::stats(c)?,
        brake: brake::state(c)?,
        max_per_hour: desk.max_per_hour,
        held: inbound::held_counts(c)?,
        handoff_waiting,
        database_bytes: database_bytes(path),
        free_bytes: free_bytes(path),
        coming: coming(desk, &store, now)?,
    })
}

/// The next progress mail of each open ticket, soonest first.
fn coming(desk: &Desk, store: &Store, now: DateTime<Utc>) -> Result<Vec<Coming>, StoreError> {
    let (cal, sched) = (desk.calendar, desk.schedule);
    let mut out = Vec::new();
    let mut recent = outbox::progress_times_all(store.conn(), now - chrono::Duration::days(2))?;
    for t in tickets::list(store.conn(), false)? {
        let sent = recent.remove(&t.id).unwrap_or_default();
        if let Some(due) = progress::next_due(&t, &sent, cal, sched) {
            out.push(Coming {
                ticket: t.reference.to_string(),
                kind: due.kind.template(),
                at: due.at.max(now),
            });
        }
    }
    out.sort_by(|a, b| (a.at, &a.ticket).cmp(&(b.at, &b.ticket)));
    out.truncate(COMING);
    Ok(out)
}

/// The database with its write-ahead log.
fn database_bytes(path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    size(path) + size(Path::new(&wal))
}

/// Space an unprivileged writer can still use on the database's file system.
fn free_bytes(path: &Path) -> Option<u64> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stat = rustix::fs::statvfs(folder).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Whether a process with this pid exists (also one of another user: EPERM says it exists).
fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // signal 0 sends nothing; it only asks whether the process exists
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_lives_and_a_reaped_child_does_not() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        child.wait().expect("wait");
        assert!(!alive(pid), "a reaped child's pid is free");
        assert!(!alive(0), "0 is no process of its own");
    }

    #[test]
    fn free_space_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(free_bytes(&dir.path().join("db.sqlite")).is_some_and(|b| b > 0));
        assert_eq!(free_bytes(Path::new("/no/such/folder/db.sqlite")), None);
    }
}
