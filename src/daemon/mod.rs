//! The daemon loop: it only wires the parts together. Each pass takes the source's new mail in
//! bounded batches (decided in groups, one transaction each, then marked at the source and its
//! cursor persisted: `group`), runs the scheduler tick, and flushes the outbox; then it waits
//! for new mail (IMAP IDLE, or the poll interval) or a signal. SIGHUP reloads config and
//! templates; SIGTERM finishes the message in hand (and commits and marks its group), flushes the
//! outbox for a few seconds, logs out and returns.

pub mod decide;
pub mod deliver;
pub mod enqueue;
pub mod facts;
pub mod form;
mod group;
pub mod handoff;
pub mod ingest;
pub mod notify;
pub mod page;
#[cfg(test)]
mod plans;
pub mod retention;
mod storage;
pub mod tick;
mod watch;
pub mod write;

use crate::agent::token::TokenKey;
use crate::classify::arrival::FirstStart;
use crate::clock::Clock;
use crate::compose::Templates;
use crate::config::Config;
use crate::error_chain::Chain;
use crate::shutdown::Shutdown;
use crate::source::{SettledError, Source, SourceError};
use crate::store::{Store, cursor};
use crate::transport::Transport;
use std::time::Duration;
use storage::{storage_backoff, wait_for_storage};

/// Messages taken from the source per batch: memory stays flat whatever the backlog.
const BATCH: usize = 100;

/// How long the outbox may take to flush on the way out.
const FINAL_FLUSH: Duration = Duration::from_secs(5);

/// Everything a pass needs.
pub struct Engine {
    pub config: Config,
    pub templates: Templates,
    pub store: Store,
    pub transport: Transport,
    /// Signs and checks the reply addresses of mails to agents.
    pub token_key: TokenKey,
    /// Signs the ticket page links in mails to requesters (with `[web]`; set by `run`).
    pub page_key: Option<crate::requester::token::PageKey>,
    /// Outbox rows the server took but the store could not mark sent (a full or read-only
    /// disk): only their mark is retried, never the sending, while this process lives.
    pub unrecorded: std::collections::HashSet<i64>,
    /// When deskmail first read the mailbox on this database: older mail is not answered.
    /// Loaded (or recorded) at the first successful read of each run.
    pub first_start: Option<FirstStart>,
    /// When raw mail is next purged (`None`: at the next pass).
    pub next_purge: Option<chrono::DateTime<chrono::Utc>>,
    /// What `/metrics` shows of the daemon's work; shared with the web edge, and kept across
    /// reloads (the engine lives for the whole run).
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Engine {
    /// Ready for `run`: the CLI's `run` builds one from the config, a test from in-memory parts
    /// (`Source::Memory`, `Transport::Memory`) around a real store. The source is not part of
    /// it: `run` takes it beside the engine.
    pub fn new(
        config: Config,
        templates: Templates,
        store: Store,
        transport: Transport,
        token_key: TokenKey,
    ) -> Engine {
        Engine {
            config,
            templates,
            store,
            transport,
            token_key,
            page_key: None,
            unrecorded: Default::default(),
            first_start: None,
            next_purge: None,
            metrics: Default::default(),
        }
    }
}

/// The agents' signing key: from `agents.secret_file`, else the one kept in the database (made
/// on first use when `create`). `None` only for a read-only look at a database that has none.
pub fn token_key(
    config: &Config,
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    create: bool,
) -> Result<Option<TokenKey>, crate::store::StoreError> {
    if let Some(secret) = &config.agents.secret {
        return Ok(Some(TokenKey::new(secret)));
    }
    let stored = if create {
        Some(crate::store::settings::token_key(store.conn(), now)?)
    } else {
        crate::store::settings::existing_token_key(store.conn())?
    };
    Ok(stored.map(|s| TokenKey::new(&s)))
}

#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub once: bool,
    pub dry_run: bool,
    pub clock: Clock,
}

/// Totals of one run, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Messages read from the source (mail known and left there is not read again).
    pub read: usize,
    pub decided: usize,
    pub quarantined: usize,
    pub progress: usize,
    pub sent: usize,
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Write(#[from] enqueue::WriteError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the source could not be read")]
    SourceAway(#[source] SourceError),
    #[error(
        "database {path} cannot be written: {trouble}; nothing was lost: the mail stays at the \
         source and is taken again at the next run"
    )]
    Unwritable {
        path: std::path::PathBuf,
        trouble: crate::store::Trouble,
        #[source]
        cause: Box<RunError>,
    },
}

impl RunError {
    /// The storage problem behind this error: the daemon waits these out instead of stopping.
    pub fn trouble(&self) -> Option<crate::store::Trouble> {
        match self {
            RunError::Store(e) | RunError::Write(enqueue::WriteError::Store(e)) => e.trouble(),
            RunError::Unwritable { trouble, .. } => Some(*trouble),
            _ => None,
        }
    }
}

/// Did the source answer in this pass?
#[derive(Debug)]
enum SourceState {
    Answered,
    Away(SourceError),
}

/// Run passes until shutdown (or once).
pub async fn run(
    engine: &mut Engine,
    source: &mut Source,
    opts: RunOptions,
    mut shutdown: Shutdown,
) -> Result<Totals, RunError> {
    restore_cursor(engine, source)?;
    if !opts.dry_run {
        watch::noted(watch::started(engine, source, opts.once, opts.clock.now()));
    }
    let mut totals = Totals::default();
    // ready with config and database in hand: a mail server down at boot is waited for in the
    // loop (sending and the scheduler carry on), not by systemd's start timeout
    notify::ready(&format!("connecting to {}", source.describe()));
    let mut source_away = None;
    let mut storage = storage_backoff();
    loop {
        if shutdown.take_reload() {
            reload(engine, source).await?;
            source_away = None;
        }
        let state = match pass(engine, source, opts, &shutdown, &mut totals).await {
            Ok(state) => {
                if storage.failures() > 0 {
                    tracing::info!(database = %engine.store.path().display(), "database writable again; carrying on");
                    source_away = None; // the status line says the source's state again
                    storage.succeed();
                }
                state
            }
            Err(e) => {
                wait_for_storage(engine, source, opts, &mut storage, &mut shutdown, e).await?;
                if shutdown.is_requested() {
                    break;
                }
                continue;
            }
        };
        let away = matches!(state, SourceState::Away(_));
        if source_away != Some(away) {
            notify::status(&source_status(source, &state));
            source_away = Some(away);
        }
        notify::watchdog();
        if opts.once {
            if let SourceState::Away(e) = state {
                // a one-shot run that could not read its mail must say so in its exit code
                if !opts.dry_run {
                    watch::stopped(engine, opts.clock.now());
                }
                source.close().await;
                engine.transport.close().await;
                return Err(RunError::SourceAway(e));
            }
            break;
        }
        if shutdown.is_requested() {
            break;
        }
        let mut wait = Duration::from_secs(engine.config.schedule.tick_seconds);
        if let Some(w) = notify::watchdog_interval() {
            wait = wait.min(w);
        }
        source.wait(wait, &mut shutdown).await;
        if shutdown.is_requested() {
            break;
        }
    }
    if !opts.once {
        notify::stopping();
        // with the store in trouble a flush would send what it cannot record
        if !opts.dry_run && storage.failures() == 0 {
            // decided mail should not wait for the next start
            match tokio::time::timeout(FINAL_FLUSH, deliver::flush(engine, opts.clock.now())).await
            {
                Ok(d) => {
                    let d = d?;
                    totals.sent += d.sent;
                    totals.failed += d.failed;
                }
                Err(_) => {
                    tracing::warn!("outbox not empty at shutdown; the rest goes at the next start")
                }
            }
        }
    }
    if !opts.dry_run {
        watch::stopped(engine, opts.clock.now());
    }
    source.close().await;
    engine.transport.close().await;
    Ok(totals)
}

/// The STATUS= line for the source's state, told to systemd when it changes.
fn source_status(source: &Source, state: &SourceState) -> String {
    match state {
        SourceState::Answered => format!("reading {}", source.describe()),
        SourceState::Away(e) => format!(
            "{} not reachable ({}); sending and the scheduler carry on",
            source.describe(),
            Chain(e)
        ),
    }
}

fn restore_cursor(engine: &Engine, source: &mut Source) -> Result<(), RunError> {
    if let Some(name) = source.cursor_name()
        && let Some(c) = cursor::load(engine.store.conn(), name)?
    {
        tracing::info!(mailbox = %c.mailbox, uidvalidity = c.uidvalidity, last_uid = c.last_uid, "resuming after the last processed message");
        source.restore(c);
    }
    Ok(())
}

/// SIGHUP: read config and templates again; a bad one is refused and the old one kept.
async fn reload(engine: &mut Engine, source: &mut Source) -> Result<(), RunError> {
    notify::reloading();
    let loaded = Config::load(&engine.config.file)
        .map_err(|e| Chain(&e).to_string())
        .and_then(|c| {
            let t =
                Templates::load(c.templates.path.as_deref()).map_err(|e| Chain(&e).to_string())?;
            Ok((c, t))
        });
    match loaded {
        Err(e) => tracing::error!(error = %e, "reload refused; keeping the configuration in use"),
        Ok((config, templates)) => {
            if config.store.path != engine.config.store.path {
                tracing::warn!("store.path changed: takes effect at the next restart");
            }
            match Source::from_config(&config) {
                Ok(new_source) => {
                    source.close().await;
                    *source = new_source;
                }
                Err(e) => {
                    tracing::error!(error = %Chain(&e), "reload refused: the new source cannot be opened");
                    notify::ready("reload refused");
                    return Ok(());
                }
            }
            engine.transport.close().await;
            engine.transport = Transport::from_config(&config);
            engine.config = config;
            engine.templates = templates;
            restore_cursor(engine, source)?;
            tracing::info!(source = %source.describe(), transport = %engine.transport.describe(), "configuration reloaded");
        }
    }
    notify::ready(&format!("reading {}", source.describe()));
    Ok(())
}

/// The first start on this database is the first time deskmail reads its mailbox: recorded
/// then (with the IMAP mailbox's UIDNEXT), so every mail already there is recognised as old.
/// A dry run works out the same in memory, to show what the first real start would do.
fn first_start(
    engine: &mut Engine,
    source: &Source,
    opts: RunOptions,
    began: chrono::DateTime<chrono::Utc>,
) -> Result<(), RunError> {
    if engine.first_start.is_some() {
        return Ok(());
    }
    let conn = engine.store.conn();
    let first = match crate::store::settings::first_start(conn)? {
        Some(first) => first,
        None => {
            let first = match crate::store::settings::earliest_inbound(conn)? {
                // a database from before first starts were kept: it began with its first mail
                Some(at) => FirstStart {
                    at,
                    mailboxes: Vec::new(),
                },
                // the mailbox was just read: its UIDNEXT marks what was there already, and
                // so does the moment before the read (mail delivered during it is new)
                None => FirstStart {
                    at: began,
                    mailboxes: source.start_position().into_iter().collect(),
                },
            };
            if !opts.dry_run {
                crate::store::settings::save_first_start(conn, &first, opts.clock.now())?;
                tracing::info!(first_start = %first.at, "first start on this database: mail already in the mailbox is recorded, not answered (inbound.since)");
            }
            first
        }
    };
    engine.first_start = Some(first);
    Ok(())
}

async fn pass(
    engine: &mut Engine,
    source: &mut Source,
    opts: RunOptions,
    shutdown: &Shutdown,
    totals: &mut Totals,
) -> Result<SourceState, RunError> {
    let commit = !opts.dry_run;
    let mut state = SourceState::Answered;
    // keys handled in this pass: under `keep` and in a dry run they stay visible at the source,
    // and must not come round again; across passes the store says which stay (`settled`)
    let mut handled = std::collections::HashSet::new();
    let keep = engine.config.inbound.processed == crate::config::Processed::Keep;
    let pass_began = opts.clock.now();
    if commit {
        watch::noted(watch::heartbeat(engine, pass_began));
    }
    loop {
        // mail the store knows that stays at the source is not read again (a restart
        // under `keep` over a kept backlog reads nothing)
        let conn = engine.store.conn();
        let mut settled = |keys: &[String]| {
            crate::store::inbound::settled(conn, keys, keep).map_err(|e| SettledError(Box::new(e)))
        };
        let fetching = std::time::Instant::now();
        let fetched = source.fetch(BATCH, &handled, &mut settled).await;
        engine.metrics.fetch_took(fetching.elapsed());
        if commit {
            match &fetched {
                Ok(_) => watch::noted(watch::fetched(engine, opts.clock.now())),
                Err(e) if e.is_transient() => {
                    watch::noted(watch::fetch_failed(engine, e, opts.clock.now()))
                }
                Err(_) => {}
            }
        }
        let batch = match fetched {
            Ok(b) => b,
            // the store's own error, so that a disk it cannot use is waited out as any other
            Err(SourceError::Settled(SettledError(e))) => {
                return Err(match e.downcast::<crate::store::StoreError>() {
                    Ok(store) => RunError::Store(*store),
                    Err(other) => RunError::Source(SettledError(other).into()),
                });
            }
            Err(e) if e.is_transient() => {
                // the IMAP source logs its own failures, with the time of the next try
                if !matches!(e, SourceError::Imap(_)) {
                    tracing::warn!(error = %Chain(&e), "source not available; trying again later");
                }
                state = SourceState::Away(e);
                break;
            }
            Err(e) => return Err(e.into()),
        };
        first_start(engine, source, opts, pass_began)?;
        if batch.is_empty() {
            break;
        }
        totals.read += batch.len();
        match group::batch(engine, source, batch, opts, shutdown, totals, &mut handled).await? {
            group::Ended::Done => {}
            group::Ended::Stopped => break,
            group::Ended::Shutdown => return Ok(state),
        }
    }
    // what is due goes out even when the scheduler fails (a damaged ticket row): the answers
    // already decided must not wait for it; its error ends the pass after the flush
    let ticked = tick::tick(engine, opts.clock.now(), commit);
    match &ticked {
        Ok(sent) => totals.progress += sent.len(),
        Err(e) => {
            tracing::error!(error = %Chain(e), "SCHEDULER FAILED; sending what is already due anyway")
        }
    }
    if commit {
        let d = deliver::flush(engine, opts.clock.now()).await?;
        totals.sent += d.sent;
        totals.failed += d.failed;
    }
    retention::purge(engine, opts.clock.now(), commit)?;
    ticked?;
    Ok(state)
}
