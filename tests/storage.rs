//! The database on a full disk and on a read-only file system: deskmail says what is wrong and
//! what to do, loses no mail (it stays at the source until its decision is committed), answers
//! it once the disk is usable again, and leaves a database that passes SQLite's integrity check.
//! The disk is a small tmpfs mounted over the desk's `var/`; mounting needs root, as the test
//! servers do: without root these tests skip (`common::skip`), and fail under `scripts/test`.

mod common;
use common::tmpfs::Tmpfs;
use common::{BASE_CONFIG, Daemon, Desk, header, person_mail};
use std::time::{Duration, Instant};

/// At the start of each test: `Some(())` as root, who may mount the tmpfs; else the test skips.
fn can_mount() -> Option<()> {
    common::root("mounts a small tmpfs as its disk, which needs root")
}

fn desk() -> Desk {
    Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1"),
    )
}

fn deliver(desk: &Desk, range: std::ops::Range<usize>) {
    for i in range {
        desk.deliver(&person_mail(
            &format!("Piet <piet{i}@example.net>"),
            &format!("Vraag {i}"),
            &format!("disk-{i}@example.net"),
            "Mijn laptop start niet op.",
        ));
    }
}

fn waiting_in_inbox(desk: &Desk) -> usize {
    std::fs::read_dir(desk.path("inbox/new")).map_or(0, Iterator::count)
}

/// Wait for `n` replies in all; on a timeout, fail with the daemon's log.
fn wait_for_sent(desk: &Desk, n: usize, daemon: Daemon) -> Daemon {
    let start = Instant::now();
    while desk.sent().len() < n {
        if start.elapsed() > Duration::from_secs(60) {
            let (_, log) = daemon.stop();
            panic!("{} of {n} replies after a minute: {log}", desk.sent().len());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    daemon
}

/// SQLite's own check, and every mail answered by exactly one reply.
fn assert_sound(desk: &Desk, mails: usize) {
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("database");
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "the database is sound");
    let recorded: i64 = db
        .query_row("SELECT count(*) FROM inbound", [], |r| r.get(0))
        .expect("count");
    assert_eq!(recorded, mails as i64, "every mail recorded once");
    let sent = desk.sent();
    let mut answered: Vec<String> = sent
        .iter()
        .filter_map(|m| header(&m.raw, "In-Reply-To"))
        .collect();
    answered.sort();
    answered.dedup();
    assert_eq!(
        (sent.len(), answered.len()),
        (mails, mails),
        "one reply per mail"
    );
    assert_eq!(waiting_in_inbox(desk), 0, "nothing left at the source");
}

#[test]
fn a_full_disk_loses_no_mail_and_deskmail_carries_on_when_there_is_room() {
    let Some(()) = can_mount() else { return };
    let desk = desk();
    let disk = Tmpfs::mount(&desk.path("var"), "16m");
    deliver(&desk, 0..3);
    desk.ok(&["run", "--once"]);
    assert_eq!(desk.sent().len(), 3);

    // full before the start: a one-shot run says so and exits 1, the mail stays
    disk.fill();
    deliver(&desk, 3..13);
    let once = desk.run(&["run", "--once"]);
    let err = String::from_utf8_lossy(&once.stderr);
    assert_eq!(once.status.code(), Some(1), "{err}");
    assert!(
        err.contains("var/deskmail.sqlite") && err.contains("the disk is full; free space"),
        "names the file and the fix: {err}"
    );
    assert_eq!(waiting_in_inbox(&desk), 10, "the mail waits at the source");
    assert_eq!(desk.sent().len(), 3, "nothing sent that is not recorded");
    disk.free();

    // full while the daemon runs: it waits, says why, and carries on when there is room
    let daemon = wait_for_sent(&desk, 13, Daemon::start(&desk.config));
    disk.fill();
    deliver(&desk, 13..33);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        desk.sent().len(),
        13,
        "nothing answered while nothing can be recorded"
    );
    assert_eq!(waiting_in_inbox(&desk), 20, "the mail waits at the source");
    disk.free();
    let daemon = wait_for_sent(&desk, 33, daemon);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("DATABASE CANNOT BE WRITTEN") && log.contains("the disk is full"),
        "{log}"
    );
    assert!(log.contains("database writable again"), "{log}");
    assert_sound(&desk, 33);
}

#[test]
fn a_read_only_database_is_refused_clearly_and_taken_up_again_when_writable() {
    let Some(()) = can_mount() else { return };
    let desk = desk();
    let disk = Tmpfs::mount(&desk.path("var"), "16m");
    deliver(&desk, 0..3);
    desk.ok(&["run", "--once"]);

    disk.remount("ro");
    deliver(&desk, 3..8);
    let once = desk.run(&["run", "--once"]);
    let err = String::from_utf8_lossy(&once.stderr);
    assert_eq!(once.status.code(), Some(1), "{err}");
    assert!(
        err.contains("var/deskmail.sqlite")
            && err.contains("read-only; give the deskmail user write access"),
        "names the file and the fix: {err}"
    );
    assert_eq!(waiting_in_inbox(&desk), 5, "the mail waits at the source");
    // looking does not need writing
    let listed = desk.run(&["outbox", "list", "--all", "--json"]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );

    disk.remount("rw");
    desk.ok(&["run", "--once"]);
    assert_sound(&desk, 8);
}

#[test]
fn a_mail_the_store_cannot_mark_sent_is_not_sent_again_while_it_waits() {
    let Some(()) = can_mount() else { return };
    // a reply waits in the outbox: its first try went to a closed port (a temporary failure)
    let smtp = BASE_CONFIG.replace(
        "[outbound]\nkind = \"maildir\"\npath = \"outbox\"",
        "[outbound]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"",
    );
    assert_ne!(smtp, BASE_CONFIG, "the base config has a Maildir outbound");
    let desk = Desk::with_full_config(
        &smtp.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1"),
    );
    let disk = Tmpfs::mount(&desk.path("var"), "16m");
    deliver(&desk, 0..1);
    // the retry is due a minute after the first try: ten seconds from now
    let earlier = (chrono::Utc::now() - chrono::Duration::seconds(50)).to_rfc3339();
    desk.ok(&["--now", &earlier, "run", "--once"]);
    assert!(desk.sent().is_empty());

    // now it can go (Maildir), but the store cannot record that it went
    let config = std::fs::read_to_string(&desk.config).expect("config");
    std::fs::write(
        &desk.config,
        config.replace(
            "kind = \"smtp\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"",
            "kind = \"maildir\"\npath = \"outbox\"",
        ),
    )
    .expect("config");
    let daemon = Daemon::start(&desk.config);
    std::thread::sleep(Duration::from_secs(2));
    assert!(desk.sent().is_empty(), "not due yet");
    disk.fill();
    std::thread::sleep(Duration::from_secs(16));
    assert_eq!(desk.sent().len(), 1, "sent once, not once per retry");
    disk.free();
    let daemon = wait_for_recorded(&desk, daemon);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("sent earlier; now recorded"), "{log}");
    assert_eq!(desk.sent().len(), 1, "{log}");
}

#[test]
fn a_full_outbound_maildir_holds_the_replies_back_whole_and_sends_each_once_when_there_is_room() {
    let Some(()) = can_mount() else { return };
    let desk = desk();
    let disk = Tmpfs::mount(&desk.path("outbox"), "1m");
    deliver(&desk, 0..2);
    desk.ok(&["run", "--once"]);
    assert_eq!(desk.sent().len(), 2);

    // the replies of a whole batch cannot be written: they wait, none half-written in sight
    disk.fill();
    deliver(&desk, 2..12);
    let once = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&once.stderr);
    assert!(once.status.success(), "{log}");
    assert!(
        log.contains("send failed, will retry")
            && log.contains("cannot write to outbound Maildir")
            && log.contains("outbox"),
        "says which folder: {log}"
    );
    assert_eq!(desk.sent().len(), 2, "{log}");
    let tmp = || std::fs::read_dir(desk.path("outbox/tmp")).map_or(0, Iterator::count);
    assert_eq!(tmp(), 0, "no partial reply left in tmp/");
    assert_eq!(waiting_in_inbox(&desk), 0, "decided and recorded: {log}");

    // room again: the retries, due a minute later, go out once each
    disk.free();
    let later = (chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339();
    desk.ok(&["--now", &later, "run", "--once"]);
    assert_sound(&desk, 12);
    assert_eq!(tmp(), 0);
}

/// Wait until the outbox says every mail was sent; on a timeout, fail with the daemon's log.
fn wait_for_recorded(desk: &Desk, daemon: Daemon) -> Daemon {
    let start = Instant::now();
    loop {
        let listed = desk.run(&["outbox", "list", "--json"]);
        let pending: serde_json::Value =
            serde_json::from_slice(&listed.stdout).unwrap_or(serde_json::Value::Null);
        if pending["mails"].as_array().is_some_and(Vec::is_empty) {
            return daemon;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let (_, log) = daemon.stop();
            panic!("still waiting after a minute: {pending}\n{log}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
