//! Group commit: the mails of a fetched batch are decided in one SQLite transaction, each in its
//! own savepoint, so one commit (one fsync) serves many mails; only after the commit are they
//! marked at the source (one command per kind over the group) and the cursor saved, once. A
//! group never waits for mail: it is what the fetch found (at most a batch), cut short after
//! `GROUP_TIME` so the first mail of a slow group is not held back long. A mail whose writing
//! fails is rolled back to its savepoint alone; the mails before it are committed and marked.

use super::enqueue::WriteError;
use super::ingest::{self, Desk, Outcome};
use super::{Engine, RunError, RunOptions, Totals};
use crate::error_chain::Chain;
use crate::shutdown::Shutdown;
use crate::source::{AtSource, Source, SourceMessage};
use crate::store::{StoreError, cursor};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How long a group may take to decide before it is committed and marked; the rest of the batch
/// goes into the next group.
const GROUP_TIME: Duration = Duration::from_millis(500);

/// How a batch ended.
pub(super) enum Ended {
    /// Every mail decided; fetch the next batch.
    Done,
    /// Our templates failed on a mail: it stays unprocessed, and the pass takes no more mail.
    Stopped,
    /// Shutdown was asked for: what was decided is committed and marked.
    Shutdown,
}

/// One group's mails as decided (committed unless a dry run), and why it ended.
struct Group {
    decided: Vec<(String, usize, Outcome)>,
    end: GroupEnd,
}

enum GroupEnd {
    /// Full, out of time or out of mail.
    Open,
    Template,
    /// Writing a mail failed (the store's trouble, not the mail's): it is rolled back alone.
    Failed(WriteError),
}

/// Decide a fetched batch in groups; mark each group at the source after its commit.
pub(super) async fn batch(
    engine: &mut Engine,
    source: &mut Source,
    batch: Vec<SourceMessage>,
    opts: RunOptions,
    shutdown: &Shutdown,
    totals: &mut Totals,
    handled: &mut HashSet<String>,
) -> Result<Ended, RunError> {
    let commit = !opts.dry_run;
    let mut rest = batch.into_iter().peekable();
    while rest.peek().is_some() {
        if shutdown.is_requested() {
            return Ok(Ended::Shutdown);
        }
        let now = opts.clock.now();
        let group = decide(engine, &mut rest, now, commit, shutdown, handled)?;
        report(engine, &group.decided, opts.dry_run, totals);
        if commit {
            mark(engine, source, &group.decided, now).await?;
        }
        match group.end {
            GroupEnd::Open => {}
            GroupEnd::Template => return Ok(Ended::Stopped),
            GroupEnd::Failed(e) => return Err(e.into()),
        }
    }
    Ok(Ended::Done)
}

/// Decide mails from `rest` into one transaction until the group is full or out of time; commit
/// it (a dry run rolls each mail back at once, so every mail is decided as if alone).
fn decide(
    engine: &mut Engine,
    rest: &mut impl Iterator<Item = SourceMessage>,
    now: DateTime<Utc>,
    commit: bool,
    shutdown: &Shutdown,
    handled: &mut HashSet<String>,
) -> Result<Group, RunError> {
    let started = Instant::now();
    let Engine {
        store,
        config,
        templates,
        token_key,
        page_key,
        first_start,
        ..
    } = engine;
    let desk = Desk {
        config,
        templates,
        token_key,
        page_key: page_key.as_ref(),
        first_start: first_start.as_ref(),
    };
    let mut group = Group {
        decided: Vec::new(),
        end: GroupEnd::Open,
    };
    let sql = |tx: &rusqlite::Connection, s: &str| tx.execute_batch(s).map_err(StoreError::from);
    store.transaction(commit, |tx| -> Result<(), WriteError> {
        for msg in rest.by_ref() {
            handled.insert(msg.key.clone());
            sql(tx, "SAVEPOINT mail")?;
            match ingest::ingest_in(tx, &desk, &msg, now) {
                Ok(outcome) => {
                    sql(tx, if commit { "RELEASE mail" } else { "ROLLBACK TO mail; RELEASE mail" })?;
                    group.decided.push((msg.key, msg.size, outcome));
                }
                Err(e) => {
                    if sql(tx, "ROLLBACK TO mail; RELEASE mail").is_err() {
                        return Err(e); // the whole group is rolled back and read again
                    }
                    group.end = match e {
                        WriteError::Template(e) => {
                            // our templates, not the mail, are at fault: retried next pass
                            tracing::error!(key = %msg.key, error = %Chain(&e), "template error; mail left unprocessed");
                            GroupEnd::Template
                        }
                        e => GroupEnd::Failed(e),
                    };
                    break;
                }
            }
            if started.elapsed() >= GROUP_TIME || shutdown.is_requested() {
                break;
            }
        }
        Ok(())
    })?;
    Ok(group)
}

/// The log line and the counts of each decided mail.
fn report(
    engine: &Engine,
    decided: &[(String, usize, Outcome)],
    dry_run: bool,
    totals: &mut Totals,
) {
    for (key, bytes, outcome) in decided {
        match outcome {
            Outcome::AlreadyDone { .. } => {}
            Outcome::Quarantined(reason) => {
                tracing::warn!(%key, bytes, %reason, "unreadable mail kept in quarantine");
                totals.quarantined += 1;
                engine.metrics.decided("quarantined");
            }
            Outcome::Decided {
                decision,
                reason,
                message_id,
                ticket,
                ..
            } => {
                let message_id = message_id.as_deref().unwrap_or("-");
                let ticket = ticket.as_ref().map_or("-", |t| t.as_str());
                let reason = crate::classify::log_safe(reason);
                tracing::info!(%key, message_id, ticket, bytes, decision, %reason, dry_run, "decided");
                totals.decided += 1;
                engine.metrics.decided(decision);
            }
        }
    }
}

/// The group is committed: mark its mails at the source, then save the cursor once.
async fn mark(
    engine: &Engine,
    source: &mut Source,
    decided: &[(String, usize, Outcome)],
    now: DateTime<Utc>,
) -> Result<(), RunError> {
    let marks: Vec<(String, AtSource)> = decided
        .iter()
        .map(|(key, _, outcome)| (key.clone(), outcome.at_source()))
        .collect();
    for (keys, e) in source.mark(&marks).await {
        // the decisions are committed; each mark is redone when its mail shows up again
        tracing::warn!(mails = keys.len(), keys = %keys.join(" "), error = %Chain(&e), "could not mark the mail at the source");
    }
    if let Some(c) = source.cursor() {
        cursor::save(engine.store.conn(), &c, now)?;
    }
    Ok(())
}
