//! Loose mail from a person gets one personal portal reply; machine mail and
//! unreadable mail get none, and nothing is answered twice.

mod common;
use common::{Desk, person_mail};

const MONDAY: &str = "2026-11-23T10:00:00+01:00";

#[test]
fn a_dutch_mail_gets_one_personal_threaded_reply_with_the_prefilled_printer_form() {
    let desk = Desk::new();
    desk.deliver(&person_mail(
        "Jan de Vries <jan@example.com>",
        "Printer op 3 doet het niet",
        "orig-1@mail.example.com",
        "Goedemorgen,\n\nDe printer op de derde verdieping geeft een papierstoring. Kunnen jullie helpen?\n\nGroet,\nJan",
    ));
    desk.run_once_at(MONDAY);
    let sent = desk.sent();
    assert_eq!(sent.len(), 1, "one reply: {sent:#?}");
    let reply = &sent[0];
    assert_eq!(reply.to, vec!["jan@example.com"]);
    assert_eq!(reply.subject, "Re: Printer op 3 doet het niet");
    assert!(reply.text.starts_with("Beste Jan,"), "{}", reply.text);
    assert!(reply.text.contains("selfserviceportaal"), "{}", reply.text);
    let url_start = reply
        .text
        .find("https://portal.example.org/printer?")
        .expect("printer form link");
    let url = reply.text[url_start..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    assert!(url.contains("email=jan%40example.com"), "{url}");
    assert!(url.contains("name=Jan%20de%20Vries"), "{url}");
    assert!(
        url.contains("subject=Printer%20op%203%20doet%20het%20niet"),
        "{url}"
    );
    assert!(url.contains("description=Goedemorgen%2C"), "{url}");
    assert_eq!(
        reply.in_reply_to.as_deref(),
        Some("orig-1@mail.example.com")
    );
    assert_eq!(
        reply.header("References").as_deref(),
        Some("<orig-1@mail.example.com>")
    );
    assert_eq!(
        reply.header("Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert!(reply.header("X-Deskmail-Loop").is_some());
    assert!(reply.html.contains("Beste Jan,"), "HTML part too");
    assert!(
        reply.html.contains("&amp;name=Jan%20de%20Vries"),
        "link escaped in HTML: {}",
        reply.html
    );

    // the same mail again (a second pass, a restart): nothing more
    desk.run_once_at(MONDAY);
    assert_eq!(desk.sent().len(), 1, "answered exactly once");
}

#[test]
fn english_mail_is_answered_in_english_and_other_languages_in_the_desk_language() {
    let desk = Desk::new();
    desk.deliver(&person_mail(
        "\"Miller, Sarah\" <sarah@example.com>",
        "Cannot log in to the VPN",
        "en-1@example.com",
        "Hi, since this morning I cannot log in to the VPN from home. Could you please help me with this?",
    ));
    desk.deliver(&person_mail(
        "Klaus <klaus@example.de>",
        "Drucker",
        "de-1@example.de",
        "Guten Morgen, der Drucker im dritten Stock funktioniert leider nicht mehr. Können Sie mir helfen?",
    ));
    desk.run_once_at(MONDAY);
    let sent = desk.sent();
    assert_eq!(sent.len(), 2);
    let sarah = sent
        .iter()
        .find(|s| s.to == ["sarah@example.com"])
        .expect("reply to Sarah");
    assert!(sarah.text.starts_with("Dear Sarah,"), "{}", sarah.text);
    assert!(
        sarah.text.contains("https://portal.example.org/general?"),
        "general form: {}",
        sarah.text
    );
    assert_eq!(sarah.header("Content-Language").as_deref(), Some("en"));
    let klaus = sent
        .iter()
        .find(|s| s.to == ["klaus@example.de"])
        .expect("reply to Klaus");
    assert!(
        klaus.text.starts_with("Beste Klaus,"),
        "desk default language nl: {}",
        klaus.text
    );
}

#[test]
fn machine_mail_gets_no_answer_and_the_reason_is_recorded() {
    let desk = Desk::new();
    desk.deliver(
        "From: Jan de Vries <jan@example.com>\nTo: servicedesk@example.org\nSubject: Automatisch antwoord: Re: Printer\n\
         Message-ID: <ooo-1@example.com>\nAuto-Submitted: auto-replied\nContent-Type: text/plain\n\nIk ben afwezig tot maandag.\n",
    );
    desk.deliver(
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\nTo: servicedesk@example.org\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce-1@mx.example.com>\n\
         Content-Type: text/plain\n\nThis is the mail system at host mx.example.com.\n",
    );
    desk.deliver(
        "From: Newsletter <news@lists.example.com>\nTo: servicedesk@example.org\nSubject: Our November news\n\
         Message-ID: <list-1@lists.example.com>\nList-Id: <news.lists.example.com>\nList-Unsubscribe: <mailto:u@example.com>\n\
         Content-Type: text/plain\n\nNews.\n",
    );
    let out = desk.run(&["--now", MONDAY, "run", "--once"]);
    assert!(out.status.success());
    assert!(
        desk.sent().is_empty(),
        "no reply to machine mail: {:#?}",
        desk.sent()
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(log.matches("decision=\"ignore\"").count(), 3, "{log}");
    assert!(
        log.contains("Auto-Submitted"),
        "the reason is logged: {log}"
    );
}

#[test]
fn unreadable_mail_is_kept_aside_and_the_rest_goes_on() {
    let desk = Desk::new();
    let garbage = desk.deliver("\u{1}\u{2}\u{3}");
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Hello",
        "ok-1@example.com",
        "My screen stays black, please help me.",
    ));
    let out = desk.run(&["--now", MONDAY, "run", "--once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(desk.sent().len(), 1, "the good mail is still answered");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("quarantine"), "{log}");
    // set aside in the error folder, not lost
    assert!(!garbage.exists());
    let error_dir = desk.path("inbox/.Error/cur");
    assert_eq!(
        std::fs::read_dir(&error_dir)
            .map(|d| d.count())
            .unwrap_or(0),
        1,
        "kept in {error_dir:?}"
    );
    // processed mail is marked seen
    let cur: Vec<String> = std::fs::read_dir(desk.path("inbox/cur"))
        .expect("cur")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cur.len(), 1);
    assert!(cur[0].ends_with(":2,S"), "{cur:?}");
}

#[test]
fn a_dry_run_decides_and_logs_but_sends_and_records_nothing() {
    let desk = Desk::new();
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Printer",
        "dry-1@example.com",
        "The printer is broken again.",
    ));
    let out = desk.run(&["--now", MONDAY, "run", "--once", "--dry-run"]);
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("decision=\"portal_reply\""), "{log}");
    assert!(desk.sent().is_empty(), "a dry run sends nothing");
    assert!(
        desk.path("inbox/new")
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false),
        "mail left in place"
    );
    // the real run afterwards still answers it
    desk.run_once_at(MONDAY);
    assert_eq!(desk.sent().len(), 1);
}

#[test]
fn one_portal_reply_per_sender_a_day() {
    let desk = Desk::new();
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "rl-1@example.com",
        "De printer is stuk.",
    ));
    desk.deliver(&person_mail(
        "Jan <JAN@example.com>",
        "Nog iets",
        "rl-2@example.com",
        "En de scanner ook.",
    ));
    let out = desk.run(&["--now", MONDAY, "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        desk.sent().len(),
        1,
        "the second mail of the day gets no second link"
    );
    assert!(log.contains("already got a portal reply"), "{log}");
    // a day later the same sender is answered again
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Weer",
        "rl-3@example.com",
        "Nu doet de muis het niet.",
    ));
    desk.run_once_at("2026-11-24T10:30:00+01:00");
    assert_eq!(desk.sent().len(), 2);
}

#[test]
fn the_emergency_brake_pauses_sending_tells_the_agents_and_resume_lets_it_go_on() {
    let desk = Desk::braking();
    let out = desk.run(&["--now", MONDAY, "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("EMERGENCY BRAKE"), "{log}");
    let sent = desk.sent();
    let to_people = sent
        .iter()
        .filter(|m| m.to[0].ends_with("@example.com") && m.to[0] != "agents@example.org")
        .count();
    assert_eq!(to_people, 2, "two replies, then the brake: {sent:#?}");
    let notice = sent
        .iter()
        .find(|m| m.to == ["agents@example.org"])
        .expect("the agents are told");
    assert!(
        notice.text.contains("deskmail outbox resume"),
        "{}",
        notice.text
    );
    let list = desk.ok(&["outbox", "list"]);
    assert!(list.contains("SENDING PAUSED"), "{list}");

    // a later pass still holds (decisions go on, sending does not)
    desk.run_once_at("2026-11-23T10:10:00+01:00");
    assert_eq!(desk.sent().len(), 3);
    let resumed = desk.ok(&["--now", "2026-11-23T10:20:00+01:00", "outbox", "resume"]);
    assert!(resumed.contains("sending resumed"), "{resumed}");
    desk.run_once_at("2026-11-23T10:21:00+01:00");
    assert_eq!(
        desk.sent().len(),
        5,
        "the two held replies go out after resume"
    );
}

#[test]
fn header_injection_and_markup_from_outside_stay_harmless() {
    let desk = Desk::new();
    desk.deliver(
        "From: =?utf-8?q?Evil=0D=0ABcc:_victim@example.net?= <evil@example.com>\n\
         To: servicedesk@example.org\n\
         Subject: =?utf-8?q?Printer=0D=0ABcc:_victim2@example.net=0D=0A=0D=0Abody?=\n\
         Message-ID: <inj-1@example.com>\nContent-Type: text/html; charset=utf-8\n\n\
         <p>Help <script>alert(1)</script> <b onmouseover=\"x()\">now</b></p>\n",
    );
    desk.run_once_at(MONDAY);
    let sent = desk.sent();
    assert_eq!(sent.len(), 1);
    let reply = &sent[0];
    assert_eq!(reply.to, vec!["evil@example.com"], "one recipient only");
    let head = reply
        .raw
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        !head
            .lines()
            .any(|l| l.starts_with("bcc:") || l.starts_with("cc:")),
        "{head}"
    );
    assert!(reply.header("Bcc").is_none(), "no Bcc header: {head}");
    assert!(
        !reply.subject.contains('\n') && !reply.subject.contains('\r'),
        "{:?}",
        reply.subject
    );
    assert!(!reply.html.contains("<script>"), "{}", reply.html);
}

#[test]
fn markup_in_a_reply_passed_to_the_agents_is_escaped() {
    let desk = Desk::new();
    desk.deliver(&common::portal_mail(
        "form-x1@portal.example.org",
        &[
            ("Name", "Ann"),
            ("Email", "ann@example.com"),
            ("Category", "x"),
            ("Priority", "low"),
            ("Subject", "<img src=x onerror=alert(1)>"),
            ("Description", "<script>alert(2)</script>"),
        ],
    ));
    desk.run_once_at(MONDAY);
    desk.deliver(&person_mail(
        "Ann <ann@example.com>",
        "Re: [SD-1000] x",
        "inj-2@example.com",
        "<script>alert(3)</script> & more",
    ));
    desk.run_once_at("2026-11-23T11:00:00+01:00");
    for mail in desk.sent() {
        assert!(
            !mail.html.contains("<script>") && !mail.html.contains("<img src=x"),
            "{}",
            mail.html
        );
    }
    let forwarded = desk
        .sent()
        .into_iter()
        .find(|m| m.subject.starts_with("[SD-1000] Reactie"))
        .expect("forwarded reply");
    assert!(
        forwarded
            .html
            .contains("&lt;script&gt;alert(3)&lt;&#x2F;script&gt; &amp; more"),
        "{}",
        forwarded.html
    );
    assert!(
        forwarded.text.contains("<script>alert(3)</script> & more"),
        "plain text stays as written"
    );
}
