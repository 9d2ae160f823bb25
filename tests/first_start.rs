//! A desk that points deskmail at its real mailbox must not mail anyone about what was already
//! there (`inbound.since = "first_start"`, the default), nor answer mail that waited too long
//! (`inbound.max_age_days`). Maildir by delivery time, IMAP by UID against the real Dovecot;
//! a dry run shows what the first start would do; the operator sees the counts.

mod common;
use common::mailstack::{self, imap_config, new_user, smtp_send, wait_for_mail};
use common::{BASE_CONFIG, Desk, person_mail, portal_mail};
use std::time::{Duration, SystemTime};

/// The test desk with the shipped defaults for the age rules.
fn default_ages() -> String {
    let text = BASE_CONFIG
        .replace("since = \"all\"\n", "")
        .replace("max_age_days = 0\n", "");
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("since") || l.starts_with("max_age_days")),
        "{text}"
    );
    text
}

fn days_ago(days: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(days * 24 * 3600)
}

fn files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn mail_already_in_a_maildir_at_the_first_start_is_recorded_and_never_answered() {
    let desk = Desk::with_full_config(&default_ages());
    // years of history, and a portal form from back then
    for i in 0..3 {
        desk.deliver(&person_mail(
            &format!("Old Timer {i} <old{i}@example.com>"),
            "Printer",
            &format!("history-{i}@example.com"),
            "The printer was broken in 2023.",
        ));
    }
    desk.deliver(&portal_mail(
        "history-form@example.org",
        &[
            ("Naam", "Oud Formulier"),
            ("E-mail", "form@example.com"),
            ("Categorie", "hardware"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", "Oud"),
            ("Omschrijving", "Van lang geleden."),
        ],
    ));

    // the dry run shows what the first start will do, and does nothing
    let dry = desk.run(&["run", "--once", "--dry-run"]);
    let log = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{log}");
    assert_eq!(
        log.matches("before deskmail first ran").count(),
        4,
        "each old mail is shown with the reason: {log}"
    );
    assert_eq!(desk.sent().len(), 0);

    let out = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("first start on this database"), "{log}");
    assert_eq!(desk.sent().len(), 0, "nobody is mailed about old mail");
    assert_eq!(desk.tickets_json().as_array().map(Vec::len), Some(0));
    // left as the desk left it: still new, unflagged
    assert_eq!(files(&desk.path("inbox/new")), 4);
    let outbox = desk.ok(&["outbox", "list"]);
    assert!(
        outbox.contains("not answered: 4 mail(s) were in the mailbox before deskmail first ran"),
        "{outbox}"
    );

    // mail that comes after the first start is answered, and only it
    desk.deliver_at(
        &person_mail(
            "Nieuw <nieuw@example.com>",
            "Scherm",
            "after-start@example.com",
            "Mijn scherm blijft zwart.",
        ),
        SystemTime::now() + Duration::from_secs(2),
    );
    desk.ok(&["run", "--once"]);
    let sent = desk.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].to, ["nieuw@example.com"]);
    // and the old ones stay unanswered, and untouched, on every later run
    desk.ok(&["run", "--once"]);
    assert_eq!(desk.sent().len(), 1);
    assert_eq!(files(&desk.path("inbox/new")), 4);
}

#[test]
fn mail_older_than_max_age_days_gets_no_portal_reply_and_no_confirmation_but_reaches_the_agents() {
    let desk = Desk::with_full_config(
        &default_ages().replace("path = \"inbox\"", "path = \"inbox\"\nsince = \"all\""),
    );
    desk.deliver_at(
        &person_mail(
            "Late <late@example.com>",
            "Printer",
            "ten-days@example.com",
            "Is anyone there?",
        ),
        days_ago(10),
    );
    desk.deliver_at(
        &portal_mail(
            "old-form@example.org",
            &[
                ("Naam", "Laat Formulier"),
                ("E-mail", "lateform@example.com"),
                ("Categorie", "hardware"),
                ("Prioriteit", "normaal"),
                ("Onderwerp", "Laat"),
                ("Omschrijving", "Tien dagen oud."),
            ],
        ),
        days_ago(10),
    );
    desk.deliver_at(
        &person_mail(
            "Recent <recent@example.com>",
            "Printer",
            "one-day@example.com",
            "The printer jams.",
        ),
        days_ago(1),
    );
    let out = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert_eq!(log.matches("inbound.max_age_days").count(), 2, "{log}");
    let sent = desk.sent();
    let to_people: Vec<_> = sent
        .iter()
        .filter(|m| m.to != ["agents@example.org"])
        .collect();
    assert_eq!(to_people.len(), 1, "{sent:#?}");
    assert_eq!(to_people[0].to, ["recent@example.com"]);
    assert_eq!(desk.tickets_json().as_array().map(Vec::len), Some(0));
    // a person asked, though late: the agents see both in their bundle
    let bundle: Vec<_> = sent
        .iter()
        .filter(|m| m.to == ["agents@example.org"])
        .collect();
    assert_eq!(bundle.len(), 1, "{sent:#?}");
    assert!(
        bundle[0].text.contains("late@example.com") && bundle[0].text.contains("Tien dagen oud."),
        "{}",
        bundle[0].text
    );
    // handled at the source like any decided mail, and counted for the operator
    assert_eq!(files(&desk.path("inbox/new")), 0);
    let outbox = desk.ok(&["outbox", "list"]);
    assert!(
        outbox.contains("not answered: 2 mail(s) were older than inbound.max_age_days"),
        "{outbox}"
    );
}

#[test]
fn since_a_date_takes_mail_from_that_day_on_and_a_bad_value_is_refused() {
    let desk = Desk::with_full_config(&default_ages().replace(
        "path = \"inbox\"",
        "path = \"inbox\"\nsince = \"2025-01-01\"\nmax_age_days = 0",
    ));
    desk.deliver(&person_mail(
        "Ancient <ancient@example.com>",
        "Printer",
        "2023@example.com",
        "From 2023.",
    ));
    desk.deliver_at(
        &person_mail(
            "Fresh <fresh@example.com>",
            "Printer",
            "fresh@example.com",
            "From today.",
        ),
        SystemTime::now(),
    );
    let out = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("arrived before inbound.since (2025-01-01)"),
        "{log}"
    );
    let sent = desk.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].to, ["fresh@example.com"]);

    let bad = Desk::with_full_config(&default_ages().replace(
        "path = \"inbox\"",
        "path = \"inbox\"\nsince = \"yesterday\"",
    ));
    let out = bad.run(&["check-config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("inbound.since") && err.contains("first_start"),
        "{err}"
    );
}

#[test]
fn an_imap_mailbox_full_of_old_mail_is_left_alone_and_only_new_mail_is_answered() {
    let Some(()) = mailstack::up() else { return };
    let desk_user = new_user("history");
    let portal = new_user("portal");
    let agents = new_user("agents");
    let jan = new_user("jan");
    let config = imap_config(&desk_user, &portal, &agents, "");
    let config = config.replace("since = \"all\"\n", "");
    assert!(!config.contains("since ="), "{config}");
    let desk = Desk::with_full_config(&config);
    for i in 0..3 {
        smtp_send(
            &jan,
            &[&desk_user],
            &person_mail(
                &format!("Jan <{jan}>"),
                &format!("Oud {i}"),
                &format!("imap-old-{i}@desk.test"),
                "Dit was al lang opgelost.",
            ),
        );
    }
    wait_for_mail(&desk_user, 3, Duration::from_secs(20));

    let dry = desk.run(&["run", "--once", "--dry-run"]);
    let log = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{log}");
    assert_eq!(log.matches("before deskmail first ran").count(), 3, "{log}");

    desk.ok(&["run", "--once"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(mailstack::inbox(&jan).is_empty(), "old mail answered");
    // and it is not fetched again at every start: the cursor moved past it
    let again = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success() && log.contains("read=0"), "{log}");
    // the desk's mailbox is as it was: nothing flagged or moved
    let before = mailstack::folder(&desk_user, "INBOX");
    assert_eq!(before.len(), 3);
    for (_, flags) in &before {
        let flags = flags.join(" ");
        assert!(
            !flags.contains("Deskmail") && !flags.contains("Seen"),
            "{flags}"
        );
    }

    smtp_send(
        &jan,
        &[&desk_user],
        &person_mail(
            &format!("Jan <{jan}>"),
            "Nieuw probleem",
            "imap-new@desk.test",
            "Mijn muis doet het niet.",
        ),
    );
    wait_for_mail(&desk_user, 4, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    let replies = wait_for_mail(&jan, 1, Duration::from_secs(20));
    assert_eq!(replies.len(), 1);
    assert!(
        common::header(&replies[0], "Subject").is_some_and(|s| s.contains("Nieuw probleem")),
        "{}",
        replies[0]
    );
    desk.ok(&["run", "--once"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(mailstack::inbox(&jan).len(), 1, "nothing more");
}
