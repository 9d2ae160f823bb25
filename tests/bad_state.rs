//! A database from a newer deskmail, a Maildir that is not there, a damaged ticket: each gets a
//! clear error that names the fix, and none of them keeps what is due from being sent.

mod common;
use common::{BASE_CONFIG, Desk, laptop_form, person_mail};

fn db(desk: &Desk) -> rusqlite::Connection {
    rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open the database")
}

#[test]
fn a_database_from_a_newer_deskmail_is_refused_with_exit_2_and_left_alone() {
    let desk = Desk::new();
    desk.ok(&["run", "--once"]);
    db(&desk)
        .pragma_update(None, "user_version", 99)
        .expect("set version");
    for args in [&["run", "--once"][..], &["tickets", "list"][..]] {
        let out = desk.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("schema version 99, newer than this deskmail"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("to migrate"), "{args:?}: {err}");
    }
    let version: i64 = db(&desk)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 99, "left as it was");
}

#[test]
fn a_missing_inbound_maildir_is_an_error_that_names_the_key_not_a_new_empty_folder() {
    let desk = Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"no/such/inbox\""),
    );
    let out = desk.run(&["run", "--once"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("inbound.path")
            && err.contains("no/such/inbox")
            && err.contains("does not exist"),
        "{err}"
    );
    assert!(!desk.path("no").exists(), "nothing made up");
}

#[test]
fn a_damaged_ticket_does_not_keep_due_answers_from_going_out() {
    let desk = Desk::new();
    desk.deliver(&laptop_form(
        "damage-form@example.org",
        "fatima@example.com",
    ));
    desk.run_once_at("2026-11-24T10:00:00+01:00");
    let before = desk.sent();
    db(&desk)
        .execute("UPDATE tickets SET target = 'not a time'", [])
        .expect("damage the ticket");
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "damage-person@example.com",
        "De printer doet het niet.",
    ));
    let out = desk.run(&["--now", "2026-11-24T11:00:00+01:00", "run", "--once"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the damage is reported: {err}");
    assert!(err.contains("SCHEDULER FAILED"), "{err}");
    let new = desk.sent_since(&before);
    assert_eq!(new.len(), 1, "the portal reply went out anyway: {new:#?}");
    assert_eq!(new[0].to, ["jan@example.com"]);
}

#[test]
fn unreadable_mail_left_at_the_source_by_a_crash_still_goes_to_the_error_folder() {
    let desk = Desk::with_full_config(&BASE_CONFIG.replace(
        "path = \"inbox\"",
        "path = \"inbox\"\nmax_message_bytes = 2048",
    ));
    let big = person_mail(
        "Jan <jan@example.com>",
        "Scan",
        "crash-big@example.com",
        &"x".repeat(10_000),
    );
    desk.deliver(&big);
    desk.ok(&["run", "--once"]);
    let error_cur = desk.path("inbox/.Error/cur");
    let set_aside: Vec<_> = std::fs::read_dir(&error_cur)
        .expect("error folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(set_aside.len(), 1, "quarantined and set aside");
    // as if deskmail had died between recording the quarantine and moving the file
    let name = set_aside[0].file_name().expect("name").to_owned();
    std::fs::rename(&set_aside[0], desk.path("inbox/new").join(&name)).expect("move back");
    desk.ok(&["run", "--once"]);
    assert_eq!(
        std::fs::read_dir(&error_cur)
            .map(|d| d.count())
            .unwrap_or(0),
        1,
        "set aside again, not filed as processed"
    );
    assert_eq!(
        std::fs::read_dir(desk.path("inbox/cur"))
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
}

#[test]
fn a_dry_run_creates_no_database_and_still_shows_every_decision() {
    let desk = Desk::new();
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "dry-1@example.com",
        "De printer doet het niet.",
    ));
    let out = desk.run(&["run", "--once", "--dry-run"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("decision=\"portal_reply\""), "{log}");
    assert!(
        !desk.path("var/deskmail.sqlite").exists(),
        "the dry run left no database behind"
    );
    assert!(desk.sent().is_empty());
}
