//! What a proven agent's reply does to its ticket, inside the caller's transaction: each
//! command changes the ticket and leaves an event (who, what, when, which mail); the text goes
//! to the requester in the desk's name (or stays on the ticket with `#internal`); `#help` and
//! lines that were not understood are answered to the agent. An unproven mail from an agent's
//! address is only recorded.

use super::ingest::{IngestError, enqueue};
use crate::agent::command::{Assignee, Command, Parsed, StatusChange};
use crate::agent::proof::{self, Unproven};
use crate::compose::Composer;
use crate::compose::vars::{AnswerVars, HelpError, HelpVars};
use crate::model::{Address, Inbound, Status, TicketRef, base_address};
use crate::store::{events, inbound, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Record the mail on the ticket and say why nothing happened; nobody is answered.
pub fn unproven(
    tx: &Connection,
    m: &Inbound,
    reference: &TicketRef,
    why: &Unproven,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), IngestError> {
    let from = m.from.as_ref().map_or("?", |f| f.email.as_str());
    tracing::warn!(ticket = %reference, from, %why, "mail from an agent's address not proven; kept, not acted on");
    let Some(t) = tickets::by_ref(tx, reference.as_str())? else {
        return Ok(());
    };
    inbound::link_ticket(tx, inbound_id, t.id)?;
    events::add(
        tx,
        t.id,
        now,
        from,
        "unproven",
        &format!("mail \"{}\" not acted on: {why}", m.subject),
        Some(inbound_id),
    )?;
    Ok(())
}

/// Apply a proven agent's commands and pass on their text.
pub fn apply(
    tx: &Connection,
    composer: &Composer,
    m: &Inbound,
    reference: &TicketRef,
    parsed: &Parsed,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), IngestError> {
    let Some(t) = tickets::by_ref(tx, reference.as_str())? else {
        return Ok(());
    };
    let Some(from) = m.from.as_ref() else {
        return Ok(());
    };
    inbound::link_ticket(tx, inbound_id, t.id)?;
    let agent = base_address(&from.email).to_lowercase();
    // all or nothing: a mistyped `#interal` must not let an internal note reach the requester
    let mut errors: Vec<HelpError> = parsed.errors.iter().map(HelpError::from).collect();
    errors.extend(
        parsed
            .commands
            .iter()
            .filter_map(|c| check(composer, c, &agent, now).map(|p| problem_line(c, p))),
    );
    if !errors.is_empty() {
        tracing::info!(ticket = %reference, agent, errors = errors.len(), "agent's commands not understood; nothing done, the agent is told");
        events::add(
            tx,
            t.id,
            now,
            &agent,
            "not_understood",
            &format!("{} line(s) not understood; nothing done", errors.len()),
            Some(inbound_id),
        )?;
        let vars = HelpVars {
            errors,
            applied: Vec::new(),
            syntax: crate::agent::command::SYNTAX.to_string(),
        };
        let mail = composer.agent_help(&t, &agent, vars, now)?;
        return enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now);
    }
    let mut applied = Vec::new();
    let mut told = false; // a status the requester should hear about
    for command in &parsed.commands {
        let event = |kind: &str, detail: &str| {
            events::add(tx, t.id, now, &agent, kind, detail, Some(inbound_id))
        };
        match command {
            Command::Status(change) => {
                let (status, reason) = status_of(change);
                tickets::set_status(tx, t.id, &status, reason, now)?;
                told |= matches!(status, Status::Resolved | Status::WaitingCustomer);
                event("status", &command.describe())?;
            }
            Command::Target(date) => {
                let target = target_of(composer, *date, now);
                tickets::set_target(tx, t.id, target, now)?;
                event("target", &command.describe())?;
            }
            Command::Next(date) => {
                tickets::set_next_contact(tx, t.id, *date, now)?;
                event("next", &command.describe())?;
            }
            Command::Assign(who) => {
                let to = assignee(who, &agent);
                tickets::set_assignee(tx, t.id, &to, now)?;
                event("assign", &format!("assigned to {to}"))?;
            }
            Command::Internal | Command::Help => {}
        }
        applied.push(command.describe());
    }
    let internal = parsed.is_internal();
    let help = parsed.commands.contains(&Command::Help);

    let t = tickets::by_id(tx, t.id)?.unwrap_or(t);
    let answer = answer_vars(from, &parsed.text, &composer.config.desk.address);
    let text = answer.text.clone();
    if internal {
        if !text.is_empty() {
            events::add(tx, t.id, now, &agent, "note", &text, Some(inbound_id))?;
        }
    } else if !text.is_empty() || told {
        let answering = inbound::last_message_id_from(tx, t.id, &t.requester)?;
        let mail = composer.agent_answer(&t, answer, answering.as_deref(), now)?;
        enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now)?;
        tickets::set_threads(tx, t.id, Some(&mail.message_id), None)?;
        events::add(
            tx,
            t.id,
            now,
            &agent,
            "answer",
            &summary(&text),
            Some(inbound_id),
        )?;
    }
    if help {
        let vars = HelpVars {
            errors: Vec::new(),
            applied,
            syntax: crate::agent::command::SYNTAX.to_string(),
        };
        let mail = composer.agent_help(&t, &agent, vars, now)?;
        enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now)?;
    }
    Ok(())
}

/// What the requester gets of an agent's mail: the text without any reply-address token (in
/// their hands it would let them steer their own ticket with a forged From line; a note keeps
/// none either), and the name to sign with.
pub fn answer_vars(from: &Address, text: &str, desk_address: &str) -> AnswerVars {
    AnswerVars {
        text: proof::redact(text, desk_address),
        agent_name: signature_name(from),
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

fn status_of(change: &StatusChange) -> (Status, Option<&str>) {
    match change {
        StatusChange::Open => (Status::Open, None),
        StatusChange::WaitingCustomer(r) => (Status::WaitingCustomer, r.as_deref()),
        StatusChange::WaitingThirdParty(r) => (Status::WaitingThirdParty, r.as_deref()),
        StatusChange::Resolved => (Status::Resolved, None),
    }
}

/// What is wrong with a command that parsed, if anything: a date that has passed, an
/// assignee who is not an agent.
fn check(composer: &Composer, c: &Command, agent: &str, now: DateTime<Utc>) -> Option<String> {
    let today = composer.config.calendar.local_date(now);
    match c {
        Command::Target(date) | Command::Next(date) if *date < today => {
            Some(format!("{date} has passed already (today is {today})"))
        }
        Command::Target(date) if target_of(composer, *date, now) <= now => Some(format!(
            "the working day {date} ends before now; give a later date"
        )),
        Command::Assign(who) => {
            let to = assignee(who, agent);
            (!composer.config.is_agent(&to))
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
fn target_of(composer: &Composer, date: chrono::NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let cal = &composer.config.calendar;
    let day = cal.working_day_on_or_before(date);
    cal.closing_on(day).unwrap_or_else(|| cal.next_open(now))
}

fn problem_line(command: &Command, problem: String) -> HelpError {
    HelpError {
        line: command.describe(),
        problem,
    }
}

/// The first line of a text, for the event log.
fn summary(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut s: String = first.chars().take(120).collect();
    if first.chars().count() > 120 || text.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
        s.push('…');
    }
    if s.is_empty() {
        "(status only)".into()
    } else {
        s
    }
}
