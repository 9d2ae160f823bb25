//! What a proven agent's reply does, decided without touching the store: the ticket as it
//! will be, the events to record, and what goes to the requester and to the agent. All or
//! nothing — one line not understood and only the agent hears back, so a mistyped `#interal`
//! never lets an internal note reach the requester. `daemon::steer` writes the plan.

use super::command::{Assignee, Command, CommandError, Parsed, StatusChange};
use super::redact::{Tokens, redact};
use crate::config::Config;
use crate::model::{Address, EventKind, Status, Ticket, base_address};
use crate::schedule::promise;
use chrono::{DateTime, Utc};
use serde::Serialize;

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

/// An agent's answer to the requester, sent in the desk's name (`answer` in its template).
#[derive(Debug, Clone, Serialize)]
pub struct AnswerVars {
    /// The agent's text, without commands, quoted history and signature.
    pub text: String,
    /// How the agent signs: the name from their From line (none: the desk signs alone).
    pub agent_name: Option<String>,
}

/// The answer to `#help`, or to command lines that were not understood (`help` in its
/// template).
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

impl From<&CommandError> for HelpError {
    fn from(e: &CommandError) -> HelpError {
        HelpError {
            line: e.line.clone(),
            problem: e.problem.clone(),
        }
    }
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

/// Every text of `parsed` that [`plan`] redacts: the agent's words and the waiting reasons.
/// The tokens it takes out are among their [`super::redact::candidates`].
pub fn redacted(parsed: &Parsed) -> impl Iterator<Item = &str> {
    let reasons = parsed.commands.iter().filter_map(|c| match c {
        Command::Status(StatusChange::WaitingCustomer(r) | StatusChange::WaitingThirdParty(r)) => {
            r.as_deref()
        }
        _ => None,
    });
    std::iter::once(parsed.text.as_str()).chain(reasons)
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
mod tests;
