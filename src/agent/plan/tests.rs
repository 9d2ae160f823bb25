use super::*;
use crate::agent::command;

use crate::model::TicketRef;
use chrono::{NaiveDate, TimeZone};

fn config() -> Config {
    crate::config::test_config("")
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Amsterdam
        .with_ymd_and_hms(2026, 11, d, h, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

fn ticket() -> Ticket {
    Ticket {
        near_sent: true,
        overdue_sent: true,
        ..Ticket::for_test(1, at(23, 9), at(24, 9))
    }
}

fn agent(config: &Config) -> Address {
    let email = config
        .agents
        .addresses
        .first()
        .cloned()
        .unwrap_or_else(|| config.agents.queue.clone());
    Address::new(Some("Anna Jansen"), &email)
}

fn key() -> crate::agent::token::TokenKey {
    crate::agent::token::TokenKey::new(b"the plan tests' key")
}

/// The desk of tickets SD-1 to SD-1000.
fn tokens() -> Tokens {
    let refs: Vec<TicketRef> = (1..=1000).map(|n| TicketRef::new("SD-", n)).collect();
    Tokens::of(&key(), &refs)
}

/// What `body` from Anna does to `t` at `now`, after the progress mails `sent`.
fn steer(body: &str, t: &Ticket, now: DateTime<Utc>, sent: &[DateTime<Utc>]) -> Plan {
    let c = config();
    plan(
        &command::parse(body),
        &agent(&c),
        t,
        &c,
        now,
        sent,
        &tokens(),
    )
}

#[test]
fn commands_change_the_ticket_and_the_text_goes_to_the_requester() {
    let body = "#status waiting-third-party de leverancier\n#target 2026-12-10\n\
                #next 2026-12-02\n#assign me\n\nBesteld. Mail servicedesk+SD-1000.0123456789abcdef0123@example.org";
    let p = steer(body, &ticket(), at(25, 10), &[]);
    assert!(!p.rejected);
    assert_eq!(p.ticket.status, Status::WaitingThirdParty);
    assert_eq!(p.ticket.waiting_reason.as_deref(), Some("de leverancier"));
    assert_eq!(p.ticket.next_contact, NaiveDate::from_ymd_opt(2026, 12, 2));
    assert_eq!(p.ticket.assignee.as_deref(), Some(p.agent.as_str()));
    assert!(
        !p.ticket.near_sent && !p.ticket.overdue_sent,
        "a new target may come near again"
    );
    let kinds: Vec<&str> = p.events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["status", "target", "next", "assign", "answer"]);
    let answer = p.answer.expect("an answer");
    assert!(
        !answer.text.contains("0123456789abcdef0123"),
        "{}",
        answer.text
    );
    assert_eq!(answer.agent_name.as_deref(), Some("Anna Jansen"));
    assert!(p.help.is_none());
}

#[test]
fn no_token_reaches_the_answer_the_reason_or_the_events() {
    let token = |n| key().token(&TicketRef::new("SD-", n));
    let (t1000, t7) = (token(1000), token(7));
    let body = format!(
        "#status waiting-third-party servicedesk%2BSD-1000.{t1000}%40example.org, {t7}\n\n\
         Mail servicedesk+SD-1000.{}\n{}@elders.nl or 5{t7}.",
        &t1000[..8],
        &t1000[8..]
    );
    let p = steer(&body, &ticket(), at(25, 10), &[]);
    assert!(!p.rejected);
    assert_eq!(
        p.ticket.waiting_reason.as_deref(),
        Some("servicedesk%2BSD-1000%40example.org,")
    );
    let answer = p.answer.expect("an answer");
    assert_eq!(answer.text, "Mail servicedesk+SD-1000@elders.nl or 5.");
    let events = format!("{:?}", p.events);
    for t in [&t1000, &t7] {
        assert!(!events.contains(t.as_str()), "{events}");
    }
    // a reason that was only a token is no reason
    let p = steer(&format!("#wacht-klant {t7}"), &ticket(), at(25, 10), &[]);
    assert_eq!(p.ticket.waiting_reason, None);
}

#[test]
fn one_line_not_understood_changes_nothing_and_only_the_agent_hears() {
    for body in [
        "#resolve\n#interal\n\nGeheim.",
        "#target 2026-11-01\n\nTekst.",
        "#assign x@elders.nl\n\nTekst.",
        // a local host name is an address, but no configured agent
        "#assign anna@localhost\n\nTekst.",
    ] {
        let p = steer(body, &ticket(), at(25, 10), &[]);
        assert!(p.rejected, "{body}");
        assert_eq!(p.ticket.status, Status::Open, "{body}");
        assert!(p.answer.is_none(), "{body}");
        assert!(
            p.help.as_ref().is_some_and(|h| !h.errors.is_empty()),
            "{body}"
        );
    }
}

#[test]
fn an_internal_note_is_kept_and_a_bare_status_is_told() {
    let c = config();
    let p = steer("#intern\n\nAlleen voor ons.", &ticket(), at(25, 10), &[]);
    assert!(p.answer.is_none());
    assert_eq!(
        p.events,
        [(EventKind::Note, "Alleen voor ons.".to_string())]
    );
    let p = steer("#opgelost", &ticket(), at(25, 10), &[]);
    assert_eq!(p.ticket.status, Status::Resolved);
    assert!(
        p.answer.is_some_and(|a| a.text.is_empty()),
        "resolved is told even without text"
    );
    let nameless = Address::new(Some("anna@example.org"), "anna@example.org");
    let p = plan(
        &command::parse("Tekst."),
        &nameless,
        &ticket(),
        &c,
        at(25, 10),
        &[],
        &tokens(),
    );
    assert_eq!(
        p.answer.and_then(|a| a.agent_name),
        None,
        "an address is no name"
    );
}

#[test]
fn a_next_contact_the_scheduler_cannot_keep_is_refused() {
    // today's progress mail went at 09:00: "by today" could only be kept tomorrow
    let body = "#next 2026-11-25\n\nWe zijn ermee bezig.";
    let morning = [at(25, 9)];
    let p = steer(body, &ticket(), at(25, 13), &morning);
    assert!(p.rejected && p.answer.is_none());
    let help = p.help.expect("the agent hears why");
    assert!(help.errors[0].problem.contains("2026-11-26"), "{help:?}");
    // before that mail went, today can still be kept
    let p = steer(body, &ticket(), at(25, 13), &[]);
    assert!(!p.rejected);
    assert_eq!(p.ticket.promised, NaiveDate::from_ymd_opt(2026, 11, 25));
}

#[test]
fn a_bare_later_next_keeps_the_date_told_and_an_answer_tells_the_new_one() {
    let told = NaiveDate::from_ymd_opt(2026, 11, 26);
    let t = Ticket {
        next_contact: told,
        promised: told,
        ..ticket()
    };
    let p = steer("#next 2026-12-02", &t, at(25, 10), &[]);
    assert!(p.answer.is_none());
    assert_eq!(p.ticket.next_contact, NaiveDate::from_ymd_opt(2026, 12, 2));
    assert_eq!(
        p.ticket.promised, told,
        "the scheduler still keeps the 26th"
    );
    let body = "#next 2026-12-02\n\nDe leverancier levert volgende week.";
    let p = steer(body, &t, at(25, 10), &[]);
    assert!(p.answer.is_some());
    assert_eq!(p.ticket.promised, NaiveDate::from_ymd_opt(2026, 12, 2));
    let p = steer("#opgelost", &t, at(25, 10), &[]);
    assert_eq!(p.ticket.promised, None, "a resolution ends the promise");
}
