//! Sample values for every template variable, for `deskmail template preview` and
//! `deskmail check-config`: believable, in the language previewed.

use super::MailKind;
use super::vars::{
    AnswerVars, BrakeVars, DigestTicket, DigestVars, FailureVars, HandoffMail, HandoffVars,
    HelpError, HelpVars, MailboxVars, Reader, Vars,
};
use super::words::{self, Voice};
use crate::config::Config;
use crate::model::{Address, Inbound, Lang, Priority, Status, Ticket, TicketRef};
use crate::portal;
use crate::schedule::ProgressKind;
use chrono::{DateTime, Utc};

impl Vars {
    /// Believable values for every variable, to preview template `name` in `lang`.
    pub fn sample(config: &Config, name: &str, lang: Lang, now: DateTime<Utc>) -> Vars {
        // the names as `MailKind` spells them, so a renamed mail cannot lose its sample
        let is = |kind: MailKind| name == kind.as_str();
        let cal = &config.calendar;
        let (name_, email, subject, description, reason) = match lang {
            Lang::Nl => (
                "Jan de Vries",
                "jan.devries@example.org",
                "Printer op de 3e verdieping",
                "De printer geeft een papierstoring, ook na het openen van alle laden.",
                "de leverancier van de printer",
            ),
            Lang::En => (
                "Ann Smith",
                "ann.smith@example.org",
                "Printer on the 3rd floor",
                "The printer reports a paper jam, even after opening every tray.",
                "the printer's supplier",
            ),
        };
        let created = now - chrono::Duration::days(2);
        let late = is(MailKind::Progress(ProgressKind::Overdue));
        let target = if late {
            now - chrono::Duration::hours(3)
        } else {
            cal.add_business(now, crate::schedule::BusinessDuration::Days(1))
        };
        let ticket = Ticket {
            id: 1,
            reference: TicketRef::new(&config.tickets.ref_prefix, config.tickets.first_number + 41),
            requester: email.into(),
            requester_name: Some(name_.into()),
            lang,
            subject: subject.into(),
            description: description.into(),
            category: "printer".into(),
            priority: Priority::Normal,
            status: if name.starts_with("progress") {
                Status::WaitingThirdParty
            } else {
                Status::Open
            },
            waiting_reason: name.starts_with("progress").then(|| reason.to_string()),
            assignee: None,
            created,
            target,
            next_contact: Some(
                cal.add_working_days(cal.local_date(now), config.schedule.update_every_days),
            ),
            promised: None,
            near_sent: false,
            overdue_sent: false,
            requester_thread: None,
            agent_thread: None,
        };
        if is(MailKind::PortalReply) {
            let m = Inbound {
                subject: subject.into(),
                body: description.into(),
                from: Some(Address::new(Some(name_), email)),
                ..Default::default()
            };
            let to = Address::new(Some(name_), email);
            let form = portal::choose_form(&m, &config.portal);
            let url = portal::prefill_url(&form, &m, &config.portal);
            return Vars::for_portal_reply(config, &m, &to, &form, &url);
        }
        if is(MailKind::FormConfirm) {
            let base = config.web.as_ref().map_or_else(
                || "https://desk.example.org/".to_string(),
                |w| w.base_url.to_string(),
            );
            let url = format!("{base}form/confirm/7.3f9c0e1d2b4a5968778695a4b3c2d1e0");
            return Vars::for_form_confirm(
                config,
                &Address::new(Some(name_), email),
                subject,
                &url,
            );
        }
        if is(MailKind::AgentHandoff) {
            return Vars::for_handoff(
                config,
                HandoffVars {
                    count: 2,
                    mails: vec![
                        HandoffMail {
                            from: "Piet de Boer <piet@example.com>".into(),
                            subject: "Uitnodiging: overleg printers".into(),
                            received: words::date_time(lang, now, config.calendar.tz()),
                            reason: "a calendar invitation (method REQUEST): no person wants a portal link for it".into(),
                            excerpt: "Piet nodigt je uit voor een overleg over de printers op 3.".into(),
                        },
                        HandoffMail {
                            from: "orders@shop.example".into(),
                            subject: "Your order".into(),
                            received: words::date_time(lang, now, config.calendar.tz()),
                            reason: "some machine evidence, too little to ignore it".into(),
                            excerpt: "Thank you for your order.".into(),
                        },
                    ],
                    more: 0,
                },
            );
        }
        if is(MailKind::AgentOutboxPaused) {
            return Vars::for_brake(
                config,
                BrakeVars {
                    count: 300,
                    limit: 300,
                },
            );
        }
        let back = is(MailKind::AgentMailboxBack);
        if is(MailKind::AgentMailboxDown) || back {
            let since = now - chrono::Duration::minutes(40);
            return Vars::for_mailbox(
                config,
                MailboxVars {
                    source: "IMAP servicedesk@mail.example.org:993 INBOX".into(),
                    error: "IMAP server mail.example.org refused login for servicedesk@example.org (check inbound.username and the password): [AUTHENTICATIONFAILED] Authentication failed.".into(),
                    login_refused: true,
                    since: words::date_time(lang, since, config.calendar.tz()),
                    back: if back {
                        words::date_time(lang, now, config.calendar.tz())
                    } else {
                        String::new()
                    },
                },
            );
        }
        if is(MailKind::AgentDeliveryFailed) {
            let failure = FailureVars {
                to: email.into(),
                subject: format!("[{}] {subject}", ticket.reference),
                kind: "progress".into(),
                error: "550 5.1.1 <mailbox unavailable>: Recipient address rejected: User unknown"
                    .into(),
            };
            return Vars::for_failure(config, Some(&ticket), failure, now);
        }
        if is(MailKind::AgentDigest) {
            return Vars::for_digest(config, sample_digest(config, &ticket, lang, now));
        }
        // previewed in `lang`: the requester's words for their mails, the agents' for theirs
        let voice = if name.starts_with("agent_") && !is(MailKind::AgentAnswer) {
            Voice::Agents
        } else {
            Voice::Requester
        };
        let mut vars = Vars::for_ticket(config, &ticket, now, Reader { lang, voice });
        // mails to the requester link to the ticket's page when `[web]` is set
        if let (Some(words), Some(web), Voice::Requester) =
            (vars.ticket.as_mut(), &config.web, voice)
        {
            words.page_url = Some(format!(
                "{}t/{}.0123456789abcdef0123456789abcdef",
                web.base_url, ticket.reference
            ));
        }
        if is(MailKind::AgentAnswer) {
            return vars.with_answer(AnswerVars {
                text: match lang {
                    Lang::Nl => "De nieuwe toner is besteld; de leverancier brengt hem donderdag.",
                    Lang::En => "The new toner is on order; the supplier delivers it on Thursday.",
                }
                .into(),
                agent_name: Some("Anna Jansen".into()),
            });
        }
        if is(MailKind::AgentHelp) {
            return vars.with_help(HelpVars {
                errors: vec![HelpError {
                    line: "#stauts open".into(),
                    problem: "unknown command #stauts; try #help".into(),
                }],
                applied: vec!["target → 2026-12-04".into()],
                syntax: crate::agent::command::SYNTAX.into(),
            });
        }
        if is(MailKind::AgentTicketReply) {
            let m = Inbound {
                from: Some(Address::new(Some(name_), email)),
                body: match lang {
                    Lang::Nl => "Hij doet het nog steeds niet. Kan er iemand langskomen?".into(),
                    Lang::En => "It still doesn't work. Could someone come by?".into(),
                },
                ..Default::default()
            };
            return vars.with_reply(&m);
        }
        vars
    }
}

fn sample_digest(config: &Config, t: &Ticket, lang: Lang, now: DateTime<Utc>) -> DigestVars {
    let tz = config.calendar.tz();
    let late = DigestTicket {
        reference: t.reference.to_string(),
        subject: t.subject.clone(),
        requester: t.requester.clone(),
        status_text: words::status(lang, Voice::Agents, &Status::WaitingThirdParty).to_string(),
        waiting_reason: t.waiting_reason.clone(),
        target: words::date_time(lang, now - chrono::Duration::days(4), tz),
        late: true,
        working_days_late: 3,
        next_contact: Some(words::date(lang, config.calendar.local_date(now))),
        promise_due: true,
        call: true,
        reply_address: format!(
            "servicedesk+{}.0a1b2c3d4e5f60718293@example.org",
            t.reference
        ),
    };
    let near = DigestTicket {
        reference: TicketRef::new(&config.tickets.ref_prefix, config.tickets.first_number + 57)
            .to_string(),
        subject: match lang {
            Lang::Nl => "Toegang tot de projectmap".into(),
            Lang::En => "Access to the project folder".into(),
        },
        requester: "p.bakker@example.org".into(),
        status_text: words::status(lang, Voice::Agents, &Status::Open).to_string(),
        waiting_reason: None,
        target: words::date_time(lang, now + chrono::Duration::hours(5), tz),
        late: false,
        working_days_late: 0,
        next_contact: None,
        promise_due: false,
        call: false,
        reply_address: "servicedesk+SD-1057.9f8e7d6c5b4a39281706@example.org".into(),
    };
    DigestVars {
        date: words::date(lang, config.calendar.local_date(now)),
        count: 2,
        for_queue: false,
        tickets: vec![late, near],
    }
}
