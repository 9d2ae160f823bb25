//! Portal form mails become tickets with SLA targets; replies thread into them and reach the
//! agents; `tickets list --json` and `tickets show` tell what the store holds.

mod common;
use common::{Desk, person_mail, portal_mail};

const MONDAY_10: &str = "2026-11-23T10:00:00+01:00";

fn dutch_form(id: &str, priority: &str) -> String {
    portal_mail(
        id,
        &[
            ("Naam", "Fatima el Amrani"),
            ("E-mail", "fatima@example.com"),
            ("Categorie", "Hardware"),
            ("Prioriteit", priority),
            ("Onderwerp", "Laptop start niet meer op"),
            (
                "Omschrijving",
                "Mijn laptop blijft hangen op het logo.\nIk heb hem al opnieuw opgestart.",
            ),
        ],
    )
}

#[test]
fn a_portal_form_makes_a_ticket_confirms_it_and_tells_the_agents() {
    let desk = Desk::new();
    desk.deliver(&dutch_form("form-1@portal.example.org", "normaal"));
    desk.run_once_at(MONDAY_10);

    let tickets = desk.tickets_json();
    let list = tickets.as_array().expect("an array");
    assert_eq!(list.len(), 1);
    let t = &list[0];
    assert_eq!(t["ref"], "SD-1000");
    assert_eq!(t["requester"], "fatima@example.com");
    assert_eq!(t["subject"], "Laptop start niet meer op");
    assert_eq!(t["category"], "hardware");
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["status"], "open");
    assert_eq!(t["created"], "2026-11-23T09:00:00Z");
    // normal = 3 working days: Thursday 10:00 Amsterdam
    assert_eq!(t["target"], "2026-11-26T09:00:00Z");

    let sent = desk.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let confirmation = sent
        .iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("confirmation");
    assert_eq!(
        confirmation.subject,
        "[SD-1000] Laptop start niet meer op – ontvangen"
    );
    assert!(
        confirmation.text.starts_with("Beste Fatima,"),
        "{}",
        confirmation.text
    );
    assert!(
        confirmation
            .text
            .contains("donderdag 26 november 2026 om 10:00"),
        "target in words: {}",
        confirmation.text
    );
    assert!(
        confirmation
            .text
            .contains("uiterlijk woensdag 25 november 2026 van ons"),
        "the promise: {}",
        confirmation.text
    );
    assert_eq!(
        confirmation.header("Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    let notice = sent
        .iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("agent notification");
    assert!(
        notice.subject.starts_with("[SD-1000] Nieuwe melding"),
        "{}",
        notice.subject
    );
    assert!(
        notice
            .text
            .contains("Mijn laptop blijft hangen op het logo."),
        "{}",
        notice.text
    );
    // agents reply to a signed address of this ticket (tests/agents/ checks the token)
    assert!(
        notice
            .header("Reply-To")
            .is_some_and(|r| r.contains("servicedesk+SD-1000.") && r.ends_with("@example.org>")),
        "{:?}",
        notice.header("Reply-To")
    );
}

#[test]
fn priorities_and_numbers_follow_the_config_and_english_forms_get_english_mail() {
    let desk = Desk::new();
    desk.deliver(&dutch_form("form-1@portal.example.org", "kritiek"));
    desk.deliver(&portal_mail(
        "form-2@portal.example.org",
        &[
            ("Name", "Ann Smith"),
            ("Email", "ann@example.com"),
            ("Category", "network"),
            ("Priority", "high"),
            ("Subject", "No network in room 4.12"),
            (
                "Description",
                "The wall socket in room 4.12 gives no network since this morning.",
            ),
        ],
    ));
    desk.run_once_at(MONDAY_10);
    let tickets = desk.tickets_json();
    let by_ref = |r: &str| {
        tickets
            .as_array()
            .and_then(|l| l.iter().find(|t| t["ref"] == r))
            .cloned()
            .expect(r)
    };
    // critical = 4 business hours: 14:00 the same day
    assert_eq!(by_ref("SD-1000")["target"], "2026-11-23T13:00:00Z");
    assert_eq!(by_ref("SD-1001")["priority"], "high");
    assert_eq!(by_ref("SD-1001")["target"], "2026-11-24T09:00:00Z");
    let ann = desk
        .sent()
        .into_iter()
        .find(|s| s.to == ["ann@example.com"])
        .expect("confirmation to Ann");
    assert!(ann.text.starts_with("Dear Ann,"), "{}", ann.text);
    assert!(ann.subject.ends_with("– received"), "{}", ann.subject);
}

#[test]
fn an_incomplete_portal_form_makes_no_ticket_and_no_reply() {
    let desk = Desk::new();
    desk.deliver(&portal_mail(
        "form-x@portal.example.org",
        &[("Naam", "Iemand")],
    ));
    let out = desk.run(&["--now", MONDAY_10, "run", "--once"]);
    assert!(out.status.success());
    assert!(desk.sent().is_empty());
    assert_eq!(desk.tickets_json().as_array().map(Vec::len), Some(0));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("portal form lacks field(s): email, category, priority, subject, description"),
        "{log}"
    );
}

#[test]
fn replies_thread_into_the_ticket_and_go_to_the_agents_not_to_the_portal() {
    let desk = Desk::new();
    desk.deliver(&dutch_form("form-1@portal.example.org", "normaal"));
    desk.run_once_at(MONDAY_10);
    let confirmation_id = desk
        .sent()
        .iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("confirmation")
        .message_id
        .clone();
    let before = desk.sent();

    // by subject tag
    desk.deliver(&person_mail(
        "Fatima el Amrani <fatima@example.com>",
        "Re: [SD-1000] Laptop start niet meer op – ontvangen",
        "reply-1@example.com",
        "Het serienummer is 7QX2K93.\n\nOp 23 nov. 2026 schreef Servicedesk Test:\n> We hebben je melding ontvangen",
    ));
    // by In-Reply-To only (a mail client that dropped the tag)
    desk.deliver(&format!(
        "From: Fatima <fatima@example.com>\nTo: servicedesk@example.org\nSubject: nog iets\n\
         Message-ID: <reply-2@example.com>\nIn-Reply-To: <{confirmation_id}>\nReferences: <{confirmation_id}>\n\
         Content-Type: text/plain; charset=utf-8\n\nHij maakt nu ook een piepgeluid.\n"
    ));
    desk.run_once_at("2026-11-23T11:00:00+01:00");
    let new = desk.sent_since(&before);
    assert_eq!(new.len(), 2, "{new:#?}");
    for mail in &new {
        assert_eq!(
            mail.to,
            vec!["agents@example.org"],
            "forwarded to the agents' queue"
        );
        assert!(
            mail.subject.starts_with("[SD-1000] Reactie op"),
            "{}",
            mail.subject
        );
        assert!(!mail.text.contains("selfserviceportaal"));
    }
    assert!(
        new.iter()
            .any(|m| m.text.contains("Het serienummer is 7QX2K93."))
    );
    assert!(new.iter().any(|m| m.text.contains("piepgeluid")));

    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(show.contains("created"), "{show}");
    assert_eq!(
        show.matches(" reply ").count(),
        2,
        "both replies are events: {show}"
    );
    assert!(show.contains("nog iets"), "{show}");
    let json: serde_json::Value =
        serde_json::from_str(&desk.ok(&["tickets", "show", "SD-1000", "--json"])).expect("JSON");
    assert_eq!(
        json["inbound"].as_array().map(Vec::len),
        Some(3),
        "form + two replies: {json}"
    );
}

#[test]
fn an_agents_mail_on_a_ticket_is_kept_and_not_answered() {
    let desk = Desk::new();
    desk.deliver(&dutch_form("form-1@portal.example.org", "normaal"));
    desk.run_once_at(MONDAY_10);
    let before = desk.sent();
    desk.deliver(&person_mail(
        "Anna <anna@example.org>",
        "Re: [SD-1000] Nieuwe melding",
        "agent-1@example.org",
        "Ik pak deze op.",
    ));
    desk.run_once_at("2026-11-23T11:00:00+01:00");
    assert!(desk.sent_since(&before).is_empty());
    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(show.contains("anna@example.org"), "{show}");
}

#[test]
fn a_backup_is_a_complete_consistent_database() {
    let desk = Desk::new();
    desk.deliver(&dutch_form("form-1@portal.example.org", "normaal"));
    desk.run_once_at(MONDAY_10);
    let copy = desk.path("backup.sqlite");
    let out = desk.ok(&["backup", &copy.to_string_lossy()]);
    assert!(out.contains("backup of"), "{out}");
    // the copy works as a database: point a second config at it
    let config = std::fs::read_to_string(&desk.config)
        .expect("config")
        .replace("var/deskmail.sqlite", "backup.sqlite");
    let other = desk.path("backup.toml");
    std::fs::write(&other, config).expect("write");
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args([
            "--config",
            &other.to_string_lossy(),
            "tickets",
            "list",
            "--json",
        ])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    assert_eq!(json[0]["ref"], "SD-1000");
    // never overwrites
    let again = desk.run(&["backup", &copy.to_string_lossy()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}
