//! One inbound message, start to end: parse, look up what the store knows, classify, and write
//! everything that follows in one transaction (the inbound row, ticket changes, events, outbox
//! rows). Unreadable mail is kept in quarantine (its first bytes and its size). Nothing is sent
//! here.

use super::Engine;
use super::decide::{decide, known, reason};
use super::enqueue::{WriteError, enqueue};
use crate::classify::{self, Author, Decision, IgnoreReason, Known, arrival};
use crate::compose::{Composer, Outgoing};
use crate::model::{EventKind, Inbound, Ticket};
use crate::portal::FormRequest;
use crate::schedule::{promise, sla};
use crate::source::SourceMessage;
use crate::store::{self, events, inbound, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Processed before (a restart, or a second pass under `processed = "keep"`); marked at
    /// the source again as it was meant to be, unless it is to stay untouched.
    AlreadyDone { at_source: AtSource },
    /// Could not be read; kept raw with the reason.
    Quarantined(String),
    /// Decided; the name and reason of the decision, and the mail's Message-ID (the log names
    /// a mail by its source key, Message-ID and size, never by its text).
    Decided {
        decision: &'static str,
        reason: String,
        message_id: Option<String>,
        at_source: AtSource,
    },
}

impl Outcome {
    /// What the source is to do with the mail now.
    pub fn at_source(&self) -> AtSource {
        match self {
            Outcome::Quarantined(_) => AtSource::SetAside,
            Outcome::AlreadyDone { at_source } | Outcome::Decided { at_source, .. } => *at_source,
        }
    }
}

/// What becomes of a mail at its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtSource {
    /// Marked processed (flagged, moved) as `inbound.processed` says.
    Mark,
    /// Unreadable: moved to the error folder.
    SetAside,
    /// Left as the desk left it: mail from before deskmail's time, only recorded.
    Untouched,
}

/// Decide one message and record it. `commit = false` rolls everything back (dry run).
pub fn ingest(
    engine: &mut Engine,
    msg: &SourceMessage,
    now: DateTime<Utc>,
    commit: bool,
) -> Result<Outcome, WriteError> {
    let (key, raw) = (msg.key.as_str(), msg.raw.as_slice());
    if let Some(earlier) = inbound::earlier(engine.store.conn(), key)? {
        return Ok(Outcome::AlreadyDone {
            at_source: match earlier {
                inbound::Earlier::Untouched => AtSource::Untouched,
                inbound::Earlier::Quarantined => AtSource::SetAside,
                inbound::Earlier::Decided => AtSource::Mark,
            },
        });
    }
    let config = &engine.config;
    let parsed = crate::parse::parse(raw, config.inbound.max_message_bytes);
    let m = match parsed {
        Ok(m) => m,
        Err(e) => {
            // the source read one byte over the limit; the reason names the whole size
            let reason = match e {
                crate::parse::ParseError::TooLarge { limit, .. } => {
                    crate::parse::ParseError::TooLarge {
                        size: msg.size.max(raw.len()),
                        limit,
                    }
                    .to_string()
                }
                e => e.to_string(),
            };
            engine.store.transaction(commit, |tx| {
                inbound::insert(
                    tx,
                    &inbound::NewInbound {
                        source_key: key,
                        message_id: None,
                        received: now,
                        sender: None,
                        subject: None,
                        decision: "quarantine",
                        reason: &reason,
                        ticket_id: None,
                        raw,
                        keep: inbound::QUARANTINE_PREFIX,
                        size: msg.size,
                        held: None,
                        fingerprint: None,
                    },
                )
                .map_err(WriteError::from)
            })?;
            return Ok(Outcome::Quarantined(reason));
        }
    };
    let hints = classify::ticket_hints(&m, config);
    let known = Known {
        old: arrival::judge(
            &msg.arrival,
            engine.first_start.as_ref(),
            config.inbound.since,
            config.inbound.max_age_days,
            config.calendar.tz(),
            now,
        ),
        ..known(
            engine.store.conn(),
            &m,
            &hints,
            config,
            Some(&engine.token_key),
            now,
        )?
    };
    let decision = decide(engine.store.conn(), &m, &known, config, now)?;
    let old = match &decision {
        Decision::Ignore(IgnoreReason::Old(old))
        | Decision::Handoff(classify::HandoffReason::Old(old)) => Some(old),
        _ => None,
    };
    // why a mail was held back, for the operator's counts and the agents' bundle
    let held = match &decision {
        Decision::TicketReply { quiet: Some(_), .. } => Some("flood"),
        _ => old.map(|o| o.code()),
    };
    let reason = reason(
        engine.store.conn(),
        &decision,
        &m,
        config,
        now,
        Some(&engine.token_key),
    )?;
    let fingerprint = m.fingerprint();
    let composer = Composer::new(config, &engine.templates).signing(&engine.token_key);
    engine.store.transaction(commit, |tx| {
        let inbound_id = inbound::insert(
            tx,
            &inbound::NewInbound {
                source_key: key,
                message_id: m.message_id.as_deref(),
                received: now,
                sender: m.from.as_ref().map(|f| f.email.as_str()),
                subject: Some(&m.subject),
                decision: decision.name(),
                reason: &reason,
                ticket_id: None,
                raw,
                keep: config.store.max_raw_bytes,
                size: msg.size,
                held,
                fingerprint: Some(&fingerprint),
            },
        )?;
        act(tx, &composer, &m, &decision, inbound_id, now)
    })?;
    Ok(Outcome::Decided {
        decision: decision.name(),
        reason,
        message_id: m.message_id.clone(),
        at_source: match old {
            Some(old) if old.untouched_at_source() => AtSource::Untouched,
            _ => AtSource::Mark,
        },
    })
}

/// Everything that follows from a decision, inside the caller's transaction.
fn act(
    tx: &Connection,
    composer: &Composer,
    m: &Inbound,
    decision: &Decision,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let config = composer.config;
    match decision {
        Decision::Ignore(classify::IgnoreReason::UnprovenAgent { ticket, why }) => {
            super::steer::unproven(tx, m, ticket, why, inbound_id, now)
        }
        Decision::Ignore(_) => Ok(()),
        // recorded; the agents hear of it in the hourly bundle (daemon::handoff)
        Decision::Handoff(_) => Ok(()),
        Decision::AgentCommand { ticket, parsed } => {
            super::steer::apply(tx, composer, m, ticket, parsed, inbound_id, now)
        }
        Decision::PortalReply { form } => {
            let Some(to) = m.from.as_ref() else {
                return Ok(());
            };
            let lang = crate::lang::guess(&format!("{}\n{}", m.subject, m.body))
                .unwrap_or(config.desk.language);
            let url = crate::portal::prefill_url(form, m, &config.portal);
            let mail = composer.portal_reply(m, to, form, &url, lang, now)?;
            enqueue(tx, composer, &mail, None, Some(inbound_id), now)
        }
        Decision::NewTicket(form) => new_ticket(tx, composer, form, inbound_id, now),
        Decision::TicketReply {
            ticket,
            author,
            quiet,
        } => {
            let Some(t) = tickets::by_ref(tx, ticket.as_str())? else {
                return Ok(());
            };
            inbound::link_ticket(tx, inbound_id, t.id)?;
            let who = m.from.as_ref().map_or("?", |f| f.email.as_str());
            events::add(
                tx,
                t.id,
                now,
                who,
                EventKind::Reply,
                &format!("mail \"{}\"", m.subject),
                Some(inbound_id),
            )?;
            let replied = (*author == Author::Requester)
                .then(|| promise::requester_replied(&t, now, &config.calendar, &config.schedule))
                .flatten();
            let t = match replied {
                Some((changed, why)) => {
                    tickets::update(tx, &changed, now)?;
                    events::add(
                        tx,
                        t.id,
                        now,
                        "deskmail",
                        EventKind::Status,
                        why,
                        Some(inbound_id),
                    )?;
                    changed
                }
                None => t,
            };
            if quiet.is_some() {
                // a loop or a flood on this ticket: the hourly bundle tells the agents
                return Ok(());
            }
            let mail = composer.agent_ticket_reply(&t, m, now)?;
            enqueue(tx, composer, &mail, Some(t.id), Some(inbound_id), now)?;
            set_threads(tx, &t, None, Some(&mail))
        }
    }
}

fn new_ticket(
    tx: &Connection,
    composer: &Composer,
    form: &FormRequest,
    inbound_id: i64,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let config = composer.config;
    let cal = &config.calendar;
    let lang = crate::lang::guess(&format!("{}\n{}", form.subject, form.description))
        .unwrap_or(config.desk.language);
    let t = tickets::insert(
        tx,
        &tickets::NewTicket {
            requester: form.email.clone(),
            requester_name: form.name.clone(),
            lang,
            subject: form.subject.clone(),
            description: form.description.clone(),
            category: form.category.clone(),
            priority: form.priority,
            created: now,
            target: sla::target_at(cal, &config.sla, now, form.priority, &form.category),
            next_contact: Some(promise::first_promise(now, cal, &config.schedule)),
        },
        &config.tickets.ref_prefix,
        config.tickets.first_number,
    )?;
    inbound::link_ticket(tx, inbound_id, t.id)?;
    events::add(
        tx,
        t.id,
        now,
        "portal",
        EventKind::Created,
        &format!(
            "{} priority, category {}, target {}",
            t.priority,
            t.category,
            store::time_text(t.target)
        ),
        Some(inbound_id),
    )?;
    let confirmation = composer.confirmation(&t, now)?;
    enqueue(
        tx,
        composer,
        &confirmation,
        Some(t.id),
        Some(inbound_id),
        now,
    )?;
    let notice = composer.agent_new_ticket(&t, now)?;
    enqueue(tx, composer, &notice, Some(t.id), Some(inbound_id), now)?;
    set_threads(tx, &t, Some(&confirmation), Some(&notice))
}

fn set_threads(
    tx: &Connection,
    t: &Ticket,
    requester: Option<&Outgoing>,
    agent: Option<&Outgoing>,
) -> Result<(), WriteError> {
    tickets::set_threads(
        tx,
        t.id,
        requester.map(|o| o.message_id.as_str()),
        agent.map(|o| o.message_id.as_str()),
    )?;
    Ok(())
}
