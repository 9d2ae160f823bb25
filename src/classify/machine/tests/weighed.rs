//! Evidence a person could also produce, weighed: relays, newsletter footers and tracking
//! images, shops, scripts, server accounts, calendar software and issue trackers; alone a doubt
//! for a person at the desk, together machine mail.

use super::*;

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
