//! Machine mail told by its header markers and senders: auto-replies, bounces, lists, our own
//! mail, no-reply and daemon addresses, marketing headers; and a person who writes about mail
//! problems is still answered.

use super::*;

#[test]
fn person_asking_about_mail_problems_is_answered() {
    for subject in [
        "Fwd: Undelivered Mail Returned to Sender",
        "Mail delivery failed when I send to a customer",
        "Out of office not working",
        "Away until Monday, please keep my ticket open",
        "Vacation request",
        "RE: Automatic reply: printer",
        "Undeliverable messages since this morning",
        "Undeliverable message when I mail a customer",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "Hi, can you help?")),
            None,
            "{subject}"
        );
    }
    let pasted = "Hi, I get this when mailing Piet:\n\nThis is the mail system at host mx.";
    assert_eq!(kind(&person("Bounce?", &[], pasted)), None);
}

#[test]
fn auto_response_suppress_alone_is_not_machine() {
    let m = person("Printer", &[("X-Auto-Response-Suppress", "All")], "Broken.");
    assert_eq!(kind(&m), None);
    let oof = person(
        "Printer",
        &[
            ("X-Auto-Response-Suppress", "All"),
            ("X-MS-Exchange-Inbox-Rules-Loop", "a@b"),
        ],
        "I am out.",
    );
    assert_eq!(kind(&oof), Some(MachineKind::AutoReply));
}

#[test]
fn auto_submitted_and_responder_subjects() {
    let m = person("Re: printer", &[("Auto-Submitted", "auto-replied")], "");
    assert_eq!(kind(&m), Some(MachineKind::AutoReply));
    let m = person("x", &[("Auto-Submitted", "auto-generated")], "");
    assert_eq!(kind(&m), Some(MachineKind::OtherAuto));
    assert_eq!(kind(&person("x", &[("Auto-Submitted", "no")], "")), None);
    let m = person("Automatisch antwoord: printer", &[], "");
    assert_eq!(kind(&m), Some(MachineKind::AutoReply));
    let mut m = person("Out of Office", &[], "");
    m.return_path = Some(String::new());
    assert_eq!(kind(&m), Some(MachineKind::AutoReply));
}

#[test]
fn bounces() {
    let mut m = person("Undelivered Mail Returned to Sender", &[], "");
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    m.subject = "x".into();
    m.from = Some(Address::new(None, "MAILER-DAEMON@mx.example.org"));
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    let mut m = person("x", &[("From", "MAILER-DAEMON")], "");
    m.from = None;
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    let mut m = person("x", &[], "");
    m.content_type = "multipart/report".into();
    m.report_type = Some("delivery-status".into());
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    // a null sender alone is a robot, not necessarily a delivery report (a newsletter)
    let mut m = person("x", &[], "");
    m.return_path = Some(String::new());
    assert_eq!(kind(&m), Some(MachineKind::OtherAuto));
    // …and with the original attached, one
    m.part_types.push("message/rfc822".into());
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    let mut m = person("メールエラー通知", &[], "");
    m.from = Some(Address::new(None, "no-reply@mail.example.jp"));
    m.part_types.push("message/rfc822".into());
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    // a person forwarding a mail as an attachment is still a person
    let mut m = person("Fwd: printer", &[], "See the attached mail.");
    m.part_types.push("message/rfc822".into());
    assert_eq!(kind(&m), None);
}

#[test]
fn lists_except_our_own_group() {
    let m = person("x", &[("List-Id", "<dev.lists.example.org>")], "");
    assert_eq!(kind(&m), Some(MachineKind::List));
    let group = person(
        "Printer",
        &[
            ("List-Id", "<helpdesk.desk.example>"),
            ("List-Post", "<mailto:helpdesk@desk.example>"),
            ("Precedence", "list"),
        ],
        "",
    );
    assert_eq!(kind(&group), None);
}

#[test]
fn own_mail() {
    let mut m = person("x", &[], "");
    m.from = Some(Address::new(None, "Helpdesk+sd-12@desk.example"));
    assert_eq!(kind(&m), Some(MachineKind::Own));
    let mut m = person("x", &[], "");
    m.message_id = Some("abc@desk.example".into());
    assert_eq!(kind(&m), Some(MachineKind::Own));
    let m = person("x", &[("X-Deskmail-Loop", "1")], "");
    assert_eq!(kind(&m), Some(MachineKind::Own));
}

#[test]
fn noreply_and_robots() {
    for email in [
        "no-reply@x.example",
        "do_not_reply@x.example",
        "owner-dev@x.example",
    ] {
        let mut m = person("x", &[], "");
        m.from = Some(Address::new(None, email));
        assert_eq!(kind(&m), Some(MachineKind::OtherAuto), "{email}");
    }
}

#[test]
fn marketing_and_notification_headers() {
    for header in [
        ("X-Campaign", "mailchimp1234.abc"),
        ("X-CSA-Complaints", "csa-complaints@eco.de"),
        ("X-SFMC-Stack", "7"),
        ("X-Loop", "rt@example.org"),
        ("X-Cron-Env", "<SHELL=/bin/sh>"),
        ("X-Google-Group-Id", "123456"),
        ("X-Mailer", "MailChimp Mailer - **CID1234**"),
    ] {
        assert!(is_machine(&person("Hello", &[header], "Hi.")), "{header:?}");
    }
    // a Google group that is the desk itself is not third-party list mail
    let mut ours = person("Printer", &[("X-Google-Group-Id", "1")], "Broken.");
    ours.to = vec![Address::new(None, "helpdesk@desk.example")];
    assert!(!is_machine(&ours));
}

#[test]
fn daemon_accounts_are_robots() {
    for email in [
        "bugzilla-daemon@bugs.example.org",
        "gitlab_daemon@git.example.org",
        "cvs.daemon@example.org",
    ] {
        let m = from(person("Report", &[], "Text."), None, email);
        assert_eq!(kind(&m), Some(MachineKind::OtherAuto), "{email}");
    }
    // a person's name that merely contains the word is not
    for email in [
        "daemonsmith@example.org",
        "jdaemon@example.org",
        "daemon-x@example.org",
    ] {
        let m = from(person("Printer", &[], "Broken."), None, email);
        assert_eq!(kind(&m), None, "{email}");
    }
}
