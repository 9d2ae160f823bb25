use super::*;
use crate::config::test_config;
use crate::model::{Address, Priority};

const FORMS: &str = r#"
[[portal.forms]]
category = "printer"
url = "https://portal.example.org/printer"
keywords = ["printer", "printen"]
"#;

fn mail(from: &str, subject: &str, body: &str) -> Inbound {
    Inbound {
        message_id: Some("m1@example.com".into()),
        from: Some(Address::new(Some("Jan de Vries"), from)),
        to: vec![Address::new(None, "servicedesk@example.org")],
        subject: subject.into(),
        body: body.into(),
        content_type: "text/plain".into(),
        ..Default::default()
    }
}

fn with_ticket(requester: &str) -> Known {
    Known {
        ticket: Some((TicketRef("SD-1000".into()), requester.into())),
        duplicate: false,
        recent_portal_reply: None,
        agent_proof: None,
        portal_proof: None,
        agent_repeats: false,
        old: None,
    }
}

#[test]
fn loose_mail_from_a_person_gets_the_matching_form() {
    let c = test_config(FORMS);
    let d = classify(
        &mail("jan@example.com", "Printer kapot", "help"),
        &Known::default(),
        &c,
    );
    assert_eq!(d.name(), "portal_reply");
    match d {
        Decision::PortalReply { form } => assert_eq!(form.category.as_deref(), Some("printer")),
        other => panic!("{other:?}"),
    }
    let d = classify(
        &mail("jan@example.com", "VPN", "werkt niet"),
        &Known::default(),
        &c,
    );
    assert!(matches!(d, Decision::PortalReply { form } if form.category.is_none()));
}

#[test]
fn portal_mail_makes_a_ticket_or_names_what_is_missing() {
    let c = test_config("");
    let body = "Name: Ann\nEmail: ann@example.com\nCategory: network\nPriority: high\nSubject: VPN\nDescription: down";
    let d = classify(
        &mail("portal@example.org", "New request", body),
        &Known::default(),
        &c,
    );
    assert!(
        matches!(&d, Decision::NewTicket(f) if f.priority == Priority::High && f.email == "ann@example.com")
    );
    let d = classify(
        &mail("portal@example.org", "New request", "Name: Ann"),
        &Known::default(),
        &c,
    );
    assert!(
        matches!(d, Decision::Ignore(IgnoreReason::PortalForm(_))),
        "{d:?}"
    );
    assert!(d.reason().contains("email"), "{}", d.reason());
}

#[test]
fn portal_form_mails_count_even_with_machine_markers() {
    let c = test_config("");
    let body = "Name: Ann\nEmail: ann@example.com\nCategory: network\nPriority: low\nSubject: VPN\nDescription: down";
    let mut m = mail("portal@example.org", "New request", body);
    m.headers
        .push(("auto-submitted".into(), "auto-generated".into()));
    m.headers.push(("precedence".into(), "bulk".into()));
    assert_eq!(classify(&m, &Known::default(), &c).name(), "new_ticket");
}

#[test]
fn replies_on_known_tickets_name_their_author() {
    let c = test_config("");
    let m = mail("jan@example.com", "Re: [SD-1000] x", "thanks");
    let d = classify(&m, &with_ticket("JAN@example.com"), &c);
    assert_eq!(
        d,
        Decision::TicketReply {
            ticket: TicketRef("SD-1000".into()),
            author: Author::Requester,
            quiet: None,
        }
    );
    // an agent's mail steers only when it proves itself
    let proven = Known {
        agent_proof: Some(Ok(())),
        ..with_ticket("jan@example.com")
    };
    let d = classify(
        &mail("anna@example.org", "Re: x", "#resolve\n\nFixed it."),
        &proven,
        &c,
    );
    let Decision::AgentCommand { ticket, parsed } = d else {
        panic!("{d:?}");
    };
    assert_eq!(ticket.as_str(), "SD-1000");
    assert_eq!(parsed.commands.len(), 1);
    assert_eq!(parsed.text, "Fixed it.");
    for known in [
        with_ticket("jan@example.com"),
        Known {
            agent_proof: Some(Err(crate::agent::proof::Unproven::BadToken)),
            ..with_ticket("jan@example.com")
        },
    ] {
        let d = classify(&mail("anna@example.org", "Re: x", "#resolve"), &known, &c);
        assert!(
            matches!(d, Decision::Ignore(IgnoreReason::UnprovenAgent { .. })),
            "{d:?}"
        );
    }
    let d = classify(
        &mail("boss@example.com", "Re: x", "me too"),
        &with_ticket("jan@example.com"),
        &c,
    );
    assert!(matches!(
        d,
        Decision::TicketReply {
            author: Author::Other,
            ..
        }
    ));
}

#[test]
fn agents_do_not_get_portal_links() {
    let c = test_config("");
    let d = classify(
        &mail("anna@example.org", "lunch?", "x"),
        &Known::default(),
        &c,
    );
    assert_eq!(d, Decision::Ignore(IgnoreReason::AgentWithoutTicket));
}

#[test]
fn machine_mail_is_ignored_even_on_a_known_ticket() {
    let c = test_config("");
    let mut m = mail(
        "jan@example.com",
        "Automatic reply: [SD-1000] x",
        "I am away",
    );
    m.headers
        .push(("auto-submitted".into(), "auto-replied".into()));
    let d = classify(&m, &with_ticket("jan@example.com"), &c);
    assert!(
        matches!(d, Decision::Ignore(IgnoreReason::Machine(_))),
        "{d:?}"
    );
    assert_eq!(d.name(), "ignore");
}

#[test]
fn our_own_mail_coming_back_is_ignored() {
    let c = test_config("");
    let mut m = mail("someone@example.com", "Re: hi", "x");
    m.headers
        .push(("x-deskmail-loop".into(), "servicedesk@example.org".into()));
    assert!(matches!(
        classify(&m, &Known::default(), &c),
        Decision::Ignore(IgnoreReason::Machine(_))
    ));
    let m = mail("servicedesk@example.org", "hi", "x");
    assert!(matches!(
        classify(&m, &Known::default(), &c),
        Decision::Ignore(IgnoreReason::Machine(_))
    ));
}

#[test]
fn no_sender_and_duplicates_are_ignored() {
    let c = test_config("");
    let mut m = mail("jan@example.com", "hi", "x");
    m.from = None;
    assert_eq!(
        classify(&m, &Known::default(), &c),
        Decision::Ignore(IgnoreReason::NoSender)
    );
    m.from = Some(Address::new(Some("Jan"), "not an address"));
    assert_eq!(
        classify(&m, &Known::default(), &c),
        Decision::Ignore(IgnoreReason::NoSender)
    );
    let m = mail("jan@example.com", "hi", "x");
    let known = Known {
        duplicate: true,
        ..Known::default()
    };
    assert!(matches!(
        classify(&m, &known, &c),
        Decision::Ignore(IgnoreReason::Duplicate { .. })
    ));
}

#[test]
fn hints_come_from_subject_tags_plus_addresses_and_threading() {
    let c = test_config("");
    let mut m = mail("jan@example.com", "Re: [sd-1042] Printer (SD-7)", "x");
    m.to.push(Address::new(None, "ServiceDesk+SD-99@example.org"));
    m.to.push(Address::new(None, "other+SD-5@example.org"));
    m.in_reply_to = vec!["a@x".into()];
    m.references = vec!["root@x".into(), "a@x".into()];
    assert_eq!(
        ticket_hints(&m, &c),
        vec![
            TicketHint::Reference(TicketRef("SD-1042".into())),
            TicketHint::Reference(TicketRef("SD-7".into())),
            TicketHint::Reference(TicketRef("SD-99".into())),
            TicketHint::MessageId("a@x".into()),
            TicketHint::MessageId("root@x".into()),
        ]
    );
    assert!(subject_refs("SD-", "SD-").is_empty());
    assert!(subject_refs("USD-100 price", "SD-").is_empty());
}

#[test]
fn a_sender_answered_recently_is_not_answered_again() {
    let c = test_config("");
    let last = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let known = Known {
        recent_portal_reply: Some(last),
        ..Known::default()
    };
    let d = classify(&mail("jan@example.com", "again", "x"), &known, &c);
    assert_eq!(d, Decision::Ignore(IgnoreReason::RateLimited { last }));
    assert!(
        d.reason().contains("2026-11-23T09:00:00Z"),
        "{}",
        d.reason()
    );
    // replies on a ticket are not portal replies: the limit does not apply
    let known = Known {
        recent_portal_reply: Some(last),
        ..with_ticket("jan@example.com")
    };
    assert_eq!(
        classify(&mail("jan@example.com", "Re: x", "y"), &known, &c).name(),
        "ticket_reply"
    );
}

#[test]
fn calendar_invitations_and_doubtful_mail_are_handed_off() {
    let c = test_config("");
    let mut m = mail(
        "jan@example.com",
        "Meeting about the printer",
        "Please join.",
    );
    m.calendar_method = Some("request".into());
    let d = classify(&m, &Known::default(), &c);
    assert_eq!(d.name(), "handoff");
    assert!(d.reason().contains("invitation"), "{}", d.reason());
    // a reply on a known ticket stays a ticket reply
    assert_eq!(
        classify(&m, &with_ticket("jan@example.com"), &c).name(),
        "ticket_reply"
    );
    let m = mail(
        "jan@example.com",
        "Laptop",
        "My laptop is slow.\n\nTo unsubscribe from our company news, click here.",
    );
    let d = classify(&m, &Known::default(), &c);
    assert!(
        matches!(&d, Decision::Handoff(HandoffReason::Doubt(_))),
        "{d:?}"
    );
    // calendar software stamps Auto-Submitted on invitations in the organizer's name
    let mut m = mail("jan@example.com", "Invitation: Printer review", "Join us.");
    m.headers
        .push(("auto-submitted".into(), "auto-generated".into()));
    m.calendar_method = Some("request".into());
    assert_eq!(classify(&m, &Known::default(), &c).name(), "handoff");
    // machine mail is never handed off as a calendar: it is ignored
    let mut m = mail("no-reply@calendar.example", "Invitation", "x");
    m.calendar_method = Some("request".into());
    assert_eq!(classify(&m, &Known::default(), &c).name(), "ignore");
}

#[test]
fn a_log_line_keeps_the_reason_but_not_the_mails_own_words() {
    assert_eq!(
        super::log_safe(r#"machine mail (autoreply): subject "Afwezig: mijn vraag over salaris""#),
        r#"machine mail (autoreply): subject "…""#
    );
    assert_eq!(
        super::log_safe(
            r#"proven agent mail on SD-1: status → waiting on third party ("de leverancier")"#
        ),
        r#"proven agent mail on SD-1: status → waiting on third party ("…""#
    );
    assert_eq!(
        super::log_safe("reply on ticket SD-1 by the requester"),
        "reply on ticket SD-1 by the requester"
    );
    // quotes inside the quoted text cannot bring the rest back
    assert_eq!(
        super::log_safe(
            r#"machine mail (autoreply): subject "Afwezig: RE: "salaris Jan de Vries" tot maandag" (x)"#
        ),
        r#"machine mail (autoreply): subject "…""#
    );
    assert_eq!(
        super::log_safe(r#"body starts "Dear Jan"#),
        r#"body starts "…""#
    );
}
