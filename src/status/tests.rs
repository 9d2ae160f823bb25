use super::*;
use crate::store::daemon_state::{Away, DaemonState, Mode};

fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .expect("time")
        .to_utc()
        + Duration::minutes(minutes)
}

/// A daemon started at 0, fetching and beating at 0, nothing waiting, plenty of disk.
fn healthy() -> Facts {
    Facts {
        daemon: DaemonState {
            pid: Some(4242),
            mode: Some(Mode::Daemon),
            started: Some(t(0)),
            heartbeat: Some(t(0)),
            source: Some("IMAP desk@mail:993 INBOX".into()),
            last_fetch: Some(t(0)),
            connected: true,
            ..Default::default()
        },
        pid_alive: Some(true),
        outbox: Stats::default(),
        brake: Brake::default(),
        max_per_hour: 1000,
        held: Vec::new(),
        handoff_waiting: 0,
        database_bytes: 1 << 20,
        free_bytes: Some(10 << 30),
        coming: Vec::new(),
    }
}

fn at(f: &Facts, minutes: i64) -> Report {
    assess(f, "db.sqlite".into(), &Thresholds::default(), t(minutes))
}

fn levels(r: &Report) -> Vec<(Level, &'static str)> {
    r.problems.iter().map(|p| (p.level, p.section)).collect()
}

#[test]
fn a_running_daemon_that_fetches_is_ok() {
    let r = at(&healthy(), 1);
    assert_eq!(r.verdict, Level::Ok, "{:?}", r.problems);
    assert!(r.daemon.as_ref().is_some_and(|d| d.running));
    assert!(
        r.summary
            .starts_with("running (pid 4242), mailbox read 1 min ago"),
        "{}",
        r.summary
    );
}

#[test]
fn a_crashed_or_stopped_or_hung_daemon_is_critical() {
    let mut gone = healthy();
    gone.pid_alive = Some(false);
    let r = at(&gone, 1);
    assert_eq!(levels(&r), [(Level::Critical, "daemon")]);
    assert!(
        r.summary.contains("pid 4242 is gone without a clean stop"),
        "{}",
        r.summary
    );

    let mut stopped = healthy();
    stopped.daemon.stopped = Some(t(1));
    stopped.pid_alive = Some(false);
    assert!(
        at(&stopped, 2)
            .summary
            .starts_with("the daemon is not running: it stopped 1 min ago")
    );

    // the pid lives (hung, or reused by another process) but no heartbeat for 11 minutes
    let mut hung = healthy();
    hung.daemon.last_fetch = Some(t(5));
    let r = at(&hung, 11);
    assert_eq!(levels(&r), [(Level::Critical, "daemon")]);
    assert!(
        r.summary.contains("has not written a heartbeat for 11 min"),
        "{}",
        r.summary
    );
}

#[test]
fn a_one_shot_run_that_ended_is_judged_by_its_fetch() {
    let mut once = healthy();
    once.daemon.mode = Some(Mode::Once);
    once.daemon.stopped = Some(t(0));
    once.pid_alive = Some(false);
    let r = at(&once, 5);
    assert_eq!(r.verdict, Level::Ok, "{:?}", r.problems);
    assert!(
        r.summary.starts_with("last run --once 5 min ago"),
        "{}",
        r.summary
    );
    assert_eq!(at(&once, 10).verdict, Level::Warning);
    assert_eq!(levels(&at(&once, 60)), [(Level::Critical, "mailbox")]);
}

#[test]
fn a_mailbox_away_warns_then_goes_critical_with_its_error() {
    let mut away = healthy();
    away.daemon.heartbeat = Some(t(12));
    away.daemon.connected = false;
    away.daemon.fetch_error = Some("IMAP server mail refused login for desk".into());
    away.daemon.error_kind = Some(Away::LoginRefused);
    away.daemon.error_since = Some(t(1));
    assert_eq!(
        at(&away, 9).verdict,
        Level::Ok,
        "a short outage is no problem yet"
    );
    let r = at(&away, 12);
    assert_eq!(levels(&r), [(Level::Warning, "mailbox")]);
    assert_eq!(
        r.summary,
        "no mail fetched for 12 min: the server refuses the login (IMAP server mail refused login for desk)"
    );
    assert!(!r.mailbox.as_ref().is_some_and(|m| m.connected));
}

#[test]
fn the_outbox_warns_on_old_pending_and_failed_mail_and_the_brake_is_critical() {
    let mut f = healthy();
    f.daemon.heartbeat = Some(t(40));
    f.daemon.last_fetch = Some(t(40));
    f.outbox = Stats {
        pending: 2,
        oldest_pending: Some(t(0)),
        oldest_pending_error: Some("SMTP server away".into()),
        failed: 1,
        dismissed: 3,
    };
    let r = at(&f, 40);
    assert_eq!(
        levels(&r),
        [(Level::Warning, "outbox"), (Level::Warning, "outbox")]
    );
    assert!(
        r.summary.contains(
            "2 mails waiting to be sent, the oldest for 40 min; last error: SMTP server away"
        ),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("1 mail failed for good"),
        "{}",
        r.summary
    );

    // failed mails at the level the config gives them
    let failed_ok = Thresholds {
        failed: Level::Ok,
        ..Thresholds::default()
    };
    let quiet = assess(&f, "db".into(), &failed_ok, t(40));
    assert_eq!(levels(&quiet), [(Level::Warning, "outbox")]);

    f.brake.engaged = Some(t(30));
    f.brake.reason = Some("1000 mails sent in the last hour".into());
    let r = at(&f, 40);
    assert_eq!(r.verdict, Level::Critical);
    assert!(
        r.problems[0]
            .text
            .starts_with("sending is paused by the emergency brake since 10 min ago"),
        "{:?}",
        r.problems
    );
    let brake = &r.outbox.as_ref().expect("outbox").brake;
    assert!(brake.engaged && brake.max_per_hour == 1000);
}

#[test]
fn little_free_space_warns_and_an_unreadable_file_system_is_unknown() {
    let mut f = healthy();
    f.free_bytes = Some(300 * thresholds::MB);
    assert_eq!(levels(&at(&f, 1)), [(Level::Warning, "storage")]);
    f.free_bytes = Some(50 * thresholds::MB);
    assert_eq!(levels(&at(&f, 1)), [(Level::Critical, "storage")]);
    f.free_bytes = None;
    let r = at(&f, 1);
    assert_eq!(r.verdict, Level::Unknown);
    assert_eq!(r.verdict.exit_code(), 3);
}

#[test]
fn the_worst_level_wins_and_exit_codes_follow_the_plugin_convention() {
    let codes: Vec<u8> = [Level::Ok, Level::Warning, Level::Critical, Level::Unknown]
        .iter()
        .map(|l| l.exit_code())
        .collect();
    assert_eq!(codes, [0, 1, 2, 3]);
    let mut f = healthy();
    f.free_bytes = None; // unknown
    f.outbox.failed = 1; // warning
    let r = at(&f, 1);
    assert_eq!(
        r.verdict,
        Level::Warning,
        "a known warning outranks an unknown"
    );
    f.pid_alive = Some(false); // critical
    assert_eq!(at(&f, 1).verdict, Level::Critical);
}

#[test]
fn a_database_without_a_run_is_unknown() {
    let f = Facts {
        daemon: DaemonState::default(),
        ..healthy()
    };
    let r = at(&f, 1);
    assert_eq!(r.verdict, Level::Unknown);
    assert_eq!(r.summary, "deskmail has not run on this database yet");
}

#[test]
fn the_json_has_the_verdict_and_every_section() {
    let r = at(&healthy(), 1);
    let v = serde_json::to_value(&r).expect("JSON");
    assert_eq!(v["verdict"], "ok");
    for section in [
        "daemon",
        "mailbox",
        "outbox",
        "not_answered",
        "storage",
        "schedule",
        "problems",
    ] {
        assert!(!v[section].is_null(), "{section}: {v}");
    }
    assert_eq!(v["mailbox"]["last_fetch"], "2026-11-23T09:00:00Z");
    assert_eq!(v["daemon"]["mode"], "daemon");
    let none = unknown("x.sqlite".into(), t(0), "no database".into());
    let v = serde_json::to_value(&none).expect("JSON");
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["problems"][0]["text"], "no database");
}
