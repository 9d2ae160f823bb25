//! What a proven agent's reply does, decided without touching the store: the ticket as it
//! will be, the events to record, and what goes to the requester and to the agent. All or
//! nothing — one line not understood and only the agent hears back, so a mistyped `#interal`
//! never lets an internal note reach the requester. `daemon::steer` writes the plan.

use super::command::{Assignee, Command, Parsed, StatusChange};
use super::redact::{Tokens, redact};
use crate::compose::vars::{AnswerVars, HelpError, HelpVars};
use crate::config::Config;
use crate::model::{Address, EventKind, Status, Ticket, base_address};
use crate::schedule::promise;
use chrono::{DateTime, Utc};

/// The outcome of one agent mail.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The sender, as the events name them.
    pub agent: String,
    /// The ticket after the commands (unchanged when `rejected`).
    pub ticket: Ticket,
    /// Events to record, as (kind, detail).
    pub events: Vec<(EventKind, String)>,
    /// Lines not understood: nothing else happens.
    pub rejected: bool,
    /// The answer to the requester, if any.
    pub answer: Option<AnswerVars>,
    /// The mail back to the agent (`#help`, or what was not understood), if any.
    pub help: Option<HelpVars>,
}

/// Plan what `parsed`, from the agent `from`, does to `t` at `now`; `sent` are the ticket's
/// recent progress mails (whether a promise can still be kept today); `tokens` are the
/// desk's reply-address tokens, none of which may reach the requester or the ticket.
pub fn plan(
    parsed: &Parsed,
    from: &Address,
    t: &Ticket,
    config: &Config,
    now: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    tokens: &Tokens,
) -> Plan {
    let agent = base_address(&from.email).to_lowercase();
    let mut errors: Vec<HelpError> = parsed.errors.iter().map(HelpError::from).collect();
    errors.extend(parsed.commands.iter().filter_map(|c| {
        check(config, c, &agent, now, sent).map(|problem| HelpError {
            line: c.describe(),
            problem,
        })
    }));
    if !errors.is_empty() {
        return Plan {
            events: vec![(
                EventKind::NotUnderstood,
                format!("{} line(s) not understood; nothing done", errors.len()),
            )],
            agent,
            ticket: t.clone(),
            rejected: true,
            answer: None,
            help: Some(help(errors, Vec::new())),
        };
    }
    let mut ticket = t.clone();
    let mut events = Vec::new();
    let mut applied = Vec::new();
    let mut told = false; // a status the requester should hear about
    let desk = config.desk.address.as_str();
    // a waiting reason is stored, shown and repeated in progress mails: no token in it either
    let commands: Vec<Command> = parsed
        .commands
        .iter()
        .map(|c| without_tokens(c, desk, tokens))
        .collect();
    for command in &commands {
        match command {
            Command::Status(change) => {
                let (status, reason) = status_of(change);
                told |= matches!(status, Status::Resolved | Status::WaitingCustomer);
                ticket.status = status;
                ticket.waiting_reason = reason;
                events.push((EventKind::Status, command.describe()));
            }
            Command::Target(date) => {
                ticket.target = target_of(config, *date, now);
                // a target moved into the future may come near and pass again
                if ticket.target > now {
                    ticket.near_sent = false;
                    ticket.overdue_sent = false;
                }
                events.push((EventKind::Target, command.describe()));
            }
            Command::Next(date) => {
                ticket.next_contact = Some(*date);
                events.push((EventKind::Next, command.describe()));
            }
            Command::Assign(who) => {
                let to = assignee(who, &agent);
                events.push((EventKind::Assign, format!("assigned to {to}")));
                ticket.assignee = Some(to);
            }
            Command::Internal | Command::Help => {}
        }
        applied.push(command.describe());
    }
    let answer = answer_vars(from, &parsed.text, desk, tokens);
    let answer = if parsed.is_internal() {
        if !answer.text.is_empty() {
            events.push((EventKind::Note, answer.text.clone()));
        }
        None
    } else if !answer.text.is_empty() || told {
        events.push((EventKind::Answer, summary(&answer.text)));
        Some(answer)
    } else {
        None
    };
    // a resolution ends every promise; an answer names the date the requester hears from us
    // by, and from then on that is the date to keep. Without an answer the date last told
    // stays, and the scheduler keeps it even when `#next` moved later.
    if ticket.status.is_done() {
        ticket.promised = None;
    } else if answer.is_some() {
        let (cal, s) = (&config.calendar, &config.schedule);
        ticket.next_contact = Some(promise::to_tell(&ticket, now, sent, cal, s));
        ticket.promised = ticket.next_contact;
    }
    Plan {
        agent,
        ticket,
        events,
        rejected: false,
        answer,
        help: parsed
            .commands
            .contains(&Command::Help)
            .then(|| help(Vec::new(), applied)),
    }
}

fn help(errors: Vec<HelpError>, applied: Vec<String>) -> HelpVars {
    HelpVars {
        errors,
        applied,
        syntax: super::command::SYNTAX.to_string(),
    }
}

/// What the requester gets of an agent's mail: the text without any reply-address token (in
/// their hands it would let them steer their own ticket with a forged From line; a note keeps
/// none either), and the name to sign with.
pub fn answer_vars(from: &Address, text: &str, desk_address: &str, tokens: &Tokens) -> AnswerVars {
    AnswerVars {
        text: redact(text, desk_address, tokens),
        agent_name: signature_name(from),
    }
}

/// The command with any token taken out of its reason; a reason that was only a token is none.
fn without_tokens(command: &Command, desk_address: &str, tokens: &Tokens) -> Command {
    let clean = |reason: &Option<String>| {
        reason
            .as_deref()
            .map(|r| redact(r, desk_address, tokens).trim().to_string())
            .filter(|r| !r.is_empty())
    };
    match command {
        Command::Status(StatusChange::WaitingCustomer(r)) => {
            Command::Status(StatusChange::WaitingCustomer(clean(r)))
        }
        Command::Status(StatusChange::WaitingThirdParty(r)) => {
            Command::Status(StatusChange::WaitingThirdParty(clean(r)))
        }
        other => other.clone(),
    }
}

/// How the agent signs: the name in their From line, unless it is (or shows) an address —
/// Outlook writes `"anna@example.org" <anna@example.org>` when no name is set. Without a name
/// the answer is signed by the desk alone.
fn signature_name(from: &Address) -> Option<String> {
    from.name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.contains('@'))
        .map(str::to_string)
}

fn status_of(change: &StatusChange) -> (Status, Option<String>) {
    match change {
        StatusChange::Open => (Status::Open, None),
        StatusChange::WaitingCustomer(r) => (Status::WaitingCustomer, r.clone()),
        StatusChange::WaitingThirdParty(r) => (Status::WaitingThirdParty, r.clone()),
        StatusChange::Resolved => (Status::Resolved, None),
    }
}

/// What is wrong with a command that parsed, if anything: a date that has passed, a next
/// contact the scheduler can no longer keep, an assignee who is not an agent.
fn check(
    config: &Config,
    c: &Command,
    agent: &str,
    now: DateTime<Utc>,
    sent: &[DateTime<Utc>],
) -> Option<String> {
    let (cal, s) = (&config.calendar, &config.schedule);
    let today = cal.local_date(now);
    match c {
        Command::Target(date) | Command::Next(date) if *date < today => {
            Some(format!("{date} has passed already (today is {today})"))
        }
        Command::Target(date) if target_of(config, *date, now) <= now => Some(format!(
            "the working day {date} ends before now; give a later date"
        )),
        Command::Next(date) => {
            let first = promise::keepable(*date, now, sent, cal, s);
            (first > *date).then(|| {
                format!(
                    "no progress mail can reach the requester by {date} any more (today's went \
                     out already, or the sending hours are over); the first date that can be \
                     kept is {first}"
                )
            })
        }
        Command::Assign(who) => {
            let to = assignee(who, agent);
            (!config.is_agent(&to))
                .then(|| format!("{to} is not a configured agent (agents.addresses)"))
        }
        _ => None,
    }
}

fn assignee(who: &Assignee, agent: &str) -> String {
    match who {
        Assignee::Me => agent.to_string(),
        Assignee::Address(a) => base_address(a).to_lowercase(),
    }
}

/// A target date means the end of that working day ("by Friday": Friday's closing time); a
/// day off means the working day before it.
fn target_of(config: &Config, date: chrono::NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let cal = &config.calendar;
    let day = cal.working_day_on_or_before(date);
    cal.closing_on(day).unwrap_or_else(|| cal.next_open(now))
}

/// The first line of a text, for the event log.
fn summary(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let more_lines = text.lines().filter(|l| !l.trim().is_empty()).count() > 1;
    let s = crate::text::head(first, 120, more_lines);
    if s.is_empty() {
        "(status only)".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
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
}
