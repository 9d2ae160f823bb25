//! One inbound message, start to end: parse, look up what the store knows, classify, and write
//! everything that follows in one transaction (the inbound row, ticket changes, events, outbox
//! rows). Unreadable mail is kept raw in quarantine. Nothing is sent here.

use super::Engine;
use crate::agent::proof::{self, TokenKey};
use crate::classify::{self, Author, Decision, Known, TicketHint};
use crate::compose::{Composer, Outgoing};
use crate::config::Config;
use crate::model::{Inbound, Status, Ticket};
use crate::portal::FormRequest;
use crate::schedule::{progress, sla};
use crate::store::{self, StoreError, events, inbound, outbox, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] crate::compose::TemplateError),
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Processed before (a restart, or a second pass under `processed = "keep"`).
    AlreadyDone,
    /// Could not be read; kept raw with the reason.
    Quarantined(String),
    /// Decided; the name and reason of the decision.
    Decided {
        decision: &'static str,
        reason: String,
    },
}

/// What the store knows about this mail's thread and its sender. `key` checks an agent's
/// signed reply address; without one no agent mail proves itself.
pub fn known(
    c: &Connection,
    m: &Inbound,
    hints: &[TicketHint],
    config: &Config,
    key: Option<&TokenKey>,
    now: DateTime<Utc>,
) -> Result<Known, StoreError> {
    let reply_interval_hours = config.portal.reply_interval_hours;
    let mut ticket = None;
    for hint in hints {
        let found = match hint {
            TicketHint::Reference(r) => tickets::by_ref(c, r.as_str())?,
            TicketHint::MessageId(id) => tickets::by_message_id(c, id)?,
        };
        if let Some(t) = found {
            ticket = Some((t.reference, t.requester));
            break;
        }
    }
    let duplicate = match &m.message_id {
        Some(id) => inbound::seen_message_id(c, id)?,
        None => false,
    };
    let recent_portal_reply = match (&m.from, reply_interval_hours) {
        (Some(from), hours) if hours > 0 => {
            let since = now - chrono::Duration::hours(i64::from(hours));
            outbox::last_to(c, "portal_reply", &from.email, since)?
        }
        _ => None,
    };
    let from_agent = m.from.as_ref().is_some_and(|f| config.is_agent(&f.email));
    let agent_proof = match (&ticket, from_agent) {
        (Some((reference, _)), true) => Some(match key {
            Some(key) => proof::check(
                m,
                reference,
                key,
                &config.desk.address,
                &config.tickets.ref_prefix,
                config.agents.authserv_id.as_deref(),
            ),
            None => Err(proof::Unproven::NoToken),
        }),
        _ => None,
    };
    Ok(Known {
        ticket,
        duplicate,
        recent_portal_reply,
        agent_proof,
    })
}

/// Decide one message and record it. `commit = false` rolls everything back (dry run).
pub fn ingest(
    engine: &mut Engine,
    key: &str,
    raw: &[u8],
    now: DateTime<Utc>,
    commit: bool,
) -> Result<Outcome, IngestError> {
    if inbound::seen_source(engine.store.conn(), key)? {
        return Ok(Outcome::AlreadyDone);
    }
    let config = &engine.config;
    let parsed = crate::parse::parse(raw, config.inbound.max_message_bytes);
    let m = match parsed {
        Ok(m) => m,
        Err(e) => {
            let reason = e.to_string();
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
                    },
                )
                .map_err(IngestError::from)
            })?;
            return Ok(Outcome::Quarantined(reason));
        }
    };
    let hints = classify::ticket_hints(&m, config);
    let known = known(
        engine.store.conn(),
        &m,
        &hints,
        config,
        Some(&engine.token_key),
        now,
    )?;
    let decision = classify::classify(&m, &known, config);
    let reason = decision.reason();
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
            },
        )?;
        act(tx, &composer, &m, &decision, inbound_id, now)
    })?;
    Ok(Outcome::Decided {
        decision: decision.name(),
        reason,
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
) -> Result<(), IngestError> {
    let config = composer.config;
    match decision {
        Decision::Ignore(classify::IgnoreReason::UnprovenAgent { ticket, why }) => {
            super::steer::unproven(tx, m, ticket, why, inbound_id, now)
        }
        Decision::Ignore(_) => Ok(()),
        // handoff: the lead wires the agents' bundle; until then recorded, nothing sent
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
        Decision::TicketReply { ticket, author } => {
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
                "reply",
                &format!("mail \"{}\"", m.subject),
                Some(inbound_id),
            )?;
            // the requester's answer ends a wait on them; after "resolved" it says it is not
            // (the answer mail invites exactly that); a closed ticket stays closed
            let reopen = match t.status {
                Status::WaitingCustomer => Some("open: the requester replied"),
                Status::Resolved => Some("reopened: the requester replied after it was resolved"),
                _ => None,
            };
            if *author == Author::Requester
                && let Some(why) = reopen
            {
                tickets::set_status(tx, t.id, &Status::Open, None, now)?;
                events::add(tx, t.id, now, "deskmail", "status", why, Some(inbound_id))?;
            }
            let t = tickets::by_id(tx, t.id)?.unwrap_or(t);
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
) -> Result<(), IngestError> {
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
            next_contact: Some(progress::first_promise(now, cal, &config.schedule)),
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
        "created",
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
) -> Result<(), IngestError> {
    tickets::set_threads(
        tx,
        t.id,
        requester.map(|o| o.message_id.as_str()),
        agent.map(|o| o.message_id.as_str()),
    )?;
    Ok(())
}

/// Render a mail to bytes and put it in the outbox.
pub fn enqueue(
    tx: &Connection,
    composer: &Composer,
    mail: &Outgoing,
    ticket_id: Option<i64>,
    inbound_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), IngestError> {
    let raw = match crate::compose::to_bytes(mail, composer.config, now) {
        Ok(raw) => raw,
        Err(e) => {
            // an address lettre refuses: record why on the ticket instead of sending
            tracing::warn!(message_id = %mail.message_id, error = %e, "mail not queued");
            if let Some(id) = ticket_id {
                events::add(
                    tx,
                    id,
                    now,
                    "deskmail",
                    "mail_refused",
                    &e.to_string(),
                    inbound_id,
                )?;
            }
            return Ok(());
        }
    };
    let recipients: Vec<String> = mail.to.iter().map(|a| a.email.clone()).collect();
    outbox::enqueue(
        tx,
        &outbox::NewMail {
            message_id: &mail.message_id,
            kind: mail.kind.as_str(),
            ticket_id,
            inbound_id,
            recipients: &recipients,
            raw: &raw,
            created: now,
        },
    )?;
    Ok(())
}
