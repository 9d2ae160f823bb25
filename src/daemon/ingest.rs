//! One inbound message, start to end: parse, look up what the store knows, decide, work out
//! the decision's effects (`effects::decided`) and write them with the inbound row in the
//! caller's transaction (`daemon::group` puts several mails in one, each in its own savepoint).
//! Unreadable mail is kept in quarantine (its first bytes and its size). Nothing is sent here.

use super::decide::{decide, known, reason};
use super::enqueue::WriteError;
use super::facts;
use super::write::write;
use crate::classify::{self, Decision, IgnoreReason, Known, arrival};
use crate::compose::Composer;
use crate::effects::{self, TicketEffect};
use crate::model::TicketRef;
pub use crate::source::AtSource;
use crate::source::SourceMessage;
use crate::store::inbound;
use chrono::{DateTime, Utc};

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
        /// The ticket the mail made or is about, when the store has it.
        ticket: Option<TicketRef>,
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

/// What deciding a mail needs from the engine, borrowed beside its store (whose transaction
/// the mail is written in).
pub struct Desk<'a> {
    pub config: &'a crate::config::Config,
    pub templates: &'a crate::compose::Templates,
    pub token_key: &'a crate::agent::token::TokenKey,
    pub page_key: Option<&'a crate::requester::token::PageKey>,
    pub first_start: Option<&'a arrival::FirstStart>,
}

/// Decide one message and record it in the caller's transaction `tx`.
pub fn ingest_in(
    tx: &rusqlite::Connection,
    desk: &Desk,
    msg: &SourceMessage,
    now: DateTime<Utc>,
) -> Result<Outcome, WriteError> {
    let (key_at_source, raw) = (msg.key.as_str(), msg.raw.as_slice());
    if let Some(earlier) = inbound::earlier(tx, key_at_source)? {
        return Ok(Outcome::AlreadyDone {
            at_source: match earlier {
                inbound::Earlier::Untouched => AtSource::Untouched,
                inbound::Earlier::Quarantined => AtSource::SetAside,
                inbound::Earlier::Decided => AtSource::Mark,
            },
        });
    }
    let config = desk.config;
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
            inbound::insert(
                tx,
                &inbound::NewInbound {
                    source_key: key_at_source,
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
            )?;
            return Ok(Outcome::Quarantined(reason));
        }
    };
    let hints = classify::ticket_hints(&m, config);
    let known = Known {
        old: arrival::judge(
            &msg.arrival,
            desk.first_start,
            config.inbound.since,
            config.inbound.max_age_days,
            config.calendar.tz(),
            now,
        ),
        ..known(tx, &m, &hints, config, Some(desk.token_key), now)?
    };
    let decision = decide(tx, &m, &known, config, now)?;
    // said by `run` only: `explain` decides the same way but changes nothing
    if let Decision::Handoff(classify::HandoffReason::Flood(flood))
    | Decision::TicketReply {
        quiet: Some(flood), ..
    } = &decision
    {
        tracing::warn!(%flood, "limit reached: the mail goes to the agents' hourly bundle, not answered");
    }
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
    if let Decision::Ignore(IgnoreReason::UnprovenAgent { ticket, why }) = &decision {
        let from = m.from.as_ref().map_or("?", |f| f.email.as_str());
        tracing::warn!(%ticket, from, %why, "mail from an agent's address not proven; kept, not acted on");
    }
    let composer = Composer::new(config, desk.templates)
        .signing(desk.token_key)
        .linking(desk.page_key);
    let key = Some(desk.token_key);
    let row = Row {
        source_key: key_at_source,
        raw,
        size: msg.size,
        held,
    };
    let (reason, ticket) = record(tx, &composer, &decision, &m, key, &row, now)?;
    Ok(Outcome::Decided {
        decision: decision.name(),
        reason,
        message_id: m.message_id.clone(),
        ticket,
        at_source: match old {
            Some(old) if old.untouched_at_source() => AtSource::Untouched,
            _ => AtSource::Mark,
        },
    })
}

/// Where a decided mail came from, for its inbound row.
pub struct Row<'a> {
    pub source_key: &'a str,
    /// The whole message as read (the row keeps `store.max_raw_bytes` of it).
    pub raw: &'a [u8],
    /// Its whole size at the source.
    pub size: usize,
    /// Why it was held back, if it was.
    pub held: Option<&'a str>,
}

/// Record the decided mail `m` and write what the decision does, in the caller's transaction:
/// what the store knows, the inbound row with the reason, the effects. Every way a mail comes
/// in takes this path (the mailbox here; the requester's ticket page in `daemon::page`).
/// Returns the reason and the ticket the mail made or is about.
pub fn record(
    tx: &rusqlite::Connection,
    composer: &Composer,
    decision: &Decision,
    m: &crate::model::Inbound,
    key: Option<&crate::agent::token::TokenKey>,
    row: &Row,
    now: DateTime<Utc>,
) -> Result<(String, Option<TicketRef>), WriteError> {
    let config = composer.config;
    let facts = facts::gather(tx, decision, m, config, key, now)?;
    let reason = reason(decision, m, config, &facts, now);
    let inbound_id = inbound::insert(
        tx,
        &inbound::NewInbound {
            source_key: row.source_key,
            message_id: m.message_id.as_deref(),
            received: now,
            sender: m.from.as_ref().map(|f| f.email.as_str()),
            subject: Some(&m.subject),
            decision: decision.name(),
            reason: &reason,
            ticket_id: None,
            raw: row.raw,
            keep: config.store.max_raw_bytes,
            size: row.size,
            held: row.held,
            fingerprint: Some(&m.fingerprint()),
        },
    )?;
    let effects = effects::decided(composer, decision, m, &facts, now)?;
    write(tx, composer, &effects, Some(inbound_id), now)?;
    let ticket = match &effects.ticket {
        Some(TicketEffect::Create { ticket, .. } | TicketEffect::Update(ticket)) => {
            Some(ticket.reference.clone())
        }
        Some(TicketEffect::Keep(_)) => facts.ticket.map(|t| t.reference),
        None => None,
    };
    Ok((reason, ticket))
}
