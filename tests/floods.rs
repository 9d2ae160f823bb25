//! Loops and floods end per address and per ticket, before the global brake would stop all
//! desk mail: a bot on fresh `+tag` addresses, forged portal forms, a form naming the desk's
//! own queue, an outsider flooding a ticket, a crowd of strangers. What is over a limit goes
//! to the agents' hourly bundle; real requesters keep getting their mail.

mod common;
use common::{BASE_CONFIG, Desk, laptop_form, person_mail};

const T0: &str = "2026-11-24T10:00:00+01:00";

fn to(sent: &[common::Sent], address: &str) -> usize {
    sent.iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .count()
}

#[test]
fn a_bot_on_fresh_plus_addresses_gets_one_portal_reply() {
    let desk = Desk::new();
    for i in 0..12 {
        desk.deliver(&person_mail(
            &format!("Vendor Helpdesk <HelpDesk+t{i}@vendor.example>"),
            "Your request",
            &format!("bot-{i}@vendor.example"),
            "Thank you, we have received your request.",
        ));
    }
    desk.run_once_at(T0);
    assert_eq!(desk.sent().len(), 1, "{:#?}", desk.sent());
}

#[test]
fn a_forged_portal_form_makes_no_ticket_where_the_server_vouches_for_real_ones() {
    let config = BASE_CONFIG.replace(
        "addresses = [\"anna@example.org\"]",
        "addresses = [\"anna@example.org\"]\nauthserv_id = \"mx.example.org\"",
    );
    assert!(config.contains("authserv_id"), "{config}");
    let desk = Desk::with_full_config(&config);
    desk.deliver(&laptop_form("forged@example.org", "victim@example.com"));
    let genuine = laptop_form("genuine@example.org", "fatima@example.com").replace(
        "From: Portal",
        "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\nFrom: Portal",
    );
    desk.deliver(&genuine);
    let out = desk.run(&["--now", T0, "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("from the portal's address, but not proven"),
        "{log}"
    );
    let sent = desk.sent();
    assert_eq!(to(&sent, "victim@example.com"), 0, "{sent:#?}");
    assert_eq!(to(&sent, "fatima@example.com"), 1, "{sent:#?}");
    let tickets = desk.tickets_json();
    assert_eq!(tickets.as_array().map(Vec::len), Some(1), "{tickets}");
}

#[test]
fn a_portal_form_naming_the_desks_own_queue_makes_no_ticket() {
    let desk = Desk::new();
    desk.deliver(&laptop_form(
        "queue-form@example.org",
        "Agents+x@Example.org",
    ));
    desk.deliver(&laptop_form(
        "desk-form@example.org",
        "ServiceDesk+SD-1000@example.org",
    ));
    let out = desk.run(&["--now", T0, "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        log.matches("the desk, its queue or an agent").count(),
        2,
        "{log}"
    );
    assert!(desk.sent().is_empty(), "{:#?}", desk.sent());
    assert_eq!(desk.tickets_json().as_array().map(Vec::len), Some(0));
}

#[test]
fn a_flooded_ticket_and_a_crowd_of_strangers_stop_at_their_limits_not_at_the_brake() {
    let desk = Desk::with_full_config(&format!(
        "{BASE_CONFIG}\n[limits]\nper_ticket_per_day = 6\nportal_replies_per_hour = 5\n"
    ));
    desk.deliver(&laptop_form("flood-form@example.org", "fatima@example.com"));
    desk.run_once_at(T0);
    let before = desk.sent();
    assert_eq!(
        before.len(),
        2,
        "confirmation and agent notice: {before:#?}"
    );
    // an outsider replies on the ticket again and again: each reply is passed to the agents
    // until the ticket has caused 6 mails today
    for i in 0..10 {
        desk.deliver(&person_mail(
            "Outsider <outsider@example.net>",
            "Re: [SD-1000] Laptop",
            &format!("outsider-{i}@example.net"),
            &format!("Spam number {i}."),
        ));
    }
    // and a crowd of strangers mails the desk
    for i in 0..8 {
        desk.deliver(&person_mail(
            &format!("Stranger {i} <stranger{i}@example.net>"),
            "Hello",
            &format!("stranger-{i}@example.net"),
            "Please help.",
        ));
    }
    let out = desk.run(&["--now", "2026-11-24T10:10:00+01:00", "run", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("EMERGENCY BRAKE"), "{log}");
    let new = desk.sent_since(&before);
    let notices = new
        .iter()
        .filter(|m| m.to == ["agents@example.org"] && m.subject.contains("SD-1000"))
        .count();
    assert_eq!(notices, 4, "6 mails on the ticket in all: {new:#?}");
    let replies = new.iter().filter(|m| m.subject == "Re: Hello").count();
    assert_eq!(replies, 5, "{new:#?}");
    let bundles: Vec<_> = new
        .iter()
        .filter(|m| m.to == ["agents@example.org"] && !m.subject.contains("SD-1000"))
        .collect();
    assert_eq!(bundles.len(), 1, "the rest in one bundle: {new:#?}");
    assert!(
        bundles[0].subject.contains("9 mails"),
        "{}",
        bundles[0].subject
    );
    assert!(
        bundles[0].text.contains("limits.per_ticket_per_day"),
        "{}",
        bundles[0].text
    );

    // the outsider's replies are still on the ticket, and an agent can still steer it
    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(show.matches("outsider@example.net").count() >= 10, "{show}");
    let notice = desk
        .sent()
        .into_iter()
        .find(|m| m.to == ["agents@example.org"] && m.subject.contains("SD-1000"))
        .expect("a notice with the signed address");
    let before = desk.sent();
    desk.deliver(&common::agent_reply(
        &notice,
        &common::reply_to(&notice),
        "",
        "#resolve\n\nDe laptop is gerepareerd.",
    ));
    desk.run_once_at("2026-11-24T10:15:00+01:00");
    let tickets = desk.tickets_json();
    assert_eq!(tickets[0]["status"], "resolved", "{tickets}");
    assert_eq!(to(&desk.sent_since(&before), "fatima@example.com"), 1);

    // the real requester still gets her mail: a new ticket's confirmation goes out
    let before = desk.sent();
    desk.deliver(&laptop_form("second-form@example.org", "jan@example.com"));
    desk.run_once_at("2026-11-24T10:20:00+01:00");
    assert_eq!(to(&desk.sent_since(&before), "jan@example.com"), 1);
}

#[test]
fn an_autoresponder_on_the_queue_answers_the_requester_at_most_once() {
    let desk = Desk::new();
    desk.deliver(&laptop_form("loop-form@example.org", "fatima@example.com"));
    desk.run_once_at(T0);
    let mut requester_mails = 0;
    let mut seen = desk.sent();
    requester_mails += to(&seen, "fatima@example.com");
    // five rounds: the queue's autoresponder answers each notice at its signed address, the
    // requester's autoresponder answers each mail it gets, without any machine marker
    for round in 0..5 {
        let notice = seen
            .iter()
            .rev()
            .find(|m| m.to == ["agents@example.org"] && m.subject.contains("SD-1000"))
            .cloned();
        let Some(notice) = notice else { break };
        desk.deliver(&format!(
            "From: Servicedesk Team <agents@example.org>\nTo: {}\nSubject: Re: {}\n\
             Date: Tue, 24 Nov 2026 10:00:00 +0100\nMessage-ID: <queue-auto-{round}@example.org>\n\
             In-Reply-To: <{}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n\
             Thank you for your mail. We will get back to you as soon as possible.\n",
            common::reply_to(&notice),
            notice.subject,
            notice.message_id
        ));
        desk.run_once_at(&format!("2026-11-24T1{round}:05:00+01:00"));
        let new = desk.sent_since(&seen);
        let answers = to(&new, "fatima@example.com");
        requester_mails += answers;
        seen = desk.sent();
        if answers == 0 {
            continue;
        }
        desk.deliver(&person_mail(
            "Fatima el Amrani <fatima@example.com>",
            "Re: [SD-1000] Laptop",
            &format!("fatima-auto-{round}@example.com"),
            "Thank you for your message. I will read it soon.",
        ));
        desk.run_once_at(&format!("2026-11-24T1{round}:30:00+01:00"));
        seen = desk.sent();
    }
    assert_eq!(
        requester_mails, 2,
        "the confirmation and one relayed auto-reply, then the chain ends: {seen:#?}"
    );
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("db");
    let repeats: i64 = db
        .query_row(
            "SELECT count(*) FROM inbound WHERE reason LIKE '%same text as their earlier mail%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(
        repeats >= 1,
        "the second auto-reply is recognised, kept and not passed on"
    );
}
