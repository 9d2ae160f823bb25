//! The variables every template sees (see the README's template reference), and sample values
//! for `deskmail template preview`.

use super::words;
use crate::config::Config;
use crate::model::{Address, Inbound, Lang, Priority, Status, Ticket, TicketRef};
use crate::portal::{self, FormChoice};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Vars {
    pub desk: DeskVars,
    /// First name for the greeting, when the sender's name gives one.
    pub first_name: Option<String>,
    /// The subject of the mail we answer, without `Re:` prefixes.
    pub subject: String,
    pub form: Option<FormVars>,
    pub ticket: Option<TicketVars>,
    pub reply: Option<ReplyVars>,
    pub failure: Option<FailureVars>,
    pub brake: Option<BrakeVars>,
    pub answer: Option<AnswerVars>,
    pub help: Option<HelpVars>,
    pub digest: Option<DigestVars>,
}

/// An agent's answer to the requester, sent in the desk's name.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerVars {
    /// The agent's text, without commands, quoted history and signature.
    pub text: String,
    /// How the agent signs: the name from their From line (none: the desk signs alone).
    pub agent_name: Option<String>,
}

/// The answer to `#help`, or to command lines that were not understood.
#[derive(Debug, Clone, Serialize)]
pub struct HelpVars {
    pub errors: Vec<HelpError>,
    /// What the same mail did change, in words.
    pub applied: Vec<String>,
    /// Every command with a line on what it does.
    pub syntax: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpError {
    pub line: String,
    pub problem: String,
}

impl From<&crate::agent::command::CommandError> for HelpError {
    fn from(e: &crate::agent::command::CommandError) -> HelpError {
        HelpError {
            line: e.line.clone(),
            problem: e.problem.clone(),
        }
    }
}

/// The morning digest for one agent (or the queue, for tickets nobody has).
#[derive(Debug, Clone, Serialize)]
pub struct DigestVars {
    pub date: String,
    pub count: usize,
    pub for_queue: bool,
    /// Worst first.
    pub tickets: Vec<DigestTicket>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestTicket {
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub requester: String,
    pub status_text: String,
    pub waiting_reason: Option<String>,
    pub target: String,
    pub late: bool,
    pub working_days_late: u32,
    pub next_contact: Option<String>,
    /// The promised contact date is today or has passed.
    pub promise_due: bool,
    /// Badly late: call the requester (seed 003).
    pub call: bool,
    /// The ticket's signed reply address: mail it to steer the ticket.
    pub reply_address: String,
}

impl DigestVars {
    /// The digest's words for `items` (worst first), in the desk's language.
    pub fn new(
        config: &Config,
        items: &[crate::schedule::digest::Attention],
        for_queue: bool,
        now: DateTime<Utc>,
        reply_address: impl Fn(&Ticket) -> String,
    ) -> DigestVars {
        let lang = config.desk.language;
        let tz = config.calendar.tz();
        DigestVars {
            date: words::date(lang, config.calendar.local_date(now)),
            count: items.len(),
            for_queue,
            tickets: items
                .iter()
                .map(|a| {
                    let t = &a.ticket;
                    DigestTicket {
                        reference: t.reference.to_string(),
                        subject: t.subject.clone(),
                        requester: t.requester.clone(),
                        status_text: words::status(lang, &t.status).to_string(),
                        waiting_reason: t.waiting_reason.clone(),
                        target: words::date_time(lang, t.target, tz),
                        late: a.late,
                        working_days_late: a.working_days_late,
                        next_contact: t.next_contact.map(|d| words::date(lang, d)),
                        promise_due: a.promise_due,
                        call: a.call,
                        reply_address: reply_address(t),
                    }
                })
                .collect(),
        }
    }
}

/// Why sending paused, for the agents' notice.
#[derive(Debug, Clone, Serialize)]
pub struct BrakeVars {
    pub count: u32,
    pub limit: u32,
}

/// A mail that could not be delivered, for the agents' notice.
#[derive(Debug, Clone, Serialize)]
pub struct FailureVars {
    pub to: String,
    pub subject: String,
    pub kind: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeskVars {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormVars {
    pub url: String,
    /// Category of the keyword rule that chose the form, if any.
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketVars {
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    /// The status in words, in the ticket's language.
    pub status_text: String,
    pub waiting_reason: Option<String>,
    pub requester: String,
    pub requester_name: Option<String>,
    pub assignee: Option<String>,
    pub created: String,
    /// Target date and time in words, desk time zone.
    pub target: String,
    /// True once the target has passed.
    pub late: bool,
    /// The date by which the requester hears from us again, in words.
    pub next_contact: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplyVars {
    pub from: String,
    pub text: String,
    pub attachments: Vec<String>,
}

fn desk(config: &Config) -> DeskVars {
    DeskVars {
        name: config.desk.name.clone(),
        address: config.desk.address.clone(),
    }
}

impl Vars {
    /// Only the desk: the start of every set.
    fn base(config: &Config) -> Vars {
        Vars {
            desk: desk(config),
            first_name: None,
            subject: String::new(),
            form: None,
            ticket: None,
            reply: None,
            failure: None,
            brake: None,
            answer: None,
            help: None,
            digest: None,
        }
    }

    pub fn for_portal_reply(
        config: &Config,
        m: &Inbound,
        to: &Address,
        form: &FormChoice,
        url: &str,
    ) -> Vars {
        Vars {
            first_name: to.first_name(),
            subject: portal::cap(
                &portal::strip_reply_prefixes(&m.subject),
                portal::MAX_SUBJECT_CHARS,
            ),
            form: Some(FormVars {
                url: url.to_string(),
                category: form.category.clone(),
            }),
            ..Vars::base(config)
        }
    }

    pub fn for_ticket(config: &Config, t: &Ticket, now: DateTime<Utc>) -> Vars {
        let tz = config.calendar.tz();
        let lang = t.lang;
        let first_name = Address::new(t.requester_name.as_deref(), &t.requester).first_name();
        Vars {
            first_name,
            subject: t.subject.clone(),
            ticket: Some(TicketVars {
                reference: t.reference.to_string(),
                subject: t.subject.clone(),
                description: t.description.clone(),
                category: t.category.clone(),
                priority: words::priority(lang, t.priority).to_string(),
                status: t.status.as_str().to_string(),
                status_text: words::status(lang, &t.status).to_string(),
                waiting_reason: t.waiting_reason.clone(),
                requester: t.requester.clone(),
                requester_name: t.requester_name.clone(),
                assignee: t.assignee.clone(),
                created: words::date_time(lang, t.created, tz),
                target: words::date_time(lang, t.target, tz),
                late: now >= t.target,
                next_contact: t.next_contact.map(|d| words::date(lang, d)),
            }),
            ..Vars::base(config)
        }
    }

    /// The notice about an undeliverable mail, about a ticket or not.
    pub fn for_failure(
        config: &Config,
        ticket: Option<&Ticket>,
        failure: FailureVars,
        now: DateTime<Utc>,
    ) -> Vars {
        let mut vars = match ticket {
            Some(t) => Vars::for_ticket(config, t, now),
            None => Vars {
                subject: failure.subject.clone(),
                ..Vars::base(config)
            },
        };
        vars.failure = Some(failure);
        vars
    }

    /// The notice that the emergency brake stopped sending.
    pub fn for_brake(config: &Config, brake: BrakeVars) -> Vars {
        Vars {
            brake: Some(brake),
            ..Vars::base(config)
        }
    }

    /// The digest: no ticket of its own, a list of them.
    pub fn for_digest(config: &Config, digest: DigestVars) -> Vars {
        Vars {
            digest: Some(digest),
            ..Vars::base(config)
        }
    }

    pub fn with_answer(mut self, answer: AnswerVars) -> Vars {
        self.answer = Some(answer);
        self
    }

    pub fn with_help(mut self, help: HelpVars) -> Vars {
        self.help = Some(help);
        self
    }

    pub fn with_reply(mut self, m: &Inbound) -> Vars {
        self.reply = Some(ReplyVars {
            from: m.from.as_ref().map_or_else(String::new, |f| match &f.name {
                Some(n) => format!("{n} <{}>", f.email),
                None => f.email.clone(),
            }),
            text: m.body.clone(),
            attachments: m
                .attachments
                .iter()
                .map(|a| format!("{} ({}, {} bytes)", a.name, a.content_type, a.size))
                .collect(),
        });
        self
    }

    /// Believable values for every variable, to preview template `name` in `lang`.
    pub fn sample(config: &Config, name: &str, lang: Lang, now: DateTime<Utc>) -> Vars {
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
        let late = name == "progress_overdue";
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
        if name == "portal_reply" {
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
        if name == "agent_outbox_paused" {
            return Vars::for_brake(
                config,
                BrakeVars {
                    count: 300,
                    limit: 300,
                },
            );
        }
        if name == "agent_delivery_failed" {
            let failure = FailureVars {
                to: email.into(),
                subject: format!("[{}] {subject}", ticket.reference),
                kind: "progress".into(),
                error: "550 5.1.1 <mailbox unavailable>: Recipient address rejected: User unknown"
                    .into(),
            };
            return Vars::for_failure(config, Some(&ticket), failure, now);
        }
        if name == "agent_digest" {
            return Vars::for_digest(config, sample_digest(config, &ticket, lang, now));
        }
        let vars = Vars::for_ticket(config, &ticket, now);
        if name == "agent_answer" {
            return vars.with_answer(AnswerVars {
                text: match lang {
                    Lang::Nl => "De nieuwe toner is besteld; de leverancier brengt hem donderdag.",
                    Lang::En => "The new toner is on order; the supplier delivers it on Thursday.",
                }
                .into(),
                agent_name: Some("Anna Jansen".into()),
            });
        }
        if name == "agent_help" {
            return vars.with_help(HelpVars {
                errors: vec![HelpError {
                    line: "#stauts open".into(),
                    problem: "unknown command #stauts; try #help".into(),
                }],
                applied: vec!["target → 2026-12-04".into()],
                syntax: crate::agent::command::SYNTAX.into(),
            });
        }
        if name == "agent_ticket_reply" {
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
        status_text: words::status(lang, &Status::WaitingThirdParty).to_string(),
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
        status_text: words::status(lang, &Status::Open).to_string(),
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
