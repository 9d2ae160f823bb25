//! `deskmail run` as a daemon: it picks up mail as it arrives and stops cleanly on SIGTERM.

mod common;
use common::{BASE_CONFIG, Daemon, Desk, person_mail};
use std::time::{Duration, Instant};

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A polling daemon that has answered its first mail (Message-ID `message_id`).
fn daemon_at_work(message_id: &str) -> (Desk, Daemon) {
    let desk = Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1"),
    );
    let daemon = Daemon::start(&desk.config);
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Screen",
        message_id,
        "My screen stays black.",
    ));
    wait_for("the first reply", Duration::from_secs(20), || {
        desk.sent().len() == 1
    });
    (desk, daemon)
}

#[test]
fn the_daemon_answers_new_mail_while_running_and_stops_on_sigterm() {
    let (desk, daemon) = daemon_at_work("d-1@example.com");
    desk.deliver(&person_mail(
        "Bob <bob@example.com>",
        "Mouse",
        "d-2@example.com",
        "My mouse stopped working.",
    ));
    wait_for("the second reply", Duration::from_secs(20), || {
        desk.sent().len() == 2
    });

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "clean exit on SIGTERM: {log}");
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("deskmail stopped decided=2"), "{log}");
}

#[test]
fn sighup_reloads_templates_and_refuses_a_bad_config() {
    let base = BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1");
    let desk = Desk::with_full_config(&format!("{base}\n[templates]\npath = \"templates\"\n"));
    std::fs::create_dir_all(desk.path("templates/nl")).expect("mkdir");
    let daemon = Daemon::start(&desk.config);
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Scherm",
        "h-1@example.com",
        "Mijn scherm blijft zwart.",
    ));
    wait_for("the first reply", Duration::from_secs(20), || {
        desk.sent().len() == 1
    });
    assert!(desk.sent()[0].text.starts_with("Beste Ann,"));

    // a new template, then SIGHUP: the next reply uses it
    std::fs::write(
        desk.path("templates/nl/portal_reply.txt"),
        "Hallo {{ first_name }}, nieuw sjabloon.\n",
    )
    .expect("write");
    daemon.signal("HUP");
    std::thread::sleep(Duration::from_millis(500));
    desk.deliver(&person_mail(
        "Bob <bob@example.com>",
        "Muis",
        "h-2@example.com",
        "Mijn muis doet het niet.",
    ));
    wait_for("the second reply", Duration::from_secs(20), || {
        desk.sent().len() == 2
    });
    assert!(
        desk.sent()[1]
            .text
            .starts_with("Hallo Bob, nieuw sjabloon."),
        "{}",
        desk.sent()[1].text
    );

    // a broken config on SIGHUP is refused; the running one stays in use
    let good = std::fs::read_to_string(&desk.config).expect("config");
    std::fs::write(&desk.config, good.replace("Europe/Amsterdam", "Mars/Base")).expect("write");
    daemon.signal("HUP");
    std::thread::sleep(Duration::from_millis(500));
    desk.deliver(&person_mail(
        "Cor <cor@example.com>",
        "Toetsenbord",
        "h-3@example.com",
        "Mijn toetsenbord hapert.",
    ));
    wait_for("the third reply", Duration::from_secs(20), || {
        desk.sent().len() == 3
    });
    assert!(
        desk.sent()[2]
            .text
            .starts_with("Hallo Cor, nieuw sjabloon.")
    );

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("configuration reloaded"), "{log}");
    let refused = log
        .lines()
        .find(|l| l.contains("reload refused"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        refused.contains("ERROR") && refused.contains("desk.timezone"),
        "{refused}"
    );
}

#[test]
fn a_second_daemon_on_the_same_database_exits_at_once_naming_the_first() {
    let (desk, daemon) = daemon_at_work("lock-1@example.com");
    for args in [&["run"][..], &["run", "--once"][..]] {
        let start = Instant::now();
        let out = desk.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}",
            start.elapsed()
        );
        assert!(
            err.contains("another deskmail already runs on the database")
                && err.contains(&format!("pid {}", daemon.pid())),
            "{args:?}: {err}"
        );
    }
    // looking works beside the daemon, and so does a dry run
    desk.ok(&["tickets", "list"]);
    desk.ok(&["outbox", "list"]);
    desk.ok(&["run", "--once", "--dry-run"]);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(desk.sent().len(), 1, "nothing sent twice");
    // once the first is gone, the database is free again
    desk.ok(&["run", "--once"]);
}
