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

#[test]
fn the_daemon_answers_new_mail_while_running_and_stops_on_sigterm() {
    let desk = Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\npoll_seconds = 1"),
    );
    let daemon = Daemon::start(&desk.config);
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Screen",
        "d-1@example.com",
        "My screen stays black.",
    ));
    wait_for("the first reply", Duration::from_secs(20), || {
        desk.sent().len() == 1
    });
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
    assert!(
        log.contains("reload refused") && log.contains("desk.timezone"),
        "{log}"
    );
}
