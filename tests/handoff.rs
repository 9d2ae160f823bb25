//! Mail deskmail cannot tell from a robot's, and calendar invitations, get no portal link:
//! they are handed to the agents' queue, bundled, at most one mail an hour.

mod common;
use common::{Desk, person_mail};

const T0: &str = "2026-11-24T10:00:00+01:00";

fn invitation(message_id: &str, from: &str, subject: &str) -> String {
    format!(
        "From: {from}\nTo: servicedesk@example.org\nSubject: {subject}\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0100\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\n\n\
         --b1\nContent-Type: text/plain; charset=utf-8\n\nYou are invited to: {subject}\n\
         --b1\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\n\n\
         BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:{subject}\n\
         DTSTART:20261201T090000Z\nEND:VEVENT\nEND:VCALENDAR\n--b1--\n"
    )
}

fn explain(desk: &Desk, file: &std::path::Path) -> serde_json::Value {
    let out = desk.ok(&["--now", T0, "explain", "--json", &file.to_string_lossy()]);
    serde_json::from_str(&out).expect("explain --json")
}

#[test]
fn unclear_mail_and_invitations_reach_the_agents_in_one_hourly_bundle_and_nobody_is_answered() {
    let desk = Desk::new();
    let invite = desk.deliver(&invitation(
        "invite-1@example.com",
        "Piet de Boer <piet@example.com>",
        "Overleg printers",
    ));
    let doubtful = desk.deliver(&person_mail(
        "Karin <karin@example.com>",
        "Nieuwe laptop",
        "doubt-1@example.com",
        "Mijn nieuwe laptop is binnen.\n\nTo unsubscribe from these emails, click here.",
    ));
    let person = desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "person-1@example.com",
        "De printer doet het niet.",
    ));
    assert_eq!(explain(&desk, &invite)["decision"], "handoff");
    assert_eq!(explain(&desk, &doubtful)["decision"], "handoff");
    assert_eq!(explain(&desk, &person)["decision"], "portal_reply");

    desk.run_once_at(T0);
    let sent = desk.sent();
    let to_senders: Vec<_> = sent
        .iter()
        .filter(|m| m.to.iter().any(|t| t != "agents@example.org"))
        .collect();
    assert_eq!(
        to_senders.len(),
        1,
        "only the person is answered: {sent:#?}"
    );
    assert_eq!(to_senders[0].to, ["jan@example.com"]);
    let bundles: Vec<_> = sent
        .iter()
        .filter(|m| m.to == ["agents@example.org"])
        .collect();
    assert_eq!(bundles.len(), 1, "{sent:#?}");
    let bundle = bundles[0];
    assert!(bundle.subject.contains("2 mails"), "{}", bundle.subject);
    for text in [
        "piet@example.com",
        "Overleg printers",
        "karin@example.com",
        "Mijn nieuwe laptop is binnen.",
    ] {
        assert!(bundle.text.contains(text), "{text}: {}", bundle.text);
        assert!(bundle.html.contains(text), "{text}: {}", bundle.html);
    }
    assert!(!bundle.text.contains("jan@example.com"), "{}", bundle.text);
    assert_eq!(
        bundle.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );

    // more within the hour: kept for the next bundle, not a mail each
    let before = desk.sent();
    desk.deliver(&invitation(
        "invite-2@example.com",
        "Anja <anja@example.com>",
        "Cancelled: overleg",
    ));
    desk.run_once_at("2026-11-24T10:20:00+01:00");
    assert!(desk.sent_since(&before).is_empty(), "{:#?}", desk.sent());
    desk.run_once_at("2026-11-24T10:40:00+01:00");
    assert!(desk.sent_since(&before).is_empty());
    // after the hour: one bundle with only what is new
    desk.run_once_at("2026-11-24T11:05:00+01:00");
    let later = desk.sent_since(&before);
    assert_eq!(later.len(), 1, "{later:#?}");
    assert!(later[0].subject.contains("1 mail"), "{}", later[0].subject);
    assert!(
        later[0].text.contains("anja@example.com"),
        "{}",
        later[0].text
    );
    assert!(
        !later[0].text.contains("piet@example.com"),
        "{}",
        later[0].text
    );
    // and nothing once all is told
    let before = desk.sent();
    desk.run_once_at("2026-11-24T13:00:00+01:00");
    assert!(desk.sent_since(&before).is_empty());
}
