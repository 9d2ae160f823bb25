//! The daemon loop run inside the test process, with an in-memory mailbox and transport around
//! a real SQLite database and the real templates: a loose mail, a portal form, machine and
//! unreadable mail, a send refused for a while or for good, and a restart; under plain
//! `cargo test`, with no mail server and nothing to skip.

mod common;
use common::in_process::InProcess;
use common::{inbound_rows, laptop_form, person_mail};

const MONDAY: &str = "2026-11-23T10:00:00+01:00";

fn outbox(d: &InProcess) -> serde_json::Value {
    let listing: serde_json::Value =
        serde_json::from_str(&d.desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    listing["mails"].clone()
}

/// Ann's black screen, a loose mail that gets a portal reply.
fn ann_screen(message_id: &str) -> String {
    person_mail(
        "Ann <ann@example.com>",
        "Scherm",
        message_id,
        "Mijn scherm blijft zwart.",
    )
}

#[tokio::test]
async fn a_loose_mail_gets_one_portal_reply_with_the_prefilled_form_and_is_marked() {
    let mut d = InProcess::new();
    let key = d.deliver(&person_mail(
        "Jan de Vries <jan@example.com>",
        "Printer op 3 doet het niet",
        "mem-1@mail.example.com",
        "Goedemorgen,\n\nDe printer op de derde verdieping geeft een papierstoring.\n\nJan",
    ));
    let totals = d.pass_at(MONDAY).await;

    let sent = d.sent();
    assert_eq!(sent.len(), 1, "one reply: {sent:#?}");
    let reply = &sent[0];
    assert_eq!(reply.to, ["jan@example.com"]);
    assert_eq!(d.outgoing.accepted()[0].recipients, ["jan@example.com"]);
    assert_eq!(reply.subject, "Re: Printer op 3 doet het niet");
    assert!(reply.text.starts_with("Beste Jan,"), "{}", reply.text);
    let url = reply.text[reply
        .text
        .find("https://portal.example.org/printer?")
        .expect("the printer form's link")..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    assert!(url.contains("email=jan%40example.com"), "{url}");
    assert!(url.contains("name=Jan%20de%20Vries"), "{url}");
    assert_eq!(reply.in_reply_to.as_deref(), Some("mem-1@mail.example.com"));

    assert_eq!(d.mailbox.processed(), [key], "marked at the source");
    assert!(d.mailbox.listed().is_empty());
    assert_eq!((totals.read, totals.decided, totals.sent), (1, 1, 1));
}

#[tokio::test]
async fn a_portal_form_makes_a_ticket_confirmed_to_the_requester_and_told_to_the_agents() {
    let mut d = InProcess::new();
    let key = d.deliver(&laptop_form(
        "mem-form-1@portal.example.org",
        "fatima@example.com",
    ));
    d.pass_at(MONDAY).await;

    let tickets = d.desk.tickets_json();
    let list = tickets.as_array().expect("an array");
    assert_eq!(list.len(), 1, "{tickets}");
    assert_eq!(list[0]["ref"], "SD-1000");
    assert_eq!(list[0]["requester"], "fatima@example.com");

    let sent = d.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let confirmation = sent
        .iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("the confirmation");
    assert!(
        confirmation.subject.starts_with("[SD-1000] Laptop"),
        "{}",
        confirmation.subject
    );
    assert!(confirmation.text.starts_with("Beste Fatima,"));
    let notice = sent
        .iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("the notice to the agents' queue");
    assert!(
        notice.subject.starts_with("[SD-1000] Nieuwe melding"),
        "{}",
        notice.subject
    );
    assert_eq!(d.mailbox.processed(), [key]);
}

#[tokio::test]
async fn a_send_that_fails_for_a_while_stays_in_the_outbox_and_goes_out_once_later() {
    let mut d = InProcess::new();
    d.outgoing.fail_next_temporarily(1);
    let key = d.deliver(&ann_screen("mem-retry-1@example.com"));
    let first = d.pass_at(MONDAY).await;
    assert!(d.sent().is_empty(), "refused: {:#?}", d.sent());
    assert_eq!(first.sent, 0);
    // the decision stands: the mail is marked, and the reply waits in the outbox
    assert_eq!(d.mailbox.processed(), [key]);
    let waiting = outbox(&d);
    let list = waiting.as_array().expect("an array");
    assert_eq!(list.len(), 1, "{waiting}");
    assert_eq!(list[0]["state"], "pending", "{waiting}");
    assert_eq!(list[0]["attempts"], 1, "{waiting}");

    // before the backoff ends nothing is tried; after it, the reply goes out, and only once
    d.pass_at("2026-11-23T10:00:30+01:00").await;
    assert_eq!(d.outgoing.attempts(), 1, "no try before the backoff ends");
    d.pass_at("2026-11-23T10:02:00+01:00").await;
    d.pass_at("2026-11-23T10:10:00+01:00").await;
    let sent = d.sent();
    assert_eq!(sent.len(), 1, "sent once: {sent:#?}");
    assert_eq!(sent[0].to, ["ann@example.com"]);
    assert_eq!(outbox(&d), serde_json::json!([]), "nothing left waiting");
}

#[tokio::test]
async fn a_send_refused_for_good_is_given_up_and_the_agents_are_told() {
    let mut d = InProcess::new();
    d.outgoing.fail_next_permanently(1);
    d.deliver(&ann_screen("mem-refused-1@example.com"));
    d.pass_at(MONDAY).await;
    let sent = d.sent();
    assert_eq!(sent.len(), 1, "only the notice: {sent:#?}");
    assert_eq!(sent[0].to, ["agents@example.org"]);
    assert!(
        sent[0]
            .subject
            .starts_with("Mail niet afgeleverd: Re: Scherm"),
        "{}",
        sent[0].subject
    );
    let failed = outbox(&d);
    assert_eq!(failed[0]["state"], "failed", "{failed}");
    d.pass_at("2026-11-23T12:00:00+01:00").await;
    assert_eq!(d.outgoing.attempts(), 2, "not tried again");
}

#[tokio::test]
async fn auto_replies_bounces_and_unreadable_mail_get_no_answer() {
    let mut d = InProcess::new();
    let ooo = d.deliver(
        "From: Jan de Vries <jan@example.com>\nTo: servicedesk@example.org\n\
         Subject: Automatisch antwoord: Re: Printer\nMessage-ID: <mem-ooo-1@example.com>\n\
         Auto-Submitted: auto-replied\nContent-Type: text/plain\n\nIk ben afwezig tot maandag.\n",
    );
    let bounce = d.deliver(
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\nTo: servicedesk@example.org\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <mem-bounce-1@mx.example.com>\n\
         Content-Type: text/plain\n\nThis is the mail system at host mx.example.com.\n",
    );
    let garbage = d.deliver("\u{1}\u{2}\u{3}");
    let totals = d.pass_at(MONDAY).await;
    assert!(d.sent().is_empty(), "no answer: {:#?}", d.sent());
    assert_eq!(d.outgoing.attempts(), 0);
    assert_eq!((totals.decided, totals.quarantined), (2, 1));
    assert_eq!(d.mailbox.processed(), [ooo, bounce], "both marked");
    assert_eq!(d.mailbox.set_aside(), [garbage], "set aside, not lost");
    assert!(d.desk.tickets_json().as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn a_restart_on_the_same_database_processes_nothing_twice() {
    let mut d = InProcess::new();
    let loose = d.deliver(&person_mail(
        "Bob <bob@example.com>",
        "Muis",
        "mem-restart-1@example.com",
        "Mijn muis doet het niet.",
    ));
    let form = d.deliver(&laptop_form(
        "mem-restart-2@portal.example.org",
        "fatima@example.com",
    ));
    d.pass_at(MONDAY).await;
    assert_eq!(d.sent().len(), 3, "a reply, a confirmation, a notice");

    // a stop and a start, and the source shows both mails again (the marks were lost)
    d.restart();
    d.mailbox.unmark_all();
    let again = d.pass_at("2026-11-23T10:05:00+01:00").await;
    assert_eq!(d.sent().len(), 3, "nothing sent twice: {:#?}", d.sent());
    assert_eq!((again.read, again.decided), (2, 0));
    assert_eq!(inbound_rows(&d.desk), 2, "each mail recorded once");
    assert_eq!(d.desk.tickets_json().as_array().map(Vec::len), Some(1));
    assert_eq!(
        d.mailbox.processed(),
        [loose.clone(), form.clone(), loose, form],
        "marked again"
    );
    assert!(d.mailbox.listed().is_empty());
}
