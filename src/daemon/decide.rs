//! What deskmail makes of one parsed mail, before anything is written: what the store knows
//! about its thread and sender ([`known`]), the decision — the classification, then the limits
//! that end loops and floods ([`decide`]) — and its reason in words ([`reason`]). `run`
//! (through [`super::ingest`]) and `explain` both decide here, so they cannot disagree.

use crate::agent::redact::redact;
use crate::agent::token::TokenKey;
use crate::agent::{plan, proof};
use crate::classify::{self, Decision, Known, TicketHint};
use crate::compose::MailKind;
use crate::config::Config;
use crate::effects::Facts;
use crate::model::Inbound;
use crate::store::{StoreError, inbound, outbox, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

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
        Some(id) => inbound::seen_message_id(c, id, &m.fingerprint())?,
        None => false,
    };
    let recent_portal_reply = match (&m.from, reply_interval_hours) {
        (Some(from), hours) if hours > 0 => {
            let since = now - chrono::Duration::hours(i64::from(hours));
            // one link a day per person, however they dress their address (`+tag`, case)
            let folded = classify::limits::folded(&from.email);
            outbox::last_to_address(c, MailKind::PortalReply.as_str(), &folded, since)?
        }
        _ => None,
    };
    let from_portal = m
        .from
        .as_ref()
        .is_some_and(|f| config.is_portal_sender(&f.email));
    let portal_proof = match (&config.agents.authserv_id, from_portal) {
        (Some(id), true) => Some(proof::check_sender(m, id)),
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
    let agent_repeats = match (&agent_proof, &ticket, &m.from) {
        (Some(Ok(())), Some((reference, _)), Some(from)) => {
            repeats_itself(c, m, reference, &from.email, config, now)?
        }
        _ => false,
    };
    Ok(Known {
        ticket,
        duplicate,
        recent_portal_reply,
        agent_proof,
        portal_proof,
        agent_repeats,
        old: None,
    })
}

/// Whether an agent's mail says, word for word, what they already sent on this ticket in the
/// last week: what an autoresponder does, round after round.
fn repeats_itself(
    c: &Connection,
    m: &Inbound,
    reference: &crate::model::TicketRef,
    sender: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use crate::quote::own_words;
    let text = own_words(&m.body);
    if text.is_empty() {
        return Ok(false);
    }
    let Some(t) = tickets::by_ref(c, reference.as_str())? else {
        return Ok(false);
    };
    let since = now - chrono::Duration::days(7);
    // not itself: `explain` looks again at mail already processed
    let earlier = inbound::agent_mails_on_ticket(c, t.id, sender, since, m.message_id.as_deref())?;
    for raw in earlier {
        if let Ok(earlier) = crate::parse::parse(&raw, config.inbound.max_message_bytes)
            && own_words(&earlier.body) == text
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The decision on a parsed mail, as `run` and `explain` both make it: the classification,
/// then the limits that end loops and floods before the brake would stop all desk mail.
pub fn decide(
    c: &Connection,
    m: &Inbound,
    known: &Known,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Decision, StoreError> {
    use classify::limits::{self, Counts};
    let decision = classify::classify(m, known, config);
    let sender = m.from.as_ref().map(|f| f.email.as_str());
    let targets = limits::targets(&decision, sender);
    let day = now - chrono::Duration::hours(24);
    let to_address = match &targets.address {
        Some(a) => outbox::count_to_address(c, a, day)?,
        None => 0,
    };
    let on_ticket = match &targets.ticket {
        Some(r) => match tickets::by_ref(c, r.as_str())? {
            Some(t) => outbox::count_on_ticket(c, t.id, day)?,
            None => 0,
        },
        None => 0,
    };
    let hourly = config.limits.portal_replies_per_hour;
    let portal_replies_last_hour = if targets.portal_reply && hourly > 0 {
        outbox::count_kind(
            c,
            MailKind::PortalReply.as_str(),
            now - chrono::Duration::hours(1),
            hourly,
        )?
    } else {
        0
    };
    let counts = Counts {
        to_address,
        on_ticket,
        portal_replies_last_hour,
    };
    let flood = limits::check(&targets, &counts, &config.limits);
    Ok(limits::apply(decision, flood))
}

/// The decision's reason in words, as the log and `explain` give it: for an agent's mail also
/// whether its commands are carried out, worked out by the same plan the effects follow, so
/// `run`'s log and `explain` say exactly what the mail does. The desk's reply-address tokens
/// (`facts`) are taken out of an agent's words (a waiting reason, a line not understood),
/// which the log and the store must not keep.
pub fn reason(
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    facts: &Facts,
    now: DateTime<Utc>,
) -> String {
    match decision {
        Decision::AgentCommand { .. } => redact(
            &agent_words(decision, m, config, facts, now),
            &config.desk.address,
            &facts.tokens,
        ),
        _ => decision.reason(),
    }
}

/// An agent's mail's [`reason`] before the tokens are taken out; the tokens pasted in it are
/// looked for in this text (`facts`). The facts' tokens play no part in it.
pub(super) fn agent_words(
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    facts: &Facts,
    now: DateTime<Utc>,
) -> String {
    refusal(decision, m, config, facts, now).unwrap_or_else(|| decision.reason())
}

/// Why a proven agent's mail changes nothing — a line not understood, a date in the past, an
/// assignee who is not an agent. `None` when it is carried out.
fn refusal(
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Option<String> {
    let Decision::AgentCommand { ticket, parsed } = decision else {
        return None;
    };
    let (Some(t), Some(from)) = (&facts.ticket, m.from.as_ref()) else {
        return None;
    };
    let p = plan::plan(parsed, from, t, config, now, &facts.sent, &facts.tokens);
    let help = p.help.filter(|_| p.rejected)?;
    let wrong: Vec<String> = help
        .errors
        .iter()
        .map(|e| format!("\"{}\" ({})", e.line, e.problem))
        .collect();
    Some(format!(
        "proven agent mail on {ticket}, refused: {}; nothing done, the agent gets the syntax",
        wrong.join("; ")
    ))
}
