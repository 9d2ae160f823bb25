//! The statements that run per mail, per scheduler tick and per `tickets`/`status` command each
//! find their rows by an index: a full scan of a table that grows with every mail is a cost
//! that nobody notices at a hundred tickets and that takes seconds at a million
//! (docs/scaling.md, bench/bigstore). The real store functions run on a traced connection and
//! every statement they send is checked with `EXPLAIN QUERY PLAN`, so a later change cannot
//! quietly bring a full scan back. Plans do not depend on the data (no `ANALYZE` statistics):
//! an empty store plans as a big one does.

use crate::store::{
    Store, brake, daemon_state, events, inbound, outbox, reply_tags, settings, tickets,
};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use std::sync::{Arc, Mutex};

/// The tables that grow with every mail and every ticket.
const GROWING: [&str; 4] = ["tickets", "inbound", "outbox", "events"];

/// What in this plan reads a growing table whole (or from a bound that may be its start).
fn full_reads(plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|line| {
            let scans = GROWING.iter().any(|t| line.contains(&format!("SCAN {t}")));
            // `id > ?` on the table itself reads every row after that id: all of them when
            // the id is 0 (the agents' bundle before the first one)
            let open_range = line.contains("INTEGER PRIMARY KEY (rowid>");
            scans || open_range
        })
        .cloned()
        .collect()
}

fn plan(c: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = c
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("cannot explain {sql}: {e}"));
    stmt.query_map([], |r| r.get::<_, String>(3))
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("cannot explain {sql}: {e}"))
}

/// A connection on `store`'s file that records each statement it runs (with its values).
fn traced(store: &Store) -> (Connection, Arc<Mutex<Vec<String>>>) {
    let mut c = Connection::open(store.path()).expect("second connection");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&seen);
    c.trace_v2(
        TraceEventCodes::SQLITE_TRACE_STMT,
        Some(move |e: TraceEvent<'_>| {
            if let TraceEvent::Stmt(stmt, _) = e
                && let Some(sql) = stmt.expanded_sql()
                && let Ok(mut seen) = into.lock()
            {
                seen.push(sql);
            }
        }),
    )
    .expect("trace");
    (c, seen)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("a time")
}

/// One path's store calls, as the daemon or a command makes them.
type Calls<'c> = Box<dyn Fn() -> crate::store::Result<()> + 'c>;

/// Each path, named, with its calls.
fn hot_paths(c: &Connection) -> Vec<(&'static str, Calls<'_>)> {
    let now = at("2026-12-01T13:00:00Z");
    let day_ago = now - chrono::Duration::days(1);
    let addr = "jan@example.com";
    vec![
        // daemon::tick: the agents' bundle, then each open ticket's progress mails
        (
            "scheduler tick",
            Box::new(move || {
                let upto = settings::handoff_upto(c)?;
                inbound::handoffs_after(c, upto, 50)?;
                outbox::last_to(c, "agent_handoff", "agents@example.org", day_ago)?;
                tickets::list(c, false)?;
                outbox::progress_times_all(c, day_ago)?;
                outbox::last_to(c, "agent_digest", addr, day_ago)?;
                Ok(())
            }),
        ),
        (
            "tickets list",
            Box::new(|| tickets::list(c, false).map(drop)),
        ),
        (
            "tickets show",
            Box::new(|| {
                tickets::by_ref(c, "sd-1000")?;
                events::for_ticket(c, 1)?;
                inbound::for_ticket(c, 1)?;
                outbox::for_ticket(c, 1)?;
                Ok(())
            }),
        ),
        // status::probe, and the web edge's /metrics
        (
            "status",
            Box::new(move || {
                daemon_state::read(c)?;
                let upto = settings::handoff_upto(c)?;
                inbound::handoffs_after(c, upto, 0)?;
                outbox::stats(c)?;
                brake::state(c)?;
                inbound::held_counts(c)?;
                tickets::list(c, false)?;
                outbox::progress_times_all(c, day_ago)?;
                tickets::open_counts(c, now, now.date_naive())?;
                Ok(())
            }),
        ),
        // daemon::decide, facts and classify::limits, for every mail
        (
            "per mail",
            Box::new(move || {
                inbound::earlier(c, "maildir:1")?;
                inbound::settled(c, &["maildir:1".into(), "maildir:2".into()], true)?;
                inbound::seen_message_id(c, "<a@b>", "f")?;
                tickets::by_message_id(c, "<a@b>")?;
                tickets::by_ref(c, "SD-1000")?;
                tickets::next_number(c, 1000)?;
                outbox::last_to_address(c, "portal_reply", addr, day_ago)?;
                outbox::count_to_address(c, addr, day_ago)?;
                outbox::count_on_ticket(c, 1, day_ago)?;
                outbox::count_kind(c, "portal_reply", day_ago, 500)?;
                outbox::sent_since(c, day_ago)?;
                inbound::last_message_id_from(c, 1, addr)?;
                inbound::agent_mails_on_ticket(c, 1, addr, day_ago, None)?;
                inbound::replies_from(c, 1, addr)?;
                outbox::of_kinds(c, 1, &["ticket_confirmation"])?;
                Ok(())
            }),
        ),
        // daemon::deliver, every pass
        (
            "delivery",
            Box::new(move || {
                outbox::due(c, now, 100)?;
                outbox::due_of_kind(c, "portal_reply", now, 100)?;
                Ok(())
            }),
        ),
    ]
}

/// The full reads among the statements `run` sends on the traced connection, named `path`.
fn full_reads_of(
    store: &Store,
    seen: &Mutex<Vec<String>>,
    path: &str,
    run: impl FnOnce() -> crate::store::Result<()>,
) -> Vec<String> {
    seen.lock().expect("trace").clear();
    run().unwrap_or_else(|e| panic!("{path}: {e}"));
    let statements = std::mem::take(&mut *seen.lock().expect("trace"));
    assert!(!statements.is_empty(), "{path}: nothing was traced");
    statements
        .into_iter()
        .filter_map(|sql| {
            let bad = full_reads(&plan(store.conn(), &sql));
            (!bad.is_empty()).then(|| format!("{path}: {sql}\n    {}", bad.join("\n    ")))
        })
        .collect()
}

#[test]
fn hot_paths_find_their_rows_by_an_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
    let (c, seen) = traced(&store);
    let mut found = Vec::new();
    for (path, run) in hot_paths(&c) {
        found.extend(full_reads_of(&store, &seen, path, run));
    }
    assert!(found.is_empty(), "full reads:\n{}", found.join("\n"));
}

/// An agent's mail finds the tokens it pasted — of its own ticket or any other — by their
/// kept tags, not by reading every ticket (which it did before migration 15).
#[test]
fn an_agents_mail_finds_pasted_tokens_by_an_index() {
    use crate::agent::{command, redact::redact, token::TokenKey};
    use crate::classify::Decision;
    use crate::model::{Address, Inbound, TicketRef};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
    let now = at("2026-12-01T13:00:00Z");
    reply_tags::tickets(store.conn(), 2);
    let key = TokenKey::new(b"the desk's key for this test");
    reply_tags::refill(store.conn(), &key, now).expect("refill");
    let config = crate::config::test_config("");
    let old = key.token(&TicketRef::new("SD-", 1001));
    let m = Inbound {
        from: Some(Address::new(Some("Anna"), "anna@example.org")),
        ..Inbound::default()
    };
    let decision = Decision::AgentCommand {
        ticket: TicketRef::new("SD-", 1000),
        parsed: command::parse(&format!(
            "#wait customer code {old}\n\nAs in SD-1001.{old}."
        )),
    };
    let (c, seen) = traced(&store);
    let mut facts = None;
    let found = full_reads_of(&store, &seen, "agent mail", || {
        facts = Some(super::facts::gather(
            &c,
            &decision,
            &m,
            &config,
            Some(&key),
            now,
        )?);
        Ok(())
    });
    assert!(found.is_empty(), "full reads:\n{}", found.join("\n"));
    let tokens = facts.map(|f| f.tokens).unwrap_or_default();
    let out = redact(
        &format!("As in SD-1001.{old}."),
        "servicedesk@example.org",
        &tokens,
    );
    assert_eq!(out, "As in SD-1001.");
}

/// The limits' look-ups by address go by the address, not by kind and day (which read every
/// portal reply of the day for each mail: a backlog of loose mail grew quadratic).
#[test]
fn per_address_lookups_go_by_the_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
    let (c, seen) = traced(&store);
    let since = at("2026-12-01T13:00:00Z");
    outbox::last_to_address(&c, "portal_reply", "jan@example.com", since).expect("last");
    outbox::count_to_address(&c, "jan@example.com", since).expect("count");
    let statements = std::mem::take(&mut *seen.lock().expect("trace"));
    assert_eq!(statements.len(), 2, "{statements:?}");
    for sql in statements {
        let plan = plan(store.conn(), &sql);
        assert!(
            plan.iter().any(|l| l.contains("(rcpt_base=?")),
            "{sql}: {plan:?}"
        );
    }
}

/// The check sees the full reads this file exists for (the queries before migration 14).
#[test]
fn the_check_catches_a_full_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
    let c = store.conn();
    for sql in [
        "SELECT id FROM tickets WHERE status NOT IN ('resolved', 'closed')",
        "SELECT id FROM tickets WHERE lower(ref) = 'sd-1000'",
        "SELECT id FROM inbound WHERE sender = 'jan@example.com' AND id > 0",
    ] {
        assert!(!full_reads(&plan(c, sql)).is_empty(), "{sql}");
    }
    assert!(full_reads(&plan(c, "SELECT id FROM tickets WHERE id = 1")).is_empty());
}
