//! The log in its three forms, as the real binary writes them: natively to journald when
//! systemd connected stderr to the journal (priorities `journalctl -p err` selects on, fields
//! such as DECISION), one JSON object per line with `--log-format json`, and readable lines
//! otherwise, with values that hold spaces quoted. journald itself cannot run here (it needs
//! systemd as PID 1): the tests listen on a socket of their own (tests/common/journal.rs).

mod common;
use common::journal::{Entry, Journal};
use common::tmpfs::Tmpfs;
use common::{BASE_CONFIG, Daemon, Desk, laptop_form, person_mail};
use std::process::{Command, Output};
use std::time::Duration;

const MONDAY: &str = "2026-11-23T10:00:00+01:00";
const BODY: &str = "the seventh floor printer sings";

fn deskmail(desk: &Desk, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deskmail"));
    cmd.arg("--config")
        .arg(&desk.config)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("JOURNAL_STREAM");
    cmd
}

/// A person's mail and a portal form, both decided by the next run.
fn two_mails(desk: &Desk) {
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer kapot",
        "jan-1@example.com",
        &format!("Hallo, {BODY}."),
    ));
    desk.deliver(&laptop_form("form-1@example.org", "fatima@example.com"));
}

fn run_logged(cmd: &mut Command) -> Output {
    cmd.output().expect("run deskmail")
}

fn show(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("<{}> {}\n", e.priority(), e.message()))
        .collect()
}

#[test]
fn under_systemd_each_decision_is_a_journal_entry_with_its_fields() {
    let desk = Desk::new();
    two_mails(&desk);
    let journal = Journal::listen(desk.dir.path());
    let stderr = desk.path("stderr");
    let mut cmd = deskmail(&desk, &["--now", MONDAY, "run", "--once"]);
    journal.attach(&mut cmd, &stderr);
    let out = run_logged(&mut cmd);
    let entries = journal.settled();
    assert!(out.status.success(), "{}", show(&entries));
    assert_eq!(desk.sent().len(), 3, "reply, confirmation, agents' notice");

    let decided: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.message().starts_with("decided"))
        .collect();
    assert_eq!(decided.len(), 2, "{}", show(&entries));
    for e in &decided {
        assert_eq!(e.priority(), 6, "an ordinary line is info: {e:?}");
        assert_eq!(e.get("SYSLOG_IDENTIFIER").as_deref(), Some("deskmail"));
        assert!(
            e.get("DECISION").is_some() && e.get("REASON").is_some(),
            "{e:?}"
        );
        assert!(e.get("KEY").is_some(), "{e:?}");
    }
    let jan = decided
        .iter()
        .find(|e| e.get("DESKMAIL_MESSAGE_ID").as_deref() == Some("jan-1@example.com"))
        .unwrap_or_else(|| panic!("the mail's Message-ID as a field: {decided:?}"));
    assert_eq!(jan.get("DECISION").as_deref(), Some("portal_reply"));
    assert_eq!(
        jan.get("TICKET").as_deref(),
        Some("-"),
        "a portal reply is about no ticket"
    );
    let form = decided
        .iter()
        .find(|e| e.get("DECISION").as_deref() == Some("new_ticket"))
        .unwrap_or_else(|| panic!("the form's entry: {decided:?}"));
    // `journalctl TICKET=SD-1000` finds the mail that made the ticket
    assert_eq!(form.get("TICKET").as_deref(), Some("SD-1000"));
    // journald's own MESSAGE_ID (a 128-bit catalog id) is not taken for a mail's Message-ID
    assert!(entries.iter().all(|e| e.get("MESSAGE_ID").is_none()));
    // the readable line is the MESSAGE, so that plain `journalctl -u deskmail` shows it all
    assert!(
        jan.message().contains("decision=\"portal_reply\""),
        "{}",
        jan.message()
    );

    // nothing twice (systemd would put stderr in the journal too), no mail text
    let written = std::fs::read_to_string(&stderr).expect("stderr");
    assert_eq!(written, "", "stderr holds nothing when the journal has it");
    for e in &entries {
        assert!(
            !String::from_utf8_lossy(&e.raw).contains(BODY),
            "mail text in the journal: {e:?}"
        );
    }
}

#[test]
fn the_error_that_ends_deskmail_is_an_err_entry_under_systemd() {
    let desk = Desk::with_config("\n[limits]\nno_such_key = 1\n");
    let journal = Journal::listen(desk.dir.path());
    let stderr = desk.path("stderr");
    let mut cmd = deskmail(&desk, &["run", "--once"]);
    journal.attach(&mut cmd, &stderr);
    let out = run_logged(&mut cmd);
    let entries = journal.settled();
    assert_eq!(out.status.code(), Some(2), "{}", show(&entries));
    let fatal = entries
        .iter()
        .find(|e| e.priority() <= 3)
        .unwrap_or_else(|| panic!("an err entry: {}", show(&entries)));
    let error = fatal.get("ERROR").unwrap_or_default();
    assert!(
        error.contains("configuration refused") && error.contains("no_such_key"),
        "{fatal:?}"
    );
}

#[test]
fn the_emergency_brake_is_critical_in_the_journal() {
    let desk = Desk::braking();
    let journal = Journal::listen(desk.dir.path());
    let mut cmd = deskmail(&desk, &["--now", MONDAY, "run", "--once"]);
    journal.attach(&mut cmd, &desk.path("stderr"));
    let out = run_logged(&mut cmd);
    let entries = journal.settled();
    assert!(out.status.success(), "{}", show(&entries));
    let brake: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.message().contains("EMERGENCY BRAKE"))
        .collect();
    assert_eq!(brake.len(), 1, "{}", show(&entries));
    assert_eq!(brake[0].priority(), 2, "crit: {:?}", brake[0]);
    assert!(
        brake[0]
            .get("REASON")
            .is_some_and(|r| r.contains("max_per_hour = 2")),
        "{:?}",
        brake[0]
    );
    // `journalctl -p err` shows the brake and nothing of the ordinary work
    let severe: Vec<&Entry> = entries.iter().filter(|e| e.priority() <= 3).collect();
    assert_eq!(severe.len(), 1, "{}", show(&entries));
}

#[test]
fn a_database_that_cannot_be_written_is_an_err_entry_while_the_daemon_waits() {
    let Some(()) = common::root("mounts a small tmpfs as the database's disk, which needs root")
    else {
        return;
    };
    let desk = Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1"),
    );
    let disk = Tmpfs::mount(&desk.path("var"), "16m");
    let journal = Journal::listen(desk.dir.path());
    let mut cmd = deskmail(&desk, &["run"]);
    journal.attach(&mut cmd, &desk.path("stderr"));
    let daemon = Daemon::spawn(&mut cmd);
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "db-1@example.com",
        "Hallo.",
    ));
    let first = journal.wait_for(Duration::from_secs(20), |e| {
        e.message().starts_with("decided")
    });
    assert!(first.is_some(), "{}", show(&journal.entries()));

    disk.fill();
    desk.deliver(&person_mail(
        "Piet <piet@example.com>",
        "Scanner",
        "db-2@example.com",
        "Hallo.",
    ));
    let unwritable = journal.wait_for(Duration::from_secs(20), |e| {
        e.message().contains("DATABASE CANNOT BE WRITTEN")
    });
    disk.free();
    let (code, _) = daemon.stop();
    let entries = journal.settled();
    let unwritable = unwritable.unwrap_or_else(|| panic!("{}", show(&entries)));
    assert_eq!(unwritable.priority(), 3, "err: {unwritable:?}");
    assert!(
        unwritable
            .get("DATABASE")
            .is_some_and(|d| d.ends_with("var/deskmail.sqlite"))
            && unwritable.get("TROUBLE").is_some(),
        "{unwritable:?}"
    );
    assert_eq!(code, Some(0), "{}", show(&entries));
}

#[test]
fn a_journal_stream_of_someone_else_is_not_the_journal() {
    // a shell started from the service (or `systemctl edit`'s ExecStart= wrapping deskmail in a
    // pipe) inherits JOURNAL_STREAM without the stream: text on stderr, as on a terminal
    let desk = Desk::new();
    two_mails(&desk);
    let journal = Journal::listen(desk.dir.path());
    let mut cmd = deskmail(&desk, &["--now", MONDAY, "run", "--once"]);
    journal.attach_stale(&mut cmd);
    let out = run_logged(&mut cmd);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("decided"), "{log}");
    assert!(journal.settled().is_empty());
}

#[test]
fn text_lines_quote_the_values_that_hold_spaces() {
    let desk = Desk::new();
    two_mails(&desk);
    let out = run_logged(&mut deskmail(&desk, &["--now", MONDAY, "run", "--once"]));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let decided: Vec<&str> = log.lines().filter(|l| l.contains(" decided ")).collect();
    assert_eq!(decided.len(), 2, "{log}");
    for line in decided {
        let reason = line
            .split_once(" reason=")
            .map(|(_, r)| r)
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            reason.starts_with('"') && reason.contains(' '),
            "a reason is several words, quoted: {line}"
        );
    }
}

#[test]
fn json_log_lines_are_one_object_each_with_level_and_fields() {
    let desk = Desk::new();
    two_mails(&desk);
    let out = run_logged(&mut deskmail(
        &desk,
        &[
            "--log-format",
            "json",
            "-v",
            "--now",
            MONDAY,
            "run",
            "--once",
        ],
    ));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() > 3, "{log}");
    for line in &lines {
        assert!(
            line["level"].is_string() && line["fields"].is_object(),
            "{line}"
        );
    }
    let decided: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "decided")
        .collect();
    assert_eq!(decided.len(), 2, "{log}");
    assert!(
        decided
            .iter()
            .any(|d| d["fields"]["decision"] == "portal_reply"
                && d["fields"]["message_id"] == "jan-1@example.com"),
        "{log}"
    );
    assert!(!log.contains(BODY), "{log}");

    // and the error that ends deskmail is a JSON line too
    let desk = Desk::with_config("\n[limits]\nno_such_key = 1\n");
    let out = run_logged(&mut deskmail(
        &desk,
        &["--log-format", "json", "run", "--once"],
    ));
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{log}");
    let last: serde_json::Value = log
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(last["level"], "ERROR", "{log}");
    assert!(
        last["fields"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("no_such_key")),
        "{log}"
    );
}
