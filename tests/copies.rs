//! A copy of a mail is the same Message-ID from the same sender with the same text. A different
//! mail sent first under someone else's Message-ID (an outsider, a list that rewrote it) does
//! not make deskmail drop the real one as "already processed".

mod common;
use common::{Desk, laptop_form, person_mail};

fn reply(from: &str, message_id: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: servicedesk@example.org\nSubject: Re: [SD-1000] Laptop\n\
         Date: Tue, 24 Nov 2026 11:00:00 +0100\nMessage-ID: <{message_id}>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

#[test]
fn a_borrowed_message_id_does_not_swallow_the_real_reply_and_a_true_copy_is_kept_but_not_answered()
{
    let desk = Desk::new();
    desk.deliver(&laptop_form(
        "copies-form@example.org",
        "fatima@example.com",
    ));
    desk.run_once_at("2026-11-24T10:00:00+01:00");
    let before = desk.sent();

    // an outsider gets in first with the Message-ID of Fatima's coming reply
    desk.deliver(&reply(
        "Mallory <mallory@example.net>",
        "fatima-reply-1@example.com",
        "Ignore this ticket.",
    ));
    desk.deliver(&reply(
        "Fatima el Amrani <fatima@example.com>",
        "fatima-reply-1@example.com",
        "De laptop piept nu ook bij het opstarten.",
    ));
    // and a true copy of Fatima's reply (a second delivery)
    desk.deliver(&reply(
        "Fatima el Amrani <fatima@example.com>",
        "fatima-reply-1@example.com",
        "De laptop piept nu ook bij het opstarten.",
    ));
    let out = desk.run(&["--now", "2026-11-24T11:05:00+01:00", "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let new = desk.sent_since(&before);
    let passed_on: Vec<_> = new
        .iter()
        .filter(|m| m.text.contains("De laptop piept nu ook"))
        .collect();
    assert_eq!(
        passed_on.len(),
        1,
        "Fatima's reply reaches the agents once: {new:#?}"
    );
    assert_eq!(passed_on[0].to, ["agents@example.org"]);
    assert!(log.contains("a copy: already processed"), "{log}");
    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(show.contains("fatima@example.com"), "{show}");
    // all three are kept, each with its decision
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("db");
    let rows: i64 = db
        .query_row(
            "SELECT count(*) FROM inbound WHERE message_id = 'fatima-reply-1@example.com'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rows, 3);

    // a person's loose mail delivered twice is answered once
    let before = desk.sent();
    for _ in 0..2 {
        desk.deliver(&person_mail(
            "Jan <jan@example.com>",
            "Printer",
            "jan-twice@example.com",
            "De printer doet het niet.",
        ));
    }
    desk.run_once_at("2026-11-24T11:10:00+01:00");
    let new = desk.sent_since(&before);
    assert_eq!(new.len(), 1, "{new:#?}");
}
