//! What the daemon records about itself for `deskmail status` (which reads it from the
//! database without talking to the daemon): its start, a heartbeat each pass, each fetch's
//! outcome, a clean stop. And the agents hear when the mailbox stays away (once, after
//! `status.mailbox_down_notice_minutes`) and when it is back (once): `status::outage` decides.

use super::Engine;
use super::enqueue::{WriteError, enqueue};
use crate::compose::Composer;
use crate::compose::vars::MailboxVars;
use crate::compose::words;
use crate::error_chain::Chain;
use crate::source::imap::ImapError;
use crate::source::{Source, SourceError};
use crate::status::outage::{self, Notice};
use crate::store::daemon_state::{self, Away, DaemonState, Mode};
use chrono::{DateTime, Utc};

/// A run begins: this process, how it runs, which mailbox.
pub(super) fn started(
    engine: &Engine,
    source: &Source,
    once: bool,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let mode = if once { Mode::Once } else { Mode::Daemon };
    daemon_state::started(
        engine.store.conn(),
        std::process::id(),
        mode,
        &source.describe(),
        now,
    )?;
    Ok(())
}

/// Still alive: at the start of each pass.
pub(super) fn heartbeat(engine: &Engine, now: DateTime<Utc>) -> Result<(), WriteError> {
    daemon_state::heartbeat(engine.store.conn(), now)?;
    Ok(())
}

/// A clean stop. A database that cannot be written now only costs the record: logged.
pub(super) fn stopped(engine: &Engine, now: DateTime<Utc>) {
    if let Err(e) = daemon_state::stopped(engine.store.conn(), now) {
        tracing::warn!(error = %Chain(&e), "could not record the stop for deskmail status");
    }
}

/// The source answered; the agents hear it is back if they were told it was away.
pub(super) fn fetched(engine: &mut Engine, now: DateTime<Utc>) -> Result<(), WriteError> {
    let before = daemon_state::read(engine.store.conn())?;
    let after = DaemonState {
        error_since: None,
        ..before.clone()
    };
    if outage::due(&after, now, engine.config.status.mailbox_down_notice) != Some(Notice::Back) {
        daemon_state::fetched(engine.store.conn(), now)?;
        return Ok(());
    }
    let since = before.error_since.unwrap_or(now);
    let notice = compose(engine, &before, since, Some(now), now)?;
    let composer = Composer::new(&engine.config, &engine.templates).signing(&engine.token_key);
    engine.store.transaction(true, |tx| {
        daemon_state::fetched(tx, now)?;
        daemon_state::set_down_told(tx, None)?;
        enqueue(tx, &composer, &notice, None, None, now)
    })?;
    tracing::info!(source = %before.source.as_deref().unwrap_or(""), "the mailbox answers again; the agents' queue is told");
    Ok(())
}

/// The source did not answer: recorded, and the agents told once it has been away too long.
pub(super) fn fetch_failed(
    engine: &mut Engine,
    error: &SourceError,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let text = Chain(error).to_string();
    let seen = match error {
        // the reconnect backoff runs: the error that started it stays on record
        SourceError::Imap(ImapError::Waiting { .. }) => None,
        SourceError::Imap(ImapError::Login { .. }) => Some((text.as_str(), Away::LoginRefused)),
        _ => Some((text.as_str(), Away::Unreachable)),
    };
    daemon_state::fetch_failed(engine.store.conn(), now, seen)?;
    let state = daemon_state::read(engine.store.conn())?;
    if outage::due(&state, now, engine.config.status.mailbox_down_notice) != Some(Notice::Down) {
        return Ok(());
    }
    let since = state.error_since.unwrap_or(now);
    let notice = compose(engine, &state, since, None, now)?;
    let composer = Composer::new(&engine.config, &engine.templates).signing(&engine.token_key);
    engine.store.transaction(true, |tx| {
        daemon_state::set_down_told(tx, Some(now))?;
        enqueue(tx, &composer, &notice, None, None, now)
    })?;
    tracing::error!(source = %state.source.as_deref().unwrap_or(""), since = %since, error = %state.fetch_error.as_deref().unwrap_or(""), "MAILBOX AWAY: the agents' queue is told");
    Ok(())
}

fn compose(
    engine: &Engine,
    state: &DaemonState,
    since: DateTime<Utc>,
    back: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<crate::compose::Outgoing, WriteError> {
    let (lang, tz) = (engine.config.desk.language, engine.config.calendar.tz());
    let vars = MailboxVars {
        source: state.source.clone().unwrap_or_default(),
        error: state
            .fetch_error
            .as_deref()
            .map(|e| e.chars().take(500).collect())
            .unwrap_or_default(),
        login_refused: state.error_kind == Some(Away::LoginRefused),
        since: words::date_time(lang, since, tz),
        back: back
            .map(|b| words::date_time(lang, b, tz))
            .unwrap_or_default(),
    };
    let composer = Composer::new(&engine.config, &engine.templates).signing(&engine.token_key);
    Ok(composer.agent_mailbox(vars, back.is_some(), now)?)
}

/// The record is for the operator; failing to write it stops nothing (a database that cannot
/// be written is waited out by the writes that matter, and `status` shows the stale heartbeat).
pub(super) fn noted(result: Result<(), WriteError>) {
    if let Err(e) = result {
        tracing::warn!(error = %Chain(&e), "could not record the daemon's state for deskmail status");
    }
}
