use super::*;
use crate::agent::command;
use crate::agent::proof::Unproven;
use crate::classify::limits::Flood;
use crate::classify::{Author, Decision, HandoffReason, IgnoreReason};
use crate::compose::{Composer, MailKind, Templates};
use crate::config::Config;
use crate::model::{Address, Inbound, Priority, Status, Ticket, TicketRef};
use crate::portal::FormRequest;
use crate::schedule::{Due, ProgressKind};
use chrono::{NaiveDate, TimeZone};

fn config() -> Config {
    crate::config::test_config("")
}

fn templates() -> Templates {
    match Templates::load(None) {
        Ok(t) => t,
        Err(e) => panic!("built-in templates: {e}"),
    }
}

fn now() -> DateTime<Utc> {
    chrono_tz::Europe::Amsterdam
        .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn mail(from: &str, subject: &str, body: &str) -> Inbound {
    Inbound {
        message_id: Some("m1@example.com".into()),
        from: Some(Address::new(Some("Jan"), from)),
        subject: subject.into(),
        body: body.into(),
        ..Inbound::default()
    }
}

fn ticket(status: Status) -> Ticket {
    Ticket {
        status,
        requester_thread: Some("first@deskmail.example.org".into()),
        ..Ticket::for_test(
            7,
            now() - chrono::Duration::days(2),
            now() + chrono::Duration::days(3),
        )
    }
}

fn agent(config: &Config) -> String {
    config
        .agents
        .addresses
        .first()
        .cloned()
        .unwrap_or_else(|| config.agents.queue.clone())
}

fn run(decision: &Decision, m: &Inbound, facts: &Facts) -> Effects {
    let (config, templates) = (config(), templates());
    let composer = Composer::new(&config, &templates);
    match decided(&composer, decision, m, facts, now()) {
        Ok(e) => e,
        Err(e) => panic!("effects of {decision:?}: {e}"),
    }
}

fn kinds(e: &Effects) -> Vec<MailKind> {
    e.mails.iter().map(|m| m.kind).collect()
}

fn recipients(e: &Effects) -> Vec<String> {
    e.mails
        .iter()
        .flat_map(|m| m.to.iter().map(|a| a.email.clone()))
        .collect()
}

#[test]
fn a_form_makes_a_ticket_under_the_next_number_its_confirmation_and_the_agents_notice() {
    let form = FormRequest {
        name: Some("Jan de Vries".into()),
        email: "jan@example.com".into(),
        category: "printer".into(),
        priority: Priority::High,
        subject: "Printer kapot".into(),
        description: "De printer op de tweede verdieping doet niets.".into(),
    };
    let facts = Facts {
        next_number: 1042,
        ..Facts::default()
    };
    let e = run(
        &Decision::NewTicket(form),
        &mail("portal@example.org", "form", ""),
        &facts,
    );
    let Some(TicketEffect::Create { number, ticket }) = &e.ticket else {
        panic!("no new ticket: {e:?}");
    };
    assert_eq!(*number, 1042);
    assert_eq!(ticket.reference, TicketRef::new("SD-", 1042));
    assert_eq!(ticket.status, Status::Open);
    assert!(
        ticket.target > now(),
        "target in the future: {}",
        ticket.target
    );
    // the confirmation names the first promise, so it counts as told
    assert!(ticket.next_contact.is_some());
    assert_eq!(ticket.promised, ticket.next_contact);
    assert_eq!(
        kinds(&e),
        [MailKind::Confirmation, MailKind::AgentNewTicket]
    );
    assert_eq!(
        recipients(&e),
        ["jan@example.com".to_string(), config().agents.queue]
    );
    assert!(e.mails[0].rendered.subject.contains("SD-1042"));
    assert_eq!(e.events.len(), 1);
    assert_eq!(e.events[0].kind, EventKind::Created);
    assert_eq!(
        e.threads,
        Threads {
            requester: Some(e.mails[0].message_id.clone()),
            agent: Some(e.mails[1].message_id.clone()),
        }
    );
}

#[test]
fn a_requesters_reply_reopens_a_waiting_ticket_and_goes_to_the_agents() {
    let facts = Facts {
        ticket: Some(ticket(Status::WaitingCustomer)),
        ..Facts::default()
    };
    let decision = Decision::TicketReply {
        ticket: TicketRef::new("SD-", 1006),
        author: Author::Requester,
        quiet: None,
    };
    let e = run(
        &decision,
        &mail(
            "jan@example.com",
            "Re: [SD-1006] Printer",
            "Het is de lade.",
        ),
        &facts,
    );
    let Some(TicketEffect::Update(t)) = &e.ticket else {
        panic!("ticket not changed: {e:?}");
    };
    assert_eq!(t.status, Status::Open);
    let events: Vec<EventKind> = e.events.iter().map(|e| e.kind).collect();
    assert_eq!(events, [EventKind::Reply, EventKind::Status]);
    assert_eq!(e.events[0].who, "jan@example.com");
    assert_eq!(kinds(&e), [MailKind::AgentTicketReply]);
    assert_eq!(recipients(&e), [config().agents.queue]);
    assert_eq!(e.threads.agent, Some(e.mails[0].message_id.clone()));
}

#[test]
fn a_reply_on_a_flooded_ticket_is_kept_but_not_passed_on() {
    let facts = Facts {
        ticket: Some(ticket(Status::Open)),
        ..Facts::default()
    };
    let decision = Decision::TicketReply {
        ticket: TicketRef::new("SD-", 1006),
        author: Author::Other,
        quiet: Some(Flood::Ticket {
            ticket: TicketRef::new("SD-", 1006),
            count: 40,
            limit: 40,
        }),
    };
    let e = run(
        &decision,
        &mail("x@example.net", "Re: [SD-1006]", "hoi"),
        &facts,
    );
    assert!(matches!(e.ticket, Some(TicketEffect::Keep(7))), "{e:?}");
    assert_eq!(e.events.len(), 1);
    assert!(e.mails.is_empty());
    assert_eq!(e.threads, Threads::default());
}

#[test]
fn a_decision_about_a_ticket_the_store_lacks_does_nothing() {
    let decision = Decision::TicketReply {
        ticket: TicketRef::new("SD-", 5),
        author: Author::Requester,
        quiet: None,
    };
    let e = run(
        &decision,
        &mail("jan@example.com", "Re", "x"),
        &Facts::default(),
    );
    assert!(e.ticket.is_none() && e.events.is_empty() && e.mails.is_empty());
}

#[test]
fn an_agents_answer_updates_the_ticket_and_threads_under_the_requesters_last_mail() {
    let c = config();
    let m = mail(
        &agent(&c),
        "Re: [SD-1006]",
        "#status waiting-customer\n\nWelke lade?",
    );
    let decision = Decision::AgentCommand {
        ticket: TicketRef::new("SD-", 1006),
        parsed: command::parse(&m.body),
    };
    let facts = Facts {
        ticket: Some(ticket(Status::Open)),
        answering: Some("jans-last@example.com".into()),
        ..Facts::default()
    };
    let e = run(&decision, &m, &facts);
    let Some(TicketEffect::Update(t)) = &e.ticket else {
        panic!("ticket not changed: {e:?}");
    };
    assert_eq!(t.status, Status::WaitingCustomer);
    assert_eq!(kinds(&e), [MailKind::AgentAnswer]);
    assert_eq!(recipients(&e), ["jan@example.com"]);
    assert_eq!(
        e.mails[0].in_reply_to.as_deref(),
        Some("jans-last@example.com")
    );
    assert_eq!(e.threads.requester, Some(e.mails[0].message_id.clone()));
    assert!(e.events.iter().all(|ev| ev.who == agent(&c).to_lowercase()));
}

#[test]
fn an_agents_mail_not_understood_changes_nothing_and_only_the_agent_hears() {
    let c = config();
    let m = mail(
        &agent(&c),
        "Re: [SD-1006]",
        "#interal geheim\n\nNiet voor Jan.",
    );
    let decision = Decision::AgentCommand {
        ticket: TicketRef::new("SD-", 1006),
        parsed: command::parse(&m.body),
    };
    let facts = Facts {
        ticket: Some(ticket(Status::Open)),
        ..Facts::default()
    };
    let e = run(&decision, &m, &facts);
    assert!(matches!(e.ticket, Some(TicketEffect::Keep(7))), "{e:?}");
    assert_eq!(kinds(&e), [MailKind::AgentHelp]);
    assert_eq!(recipients(&e), [agent(&c)]);
    assert_eq!(e.events[0].kind, EventKind::NotUnderstood);
    assert_eq!(e.threads, Threads::default());
}

#[test]
fn an_unproven_agent_mail_is_only_recorded_on_its_ticket() {
    let decision = Decision::Ignore(IgnoreReason::UnprovenAgent {
        ticket: TicketRef::new("SD-", 1006),
        why: Unproven::NoToken,
    });
    let facts = Facts {
        ticket: Some(ticket(Status::Open)),
        ..Facts::default()
    };
    let e = run(&decision, &mail("anna@example.org", "Re", "#close"), &facts);
    assert!(matches!(e.ticket, Some(TicketEffect::Keep(7))));
    assert_eq!(e.events.len(), 1);
    assert_eq!(e.events[0].kind, EventKind::Unproven);
    assert!(e.mails.is_empty());
}

#[test]
fn a_portal_reply_goes_to_the_sender_only_and_touches_no_ticket() {
    let form =
        crate::portal::choose_form(&mail("jan@example.com", "printer", ""), &config().portal);
    let e = run(
        &Decision::PortalReply { form },
        &mail("jan@example.com", "Mijn printer", "Hij doet niets."),
        &Facts::default(),
    );
    assert!(e.ticket.is_none() && e.events.is_empty());
    assert_eq!(kinds(&e), [MailKind::PortalReply]);
    assert_eq!(recipients(&e), ["jan@example.com"]);
}

#[test]
fn ignored_and_handed_off_mail_causes_nothing() {
    for decision in [
        Decision::Ignore(IgnoreReason::Duplicate {
            message_id: "m1@example.com".into(),
        }),
        Decision::Handoff(HandoffReason::Calendar {
            method: "request".into(),
        }),
    ] {
        let e = run(
            &decision,
            &mail("jan@example.com", "x", "y"),
            &Facts::default(),
        );
        assert!(e.ticket.is_none() && e.events.is_empty() && e.mails.is_empty());
    }
}

#[test]
fn a_progress_mail_makes_the_date_it_names_the_promise_to_keep() {
    let (config, templates) = (config(), templates());
    let composer = Composer::new(&config, &templates);
    let t = ticket(Status::Open);
    let promise = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let after = crate::schedule::progress::AfterSend {
        near_sent: true,
        overdue_sent: false,
        next_contact: promise,
    };
    let due = Due {
        at: now(),
        kind: ProgressKind::TargetNear,
    };
    let e = match progress(&composer, &t, due, &after, now()) {
        Ok(e) => e,
        Err(e) => panic!("progress effects: {e}"),
    };
    let Some(TicketEffect::Update(u)) = &e.ticket else {
        panic!("ticket not changed: {e:?}");
    };
    assert!(u.near_sent && !u.overdue_sent);
    assert_eq!((u.next_contact, u.promised), (Some(promise), Some(promise)));
    assert_eq!(
        e.mails[0].kind,
        MailKind::Progress(ProgressKind::TargetNear)
    );
    assert_eq!(e.mails[0].to[0].email, "jan@example.com");
    assert_eq!(e.events[0].kind, EventKind::ProgressNear);
    assert!(e.events[0].detail.contains("2026-11-27"));
}
