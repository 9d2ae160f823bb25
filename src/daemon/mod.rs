//! The daemon loop: it only wires the parts together. Each pass takes the source's new mail in
//! bounded batches (ingest, then mark at the source), runs the scheduler tick, and flushes the
//! outbox; then it sleeps until the next poll, or stops on shutdown (or after one pass with
//! `--once`).

pub mod deliver;
pub mod ingest;
pub mod tick;

use crate::clock::Clock;
use crate::compose::Templates;
use crate::config::Config;
use crate::shutdown::Shutdown;
use crate::source::Source;
use crate::store::Store;
use crate::transport::Transport;
use ingest::Outcome;

/// Messages taken from the source per batch: memory stays flat whatever the backlog.
const BATCH: usize = 200;

/// Everything a pass needs.
pub struct Engine {
    pub config: Config,
    pub templates: Templates,
    pub store: Store,
    pub transport: Transport,
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
    pub decided: usize,
    pub quarantined: usize,
    pub progress: usize,
    pub sent: usize,
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Run passes until shutdown (or once).
pub async fn run(
    engine: &mut Engine,
    source: &mut Source,
    opts: RunOptions,
    mut shutdown: Shutdown,
) -> Result<Totals, RunError> {
    let mut totals = Totals::default();
    loop {
        pass(engine, source, opts, &shutdown, &mut totals).await?;
        if opts.once || shutdown.is_requested() {
            return Ok(totals);
        }
        let poll = std::time::Duration::from_secs(
            engine
                .config
                .inbound
                .poll_seconds()
                .min(engine.config.schedule.tick_seconds),
        );
        shutdown.sleep(poll).await;
        if shutdown.is_requested() {
            // a last flush, so decided mail does not wait for the next start
            if !opts.dry_run {
                deliver::flush(engine, opts.clock.now()).await?;
            }
            return Ok(totals);
        }
    }
}

async fn pass(
    engine: &mut Engine,
    source: &mut Source,
    opts: RunOptions,
    shutdown: &Shutdown,
    totals: &mut Totals,
) -> Result<(), RunError> {
    let commit = !opts.dry_run;
    // keys handled in this pass: under `keep`, in a dry run or after a template error they stay
    // visible at the source, and must not come round again
    let mut handled = std::collections::HashSet::new();
    loop {
        let batch = match source.fetch(BATCH, &handled).await {
            Ok(b) => b,
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, "source not readable now; trying again next pass");
                break;
            }
            Err(e) => return Err(e.into()),
        };
        if batch.is_empty() {
            break;
        }
        for msg in batch {
            if shutdown.is_requested() {
                return Ok(());
            }
            handled.insert(msg.key.clone());
            let now = opts.clock.now();
            match ingest::ingest(engine, &msg.key, &msg.raw, now, commit) {
                Ok(Outcome::AlreadyDone) => {
                    if commit {
                        source.mark_processed(&msg.key).await?;
                    }
                }
                Ok(Outcome::Quarantined(reason)) => {
                    tracing::warn!(key = %msg.key, %reason, "unreadable mail kept in quarantine");
                    totals.quarantined += 1;
                    if commit {
                        source.mark_failed(&msg.key).await?;
                    }
                }
                Ok(Outcome::Decided { decision, reason }) => {
                    tracing::info!(key = %msg.key, decision, %reason, dry_run = opts.dry_run, "decided");
                    totals.decided += 1;
                    if commit {
                        source.mark_processed(&msg.key).await?;
                    }
                }
                Err(ingest::IngestError::Template(e)) => {
                    // our templates, not the mail, are at fault: leave the mail for the next pass
                    tracing::error!(key = %msg.key, error = %e, "template error; mail left unprocessed");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let sent = tick::tick(engine, opts.clock.now(), commit)?;
    totals.progress += sent.len();
    if commit {
        let d = deliver::flush(engine, opts.clock.now()).await?;
        totals.sent += d.sent;
        totals.failed += d.failed;
    }
    Ok(())
}
