//! Mail deskmail hands over instead of answering (decision `handoff`: a calendar invitation,
//! or mail it cannot tell from a robot's) reaches a human: the agents' queue gets one bundle
//! at most every hour, listing what came since the last one. A missed person still hears from
//! the desk; a machine never gets an answer, and a flood makes one mail, not hundreds.

use super::Engine;
use super::enqueue::{WriteError, enqueue};
use crate::compose::vars::{HandoffMail, HandoffVars};
use crate::compose::{Composer, MailKind, words};
use crate::config::Config;
use crate::store::{inbound, outbox, settings};
use chrono::{DateTime, Utc};

/// At most one bundle in this time.
const EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Mails listed in one bundle; the rest are counted and listed in the next ones, so nobody in
/// a flood is only a number.
const LISTED: usize = 50;

/// Characters of a mail's own text shown in the bundle.
const EXCERPT: usize = 300;

/// Queue the bundle if mail was handed over since the last one and the hour has passed.
/// Returns how many mails it covers (0: nothing queued).
pub fn bundle(engine: &mut Engine, now: DateTime<Utc>, commit: bool) -> Result<usize, WriteError> {
    let config = &engine.config;
    let conn = engine.store.conn();
    let upto = settings::handoff_upto(conn)?;
    let (mails, total) = inbound::handoffs_after(conn, upto, LISTED)?;
    if total == 0 {
        return Ok(0);
    }
    let kind = MailKind::AgentHandoff.as_str();
    if outbox::last_to(conn, kind, &config.agents.queue, now - EVERY)?.is_some() {
        return Ok(0);
    }
    let listed_upto = mails.last().map_or(upto, |h| h.id);
    let vars = HandoffVars {
        count: total,
        more: total.saturating_sub(mails.len()),
        mails: mails.iter().map(|h| listed(h, config)).collect(),
    };
    let composer = Composer::new(config, &engine.templates).signing(&engine.token_key);
    let mail = composer.agent_handoff(vars, now)?;
    engine.store.transaction(commit, |tx| {
        enqueue(tx, &composer, &mail, None, None, now)?;
        settings::set_handoff_upto(tx, listed_upto, now)?;
        Ok::<_, WriteError>(())
    })?;
    tracing::info!(
        mails = total,
        "mail not answered automatically passed to the agents' queue"
    );
    Ok(total)
}

/// One handed-over mail as the agents read it: sender, subject, when, why, and how it starts.
fn listed(h: &inbound::Handoff, config: &Config) -> HandoffMail {
    let lang = config.desk.language;
    let parsed = crate::parse::parse(&h.raw, config.inbound.max_message_bytes).ok();
    let from = parsed
        .as_ref()
        .and_then(|m| m.from.as_ref())
        .map(|f| match &f.name {
            Some(name) if !name.is_empty() => format!("{name} <{}>", f.email),
            _ => f.email.clone(),
        })
        .unwrap_or_default();
    HandoffMail {
        from: crate::text::fit(&from, 200),
        subject: parsed
            .as_ref()
            .map(|m| crate::text::fit(&m.subject, 200))
            .unwrap_or_default(),
        received: words::date_time(lang, h.received, config.calendar.tz()),
        reason: h.reason.clone(),
        excerpt: parsed
            .as_ref()
            .map(|m| crate::portal::excerpt(&m.body, EXCERPT))
            .unwrap_or_default(),
    }
}
