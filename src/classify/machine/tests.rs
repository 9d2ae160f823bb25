//! Unit tests of the machine-mail rules, with small inline mails.

use super::*;
use crate::model::Address;

const OUR: &[&str] = &["helpdesk@desk.example"];

fn person(subject: &str, headers: &[(&str, &str)], body: &str) -> Inbound {
    Inbound {
        from: Some(Address::new(Some("Jan"), "jan@example.org")),
        return_path: Some("jan@example.org".into()),
        subject: subject.into(),
        body: body.into(),
        content_type: "text/plain".into(),
        part_types: vec!["text/plain".into()],
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect(),
        ..Inbound::default()
    }
}

fn kind(m: &Inbound) -> Option<MachineKind> {
    let addresses: Vec<String> = OUR.iter().map(|a| a.to_string()).collect();
    let own = OwnIdentity {
        addresses: &addresses,
        message_id_domain: "desk.example",
        loop_header: "X-Deskmail-Loop",
    };
    machine_signal(m, &own).map(|s| s.kind)
}

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

fn verdict_of(m: &Inbound) -> Verdict {
    let addresses: Vec<String> = OUR.iter().map(|a| a.to_string()).collect();
    let own = OwnIdentity {
        addresses: &addresses,
        message_id_domain: "desk.example",
        loop_header: "X-Deskmail-Loop",
    };
    verdict(m, &own)
}

fn is_machine(m: &Inbound) -> bool {
    matches!(verdict_of(m), Verdict::Machine(_))
}

fn is_doubt(m: &Inbound) -> bool {
    matches!(verdict_of(m), Verdict::Doubt(_))
}

fn from(mut m: Inbound, name: Option<&str>, email: &str) -> Inbound {
    m.from = Some(Address::new(name, email));
    m
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
fn relays_alone_are_doubt_and_with_a_footer_machine() {
    // some companies send all their people's mail through an ESP
    let m = person("Re: patch", &[("X-Mandrill-User", "md_1")], "Looks good.");
    assert!(is_doubt(&m));
    let mut m = person("Hi", &[], "Hello.");
    m.return_path = Some("bounce-md_1.abc@mandrillapp.com".into());
    assert!(is_doubt(&m));
    let m = person(
        "Spring sale",
        &[("X-SES-Outgoing", "2024.01.01-1.2.3.4")],
        "Big discounts.\n\nUnsubscribe | Manage preferences",
    );
    assert!(is_machine(&m));
}

#[test]
fn newsletters_by_their_footers_and_tracking_images() {
    let body = "View this email in your browser\n\nNews of the month.\n\nUnsubscribe";
    assert!(is_machine(&person("May news", &[], body)));
    let body = "Neuigkeiten.\n\nSie erhalten diesen Newsletter, weil Sie sich angemeldet haben.";
    let mut m = person("Neuigkeiten", &[], body);
    m.tracking_images = 1;
    assert!(is_machine(&m));
    // one marker on a personal-looking mail: an agent looks
    let body = "Hi, my laptop is slow.\n\nJan\n\nTo unsubscribe from our company news, click here.";
    assert!(is_doubt(&person("Laptop", &[], body)));
    // a person forwarding a newsletter asks something: answered
    let fwd = "Can you block this?\n\n---------- Forwarded message ---------\nFrom: shop\n\nView in browser\nUnsubscribe";
    assert_eq!(verdict_of(&person("Fwd: deals", &[], fwd)), Verdict::Person);
}

#[test]
fn out_of_office_in_many_languages() {
    for subject in [
        "Respuesta automática: impresora",
        "Risposta automatica: stampante",
        "Automatisk svar: skrivare",
        "Automatická odpověď: tiskárna",
        "Otomatik yanıt: yazıcı",
        "自动回复：打印机",
        "Автоматический ответ: принтер",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "")),
            Some(MachineKind::AutoReply),
            "{subject}"
        );
    }
    let lotus = person(
        "AUTO: Jan Jansen is out of the office (returning 12/08/2024)",
        &[],
        "I will be out of the office starting 01/08/2024.",
    );
    assert_eq!(kind(&lotus), Some(MachineKind::AutoReply));
    let es = person(
        "Fuera de la oficina",
        &[],
        "Estoy fuera de la oficina hasta el lunes.",
    );
    assert_eq!(kind(&es), Some(MachineKind::AutoReply));
    // a person asking about their out-of-office: handed to an agent at most, never ignored
    let asking = person("Out of office: not working", &[], "Can you switch it on?");
    assert!(!is_machine(&asking));
}

#[test]
fn delivery_reports_by_subject_need_a_mail_system_sender() {
    for (subject, sender) in [
        (
            "Returned mail: see transcript",
            "administrator@mx.example.org",
        ),
        ("Delivery failure notification", "antivirus@gw.example.org"),
        ("Mail Delivery Warning", "mailscanner@example.org"),
        ("Message non remis", "admin@example.fr"),
    ] {
        let m = from(person(subject, &[], "x"), None, sender);
        assert_eq!(kind(&m), Some(MachineKind::Bounce), "{subject}");
    }
    let m = from(
        person("Undeliverable mail", &[], "x"),
        Some("System Administrator"),
        "it@example.org",
    );
    assert_eq!(kind(&m), Some(MachineKind::Bounce));
    // a person's question with the same words is answered
    let m = person("Returned mail when I write to a customer", &[], "Help?");
    assert_eq!(verdict_of(&m), Verdict::Person);
}

#[test]
fn reports_and_challenges() {
    let m = person(
        "Report Domain: example.org Submitter: google.com Report-ID: 123",
        &[],
        "",
    );
    assert!(is_machine(&m));
    let mut m = person("DMARC", &[], "");
    m.attachments.push(crate::model::Attachment {
        name: "google.com!example.org!1700000000!1700086399.zip".into(),
        content_type: "application/zip".into(),
        size: 1,
    });
    assert!(is_machine(&m));
    let mut m = person("Report", &[], "");
    m.part_types.push("application/tlsrpt+gzip".into());
    assert!(is_machine(&m));
    let m = from(person("Please confirm", &[], "x"), None, "verify@boxbe.com");
    assert!(is_machine(&m));
    let m = person(
        "Please confirm your message",
        &[],
        "I use a spam filter that requires you to confirm you are a human: click the link below to confirm.",
    );
    assert!(is_machine(&m));
}

#[test]
fn shop_notifications_need_two_clues() {
    let m = from(
        person("Your order has shipped", &[], "Track it here."),
        None,
        "orders@shop.example",
    );
    assert!(is_doubt(&m));
    let mut m = m;
    m.tracking_images = 1;
    assert!(is_machine(&m));
    // a person writing about an order is answered
    let m = person("Order for a new laptop", &[], "Can we order one?");
    assert_eq!(verdict_of(&m), Verdict::Person);
}

#[test]
fn scripts_and_auto_forwarding_are_weak() {
    let m = person("Contact form", &[("X-Mailer", "PHPMailer 6.8")], "Hi.");
    assert!(is_doubt(&m));
    let mut m = person("Printer", &[], "Broken.");
    m.return_path = Some("SRS0=abcd=xy=example.org=jan@fwd.example.net".into());
    assert_eq!(verdict_of(&m), Verdict::Person);
    let noreply = person("Hi", &[], "x");
    let mut noreply = noreply;
    noreply.reply_to = Some(Address::new(None, "noreply@example.org"));
    assert!(is_machine(&noreply));
}

#[test]
fn bracketed_automation_tags_are_machine_mail() {
    for subject in [
        "[AUTO GENERATED] Some subject",
        "[Auto-Generated] Nightly backup report",
        "[Automated] Password expires in 5 days",
        "[Automatisch generiert] Zählerstand",
        "[Message automatique] Votre demande",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "Report attached.")),
            Some(MachineKind::OtherAuto),
            "{subject}"
        );
    }
    for subject in [
        "Automated backup fails since Monday",
        "Re: [Automated] Password expires in 5 days",
        "Question about [automated] tests",
    ] {
        assert_eq!(kind(&person(subject, &[], "Help?")), None, "{subject}");
    }
}

#[test]
fn bracketed_responder_prefixes_are_autoreplies() {
    for subject in [
        "[Automatyczna odpowiedź] test",
        "[Auto-Reply] Printer",
        "[Automatic reply] VPN",
        "[Réponse automatique] Imprimante",
    ] {
        assert_eq!(
            kind(&person(subject, &[], "Thanks.")),
            Some(MachineKind::AutoReply),
            "{subject}"
        );
    }
    // a person's own bracket with more words after the responder word
    assert_eq!(kind(&person("[Auto reply rules] broken", &[], "Hi")), None);
}

#[test]
fn server_accounts_are_handed_off_and_their_reports_ignored() {
    let attachment = crate::model::Attachment {
        name: "report.csv".into(),
        content_type: "text/csv".into(),
        size: 120,
    };
    for email in [
        "oracle@db01.example.com",
        "root@web3",
        "www-data@shop.example",
    ] {
        let plain = from(person("Disk usage 91%", &[], "see below"), None, email);
        assert!(is_doubt(&plain), "{email}");
        let mut report = from(person("Rulesets found: 1", &[], "\n\n"), None, email);
        report.attachments.push(attachment.clone());
        assert!(is_machine(&report), "{email}");
    }
    // a person sending only a screenshot is still answered
    let mut screenshot = person("Error", &[], "");
    screenshot.attachments.push(attachment);
    assert_eq!(verdict_of(&screenshot), Verdict::Person);
    // a delivery-failure subject from a server account is a bounce
    let bounce = from(person("Mail delivery failed", &[], "x"), None, "root@mx1");
    assert_eq!(kind(&bounce), Some(MachineKind::Bounce));
}

#[test]
fn why_you_get_this_in_its_usual_wordings() {
    for why in [
        "You receive this e-mail because you are listed in our database.",
        "You have received this email because you bought a licence.",
        "You're getting this email because you signed up.",
        "You are receiving this message because you are a customer.",
    ] {
        let body = format!("Licensing update.\n\n{why} Click here to unsubscribe.");
        assert!(
            is_machine(&person("Licensing information", &[], &body)),
            "{why}"
        );
    }
    // a person explaining why they write is not a footer
    let body = "I'm sending this email because you asked me to report the VPN error.";
    assert_eq!(verdict_of(&person("VPN", &[], body)), Verdict::Person);
}

#[test]
fn calendar_software_stamps_invitations_auto_generated() {
    let invitation = |method: &str, headers: &[(&str, &str)]| {
        let mut m = person(
            "Invitation: Printer review @ Tue 10:00",
            headers,
            "Join us.",
        );
        m.calendar_method = Some(method.into());
        m
    };
    let stamped = [("Auto-Submitted", "auto-generated")];
    // Google Calendar and CalDAV servers send in the organizer's name: the calendar handoff
    for method in ["request", "cancel", "reply", "counter"] {
        assert_eq!(kind(&invitation(method, &stamped)), None, "{method}");
    }
    // a published event (shop, newsletter) or a report with an .ics file stays machine mail
    for method in ["publish", ""] {
        assert_eq!(
            kind(&invitation(method, &stamped)),
            Some(MachineKind::OtherAuto),
            "{method:?}"
        );
    }
    // other evidence still counts: auto-replied, a list, a no-reply organizer
    let replied = invitation("reply", &[("Auto-Submitted", "auto-replied")]);
    assert_eq!(kind(&replied), Some(MachineKind::AutoReply));
    let listed = invitation(
        "request",
        &[stamped[0], ("List-Id", "<team.lists.example>")],
    );
    assert_eq!(kind(&listed), Some(MachineKind::List));
    let robot = from(
        invitation("request", &stamped),
        None,
        "calendar-noreply@calendar.example",
    );
    assert_eq!(kind(&robot), Some(MachineKind::OtherAuto));
}

#[test]
fn issue_tracker_notifications() {
    for header in [
        ("X-Bugzilla-Reason", "AssignedTo Reporter"),
        ("X-Bugzilla-Type", "newchanged"),
        ("X-Redmine-Project", "helpdesk"),
        ("X-Trac-Project", "Website"),
        ("X-Launchpad-Bug", "product=ubuntu; status=New"),
        ("X-Gerrit-MessageType", "comment"),
        ("X-Phabricator-Sent-This-Message", "Yes"),
    ] {
        // the tracker sends in the name of the person who changed the bug
        let m = person(
            "[Bug 1234] Printer queue stuck",
            &[header],
            "Some User changed:",
        );
        assert_eq!(kind(&m), Some(MachineKind::OtherAuto), "{header:?}");
    }
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

#[test]
fn do_not_reply_lines() {
    // with a why-you-get-this line: a notification, whatever the language
    for body in [
        "Do not reply to this email. You can add comments at\nhttps://bugs.example.org/1\n\n-- \nYou are receiving this mail because:\nYou reported the bug.",
        "Ihre Bestellung ist unterwegs.\nDiese E-Mail wurde automatisch erstellt, bitte antworten Sie nicht auf diese Nachricht.\nSie erhalten diese E-Mail, weil Sie bei uns bestellt haben.",
        "Votre colis est en route.\nMerci de ne pas répondre à ce message.\nVous recevez cet e-mail car vous avez passé commande.",
    ] {
        assert!(is_machine(&person("Status", &[], body)), "{body}");
    }
    // alone, a person at the desk looks at it
    for body in [
        "Your package has been shipped.\n\nThis is an automatically generated message, please do not reply.",
        "Su pedido ha sido enviado. Por favor, no responda a este correo.",
        "Il tuo ordine è stato spedito. Messaggio generato automaticamente, non rispondere a questa e-mail.",
        "Uw pakket is onderweg. Dit is een automatisch gegenereerd bericht.",
    ] {
        assert!(is_doubt(&person("Status", &[], body)), "{body}");
    }
    // a person quoting such a notification below their own question is answered
    let quoted = "Hi, I never got the parcel, can you check?\n\n> Your package has been shipped.\n> Please do not reply to this email.";
    assert_eq!(
        verdict_of(&person("Re: Status", &[], quoted)),
        Verdict::Person
    );
}
