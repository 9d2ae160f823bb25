//! `deskmail run`: open everything, run the daemon loop, print a summary.

use anyhow::{Context, Result};
use deskmail::clock::Clock;
use deskmail::compose::Templates;
use deskmail::config::Config;
use deskmail::daemon::{self, Engine, RunOptions};
use deskmail::shutdown::Shutdown;
use deskmail::source::Source;
use deskmail::store::Store;
use deskmail::store::lock::InstanceLock;
use deskmail::transport::Transport;
use std::process::ExitCode;

pub fn run(config: Config, once: bool, dry_run: bool, clock: Clock) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        // the passwords are read here first: a missing one stops deskmail now (exit 2), before
        // anything is created, not at the first login in a retry loop
        deskmail::secret::require_all(&config).await?;
        let templates =
            Templates::load(config.templates.path.as_deref()).context("templates refused")?;
        // one daemon per database; a dry run changes nothing and may look beside it
        let _lock = if dry_run {
            None
        } else {
            Some(InstanceLock::acquire(&config.store.path)?)
        };
        let store = if dry_run {
            deskmail::store::scratch::open_for_dry_run(&config.store.path)?
        } else {
            Store::open(&config.store.path)?
        };
        let mut source = Source::from_config(&config)?;
        let transport = Transport::from_config(&config);
        let shutdown = if once {
            Shutdown::never()
        } else {
            Shutdown::on_signals()?
        };
        tracing::info!(
            config = %config.file.display(),
            database = %config.store.path.display(),
            once,
            dry_run,
            now = %clock.now(),
            "deskmail started"
        );
        // a dry run on a database without a key signs with a throwaway one: nothing it
        // sends survives the run, and no token from outside can verify against it
        let token_key = match daemon::token_key(&config, &store, clock.now(), !dry_run)? {
            Some(key) => key,
            None => {
                deskmail::agent::token::TokenKey::new(&deskmail::store::settings::random_key()?)
            }
        };
        // one registry for the process: the engine counts, the admin listener shows it
        let metrics = std::sync::Arc::new(deskmail::metrics::Metrics::default());
        // mails link to the ticket pages only when `[web]` gives them an address; a dry run
        // makes no key (its links open nothing)
        let page_key = match &config.web {
            None => None,
            Some(_) if dry_run => Some(deskmail::store::settings::random_key()?),
            Some(_) => Some(deskmail::store::settings::page_key(
                store.conn(),
                clock.now(),
            )?),
        }
        .map(|secret| deskmail::requester::token::PageKey::new(&secret));
        // the web pages beside the loop, bound now so an address in use stops the start;
        // a one-shot or dry run serves nothing
        if let (Some(web), Some(page_key)) =
            (config.web.as_ref().filter(|_| !once && !dry_run), &page_key)
        {
            let listeners = deskmail::web::Listeners::bind(web).await?;
            let state = deskmail::web::WebState {
                config: std::sync::Arc::new(config.clone()),
                database: config.store.path.clone(),
                metrics: metrics.clone(),
                templates: std::sync::Arc::new(deskmail::compose::Templates::load(
                    config.templates.path.as_deref(),
                )?),
                token_key: token_key.clone(),
                page_key: page_key.clone(),
                clock,
            };
            deskmail::web::spawn(listeners, state, shutdown.clone());
        }
        let mut engine = Engine::new(config, templates, store, transport, token_key);
        engine.metrics = metrics;
        engine.page_key = page_key;
        let opts = RunOptions {
            once,
            dry_run,
            clock,
        };
        let totals = daemon::run(&mut engine, &mut source, opts, shutdown).await?;
        tracing::info!(
            decided = totals.decided,
            quarantined = totals.quarantined,
            progress_mails = totals.progress,
            sent = totals.sent,
            failed = totals.failed,
            read = totals.read,
            "deskmail stopped"
        );
        Ok(ExitCode::SUCCESS)
    })
}
