//! The variables every template sees (see the README's template reference), and sample values
//! for `deskmail template preview`.

use super::words::{self, Voice};
// an agent's mail is planned in `agent`; its answer and help arrive here ready to render
pub use crate::agent::plan::{AnswerVars, HelpError, HelpVars};
use crate::config::Config;
use crate::model::{Address, Inbound, Lang, Ticket};
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
    pub handoff: Option<HandoffVars>,
    pub mailbox: Option<MailboxVars>,
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
    /// Badly late: call the requester, a mail alone is not enough any more.
    pub call: bool,
    /// The ticket's signed reply address: mail it to steer the ticket.
    pub reply_address: String,
}

impl DigestVars {
    /// The digest's words for `items` (worst first), in the desk's language and the agents' voice.
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
                        status_text: words::status(lang, Voice::Agents, &t.status).to_string(),
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

/// Mails handed to the agents instead of answered (`agent_handoff`).
#[derive(Debug, Clone, Serialize)]
pub struct HandoffVars {
    /// All mails handed over since the last bundle (`mails` may hold fewer).
    pub count: usize,
    pub mails: Vec<HandoffMail>,
    /// How many are not listed (a flood): `deskmail` keeps them all.
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandoffMail {
    pub from: String,
    pub subject: String,
    /// When it came in, in words (desk language and time zone).
    pub received: String,
    /// Why deskmail did not answer it.
    pub reason: String,
    /// The start of its own text (quotes and signature dropped).
    pub excerpt: String,
}

/// The mailbox away or back (`agent_mailbox_down`, `agent_mailbox_back`).
#[derive(Debug, Clone, Serialize)]
pub struct MailboxVars {
    /// The mailbox as the log names it (`IMAP desk@mail.example.org:993 INBOX`).
    pub source: String,
    /// The last error, as the log says it (never a password).
    pub error: String,
    /// The server refuses the login (a changed password), rather than cannot be reached.
    pub login_refused: bool,
    /// Since when it is away, in words (desk language and time zone).
    pub since: String,
    /// When it answered again, in words (`agent_mailbox_back`; empty before).
    pub back: String,
}

/// A mail that could not be delivered, for the agents' notice.
#[derive(Debug, Clone, Serialize)]
pub struct FailureVars {
    pub to: String,
    pub subject: String,
    pub kind: String,
    pub error: String,
}

/// Who a mail about a ticket is for, and so the language and voice of its words: the
/// requester reads the ticket's language; agents read the desk's, also about a ticket in
/// another language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub lang: Lang,
    pub voice: Voice,
}

impl Reader {
    pub fn requester(t: &Ticket) -> Reader {
        Reader {
            lang: t.lang,
            voice: Voice::Requester,
        }
    }

    pub fn agents(config: &Config) -> Reader {
        Reader {
            lang: config.desk.language,
            voice: Voice::Agents,
        }
    }
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
    /// The status in words, in the reader's language and voice.
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
    /// The ticket's page (`[web]`), in mails to the requester only.
    pub page_url: Option<String>,
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
            handoff: None,
            mailbox: None,
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
            subject: crate::text::fit(
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

    /// The confirmation link for a request made on deskmail's own form.
    pub fn for_form_confirm(config: &Config, to: &Address, subject: &str, url: &str) -> Vars {
        Vars {
            first_name: to.first_name(),
            subject: subject.to_string(),
            form: Some(FormVars {
                url: url.to_string(),
                category: None,
            }),
            ..Vars::base(config)
        }
    }

    /// A mail about `t` for `reader`: every word, date, priority and status in their language.
    pub fn for_ticket(config: &Config, t: &Ticket, now: DateTime<Utc>, reader: Reader) -> Vars {
        let tz = config.calendar.tz();
        let lang = reader.lang;
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
                status_text: words::status(lang, reader.voice, &t.status).to_string(),
                waiting_reason: t.waiting_reason.clone(),
                requester: t.requester.clone(),
                requester_name: t.requester_name.clone(),
                assignee: t.assignee.clone(),
                created: words::date_time(lang, t.created, tz),
                target: words::date_time(lang, t.target, tz),
                late: now >= t.target,
                next_contact: t.next_contact.map(|d| words::date(lang, d)),
                page_url: None,
            }),
            ..Vars::base(config)
        }
    }

    /// The agents' notice about an undeliverable mail, about a ticket or not.
    pub fn for_failure(
        config: &Config,
        ticket: Option<&Ticket>,
        failure: FailureVars,
        now: DateTime<Utc>,
    ) -> Vars {
        let mut vars = match ticket {
            Some(t) => Vars::for_ticket(config, t, now, Reader::agents(config)),
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

    /// The notice that the mailbox is away, or back.
    pub fn for_mailbox(config: &Config, mailbox: MailboxVars) -> Vars {
        Vars {
            mailbox: Some(mailbox),
            ..Vars::base(config)
        }
    }

    /// The bundle of mails handed over to the agents.
    pub fn for_handoff(config: &Config, handoff: HandoffVars) -> Vars {
        Vars {
            handoff: Some(handoff),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, Status};
    use chrono::TimeZone;

    #[test]
    fn agents_read_an_english_ticket_in_the_desks_language_and_voice() {
        let config = crate::config::test_config("");
        assert_eq!(config.desk.language, Lang::Nl);
        let created = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let t = Ticket {
            lang: Lang::En,
            priority: Priority::High,
            status: Status::WaitingCustomer,
            next_contact: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Ticket::for_test(1, created, created + chrono::Duration::days(1))
        };
        let for_agents = Vars::for_ticket(&config, &t, created, Reader::agents(&config));
        let words = for_agents.ticket.expect("ticket words");
        assert_eq!(words.priority, "hoog");
        assert_eq!(words.status_text, "wacht op de aanmelder");
        assert_eq!(words.target, "dinsdag 1 december 2026 om 10:00");
        assert_eq!(
            words.next_contact.as_deref(),
            Some("woensdag 2 december 2026")
        );
        let for_requester = Vars::for_ticket(&config, &t, created, Reader::requester(&t));
        let words = for_requester.ticket.expect("ticket words");
        assert_eq!(words.priority, "high");
        assert_eq!(words.status_text, "waiting for your reply");
        assert_eq!(
            words.next_contact.as_deref(),
            Some("Wednesday 2 December 2026")
        );
    }

    #[test]
    fn mails_to_the_requester_link_to_the_ticket_page_only_with_a_web_section() {
        use crate::compose::{Composer, Templates};
        use crate::requester::token::PageKey;
        let templates = Templates::load(None).expect("templates");
        let key = PageKey::new(b"page secret");
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let t = Ticket {
            next_contact: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Ticket::for_test(1, now, now + chrono::Duration::days(1))
        };
        let web = crate::config::test_config(
            "\n[web]\nlisten = \"127.0.0.1:8080\"\nbase_url = \"https://desk.example.org/\"\n",
        );
        let link = format!(
            "https://desk.example.org/t/SD-1000.{}",
            key.token(&t.reference)
        );
        for lang in Lang::ALL {
            let t = Ticket { lang, ..t.clone() };
            let linked = Composer::new(&web, &templates).linking(Some(&key));
            let mail = linked.confirmation(&t, now).expect("confirmation");
            assert!(mail.rendered.text.contains(&link), "{}", mail.rendered.text);
            // Tera writes the link's '/' as "&#x2F;" in the HTML part, which browsers read back
            let href = format!("href=\"{}\"", link.replace('/', "&#x2F;"));
            assert!(mail.rendered.html.contains(&href), "{}", mail.rendered.html);
            // the agents' notice never carries the requester's link
            let notice = linked.agent_new_ticket(&t, now).expect("notice");
            assert!(!notice.rendered.text.contains("/t/SD-"));
            let plain = crate::config::test_config("");
            let unlinked = Composer::new(&plain, &templates).linking(Some(&key));
            let mail = unlinked.confirmation(&t, now).expect("confirmation");
            assert!(
                !mail.rendered.text.contains("/t/SD-"),
                "{}",
                mail.rendered.text
            );
            assert!(!mail.rendered.html.contains("/t/SD-"));
        }
    }
}
