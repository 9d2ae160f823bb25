//! What the ticket page shows, worked out from the stored ticket and its public conversation:
//! the reference, subject, status in words, what we wait for, the target date and the date the
//! requester hears from us by — in the same words and from the same code as the mails
//! (`compose::vars`) — and the requester's and the desk's mails. Never agent notices, internal
//! notes, commands or agent addresses: the caller hands in only mails to and from the requester.

use crate::compose::vars::{Reader, Vars};
use crate::config::Config;
use crate::model::{Lang, Status, Ticket};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who wrote a mail of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Writer {
    Requester,
    Desk,
}

/// One mail of the public conversation, its text as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub at: DateTime<Utc>,
    pub writer: Writer,
    /// `None`: its text is no longer kept (`store.keep_raw_days`).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub lang: Lang,
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub status_text: String,
    /// What we wait for, in a sentence, when the ticket waits.
    pub waiting: Option<String>,
    pub target: String,
    /// The target has passed.
    pub late: bool,
    /// The date the requester hears from us by, in words; none on a finished ticket.
    pub next_contact: Option<String>,
    pub done: bool,
    /// "add information" is offered (not on a closed ticket).
    pub can_add: bool,
    /// "I no longer need this" is offered (not on a resolved or closed ticket).
    pub can_close: bool,
    pub conversation: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub writer: Writer,
    pub when: String,
    pub text: Option<String>,
}

/// The page for `t`; `said` is its public conversation in any order.
pub fn page(config: &Config, t: &Ticket, said: &[Said], now: DateTime<Utc>) -> Page {
    // the date the requester was last told stays the one they hear from us by, also when an
    // agent moved the next contact later without a word to them (the scheduler keeps it)
    let told = Ticket {
        next_contact: match (t.next_contact, t.promised) {
            (Some(next), Some(promised)) => Some(next.min(promised)),
            (next, _) => next,
        },
        ..t.clone()
    };
    let vars = Vars::for_ticket(config, &told, now, Reader::requester(t));
    let words = vars
        .ticket
        .unwrap_or_else(|| unreachable!("for_ticket sets the ticket"));
    let lang = t.lang;
    let tz = config.calendar.tz();
    let mut said = said.to_vec();
    said.sort_by_key(|s| s.at);
    let mut conversation = vec![Entry {
        writer: Writer::Requester,
        when: crate::compose::words::date_time(lang, t.created, tz),
        text: Some(t.description.clone()),
    }];
    conversation.extend(said.into_iter().map(|s| Entry {
        writer: s.writer,
        when: crate::compose::words::date_time(lang, s.at, tz),
        text: s.text,
    }));
    Page {
        lang,
        reference: words.reference,
        subject: words.subject,
        status_text: words.status_text,
        waiting: waiting(lang, &t.status, t.waiting_reason.as_deref()),
        target: words.target,
        late: words.late && !t.status.is_done(),
        next_contact: words.next_contact.filter(|_| !t.status.is_done()),
        done: t.status.is_done(),
        can_add: t.status != Status::Closed,
        can_close: !t.status.is_done(),
        conversation,
    }
}

/// What we wait for, as the progress mails say it.
fn waiting(lang: Lang, status: &Status, reason: Option<&str>) -> Option<String> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match (lang, status, reason) {
        (Lang::Nl, Status::WaitingCustomer, Some(r)) => {
            Some(format!("We wachten op jouw reactie ({r})."))
        }
        (Lang::Nl, Status::WaitingCustomer, None) => Some("We wachten op jouw reactie.".into()),
        (Lang::Nl, Status::WaitingThirdParty, Some(r)) => Some(format!("We wachten op {r}.")),
        (Lang::Nl, Status::WaitingThirdParty, None) => {
            Some("We wachten op een andere partij.".into())
        }
        (Lang::En, Status::WaitingCustomer, Some(r)) => {
            Some(format!("We are waiting for your reply ({r})."))
        }
        (Lang::En, Status::WaitingCustomer, None) => Some("We are waiting for your reply.".into()),
        (Lang::En, Status::WaitingThirdParty, Some(r)) => Some(format!("We are waiting for {r}.")),
        (Lang::En, Status::WaitingThirdParty, None) => {
            Some("We are waiting for another party.".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn ticket() -> (Config, Ticket, DateTime<Utc>) {
        let config = crate::config::test_config("");
        let created = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let t = Ticket {
            lang: Lang::En,
            description: "The printer jams.".into(),
            status: Status::WaitingThirdParty,
            waiting_reason: Some("the supplier".into()),
            next_contact: NaiveDate::from_ymd_opt(2026, 12, 4),
            promised: NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Ticket::for_test(1, created, created + chrono::Duration::days(1))
        };
        (config, t, created)
    }

    #[test]
    fn the_page_says_what_the_mails_say_in_the_tickets_language() {
        let (config, t, now) = ticket();
        let p = page(&config, &t, &[], now);
        assert_eq!(p.reference, "SD-1000");
        assert_eq!(p.status_text, "waiting for a third party");
        assert_eq!(
            p.waiting.as_deref(),
            Some("We are waiting for the supplier.")
        );
        assert_eq!(p.target, "Tuesday 1 December 2026 at 10:00");
        // the date last mailed is kept, not the later one an agent set since
        assert_eq!(p.next_contact.as_deref(), Some("Wednesday 2 December 2026"));
        assert!(p.can_add && p.can_close && !p.late);
        let nl = page(
            &config,
            &Ticket {
                lang: Lang::Nl,
                status: Status::WaitingCustomer,
                waiting_reason: None,
                ..t
            },
            &[],
            now,
        );
        assert_eq!(nl.status_text, "wacht op jouw reactie");
        assert_eq!(nl.waiting.as_deref(), Some("We wachten op jouw reactie."));
        assert_eq!(nl.target, "dinsdag 1 december 2026 om 10:00");
    }

    #[test]
    fn the_conversation_starts_with_the_request_and_runs_in_time_order() {
        let (config, t, now) = ticket();
        let at = |h| now + chrono::Duration::hours(h);
        let said = [
            Said {
                at: at(3),
                writer: Writer::Requester,
                text: Some("It still jams.".into()),
            },
            Said {
                at: at(1),
                writer: Writer::Desk,
                text: Some("Registered as SD-1000.".into()),
            },
            Said {
                at: at(2),
                writer: Writer::Desk,
                text: None,
            },
        ];
        let p = page(&config, &t, &said, now);
        let texts: Vec<Option<&str>> = p.conversation.iter().map(|e| e.text.as_deref()).collect();
        assert_eq!(
            texts,
            [
                Some("The printer jams."),
                Some("Registered as SD-1000."),
                None,
                Some("It still jams.")
            ]
        );
        assert_eq!(p.conversation[1].writer, Writer::Desk);
        assert_eq!(p.conversation[1].when, "Monday 30 November 2026 at 11:00");
    }

    #[test]
    fn a_finished_ticket_promises_nothing_and_offers_less() {
        let (config, t, now) = ticket();
        let resolved = page(
            &config,
            &Ticket {
                status: Status::Resolved,
                ..t.clone()
            },
            &[],
            now + chrono::Duration::days(5),
        );
        assert!(resolved.done && resolved.can_add && !resolved.can_close);
        assert!(resolved.next_contact.is_none() && !resolved.late && resolved.waiting.is_none());
        let closed = page(
            &config,
            &Ticket {
                status: Status::Closed,
                ..t
            },
            &[],
            now,
        );
        assert!(!closed.can_add && !closed.can_close);
    }
}
