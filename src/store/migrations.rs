//! Versioned schema: each migration runs once, in order, in its own transaction, and bumps
//! `PRAGMA user_version`. Add new migrations at the end; never edit one that has shipped.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema
    r#"
    CREATE TABLE tickets (
        id               INTEGER PRIMARY KEY,
        number           INTEGER NOT NULL UNIQUE,
        ref              TEXT    NOT NULL UNIQUE,
        requester        TEXT    NOT NULL,
        requester_name   TEXT,
        lang             TEXT    NOT NULL,
        subject          TEXT    NOT NULL,
        description      TEXT    NOT NULL,
        category         TEXT    NOT NULL,
        priority         TEXT    NOT NULL,
        status           TEXT    NOT NULL,
        waiting_reason   TEXT,
        assignee         TEXT,
        created          TEXT    NOT NULL,
        target           TEXT    NOT NULL,
        next_contact     TEXT,
        near_sent        INTEGER NOT NULL DEFAULT 0,
        overdue_sent     INTEGER NOT NULL DEFAULT 0,
        requester_thread TEXT,
        agent_thread     TEXT,
        updated          TEXT    NOT NULL
    );
    CREATE INDEX tickets_status ON tickets(status);

    CREATE TABLE inbound (
        id          INTEGER PRIMARY KEY,
        source_key  TEXT    NOT NULL UNIQUE,
        message_id  TEXT,
        received    TEXT    NOT NULL,
        sender      TEXT,
        subject     TEXT,
        decision    TEXT    NOT NULL,
        reason      TEXT    NOT NULL,
        ticket_id   INTEGER REFERENCES tickets(id),
        raw         BLOB    NOT NULL
    );
    CREATE INDEX inbound_message_id ON inbound(message_id);
    CREATE INDEX inbound_ticket ON inbound(ticket_id);

    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
        at          TEXT    NOT NULL,
        actor       TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        detail      TEXT    NOT NULL,
        inbound_id  INTEGER REFERENCES inbound(id)
    );
    CREATE INDEX events_ticket ON events(ticket_id);

    CREATE TABLE outbox (
        id           INTEGER PRIMARY KEY,
        message_id   TEXT    NOT NULL UNIQUE,
        kind         TEXT    NOT NULL,
        ticket_id    INTEGER REFERENCES tickets(id),
        inbound_id   INTEGER REFERENCES inbound(id),
        recipients   TEXT    NOT NULL,
        raw          BLOB    NOT NULL,
        created      TEXT    NOT NULL,
        state        TEXT    NOT NULL DEFAULT 'pending',
        attempts     INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT    NOT NULL,
        last_error   TEXT,
        sent         TEXT
    );
    CREATE INDEX outbox_pending ON outbox(state, next_attempt);
    CREATE INDEX outbox_ticket ON outbox(ticket_id, kind);
    "#,
    // 2: how far each IMAP mailbox has been processed
    r#"
    CREATE TABLE source_cursor (
        mailbox     TEXT    PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid    INTEGER NOT NULL,
        updated     TEXT    NOT NULL
    );
    "#,
    // 3: the emergency brake on outgoing mail, and counting what was sent recently
    r#"
    CREATE TABLE brake (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        engaged  TEXT,
        reason   TEXT,
        released TEXT
    );
    INSERT INTO brake (id) VALUES (1);
    CREATE INDEX outbox_sent ON outbox(state, sent);
    "#,
    // 4: the per-sender rate limit looks up the last mail to an address: without this index
    // every inbound mail scanned the whole outbox, and a backlog slowed down as it went
    r#"
    CREATE INDEX outbox_recipient ON outbox(recipients COLLATE NOCASE, kind, created);
    "#,
    // 5: values deskmail makes once and keeps (the key that signs agents' reply addresses)
    r#"
    CREATE TABLE settings (
        name    TEXT PRIMARY KEY,
        value   BLOB NOT NULL,
        created TEXT NOT NULL
    );
    "#,
    // 6: why an inbound mail was held back for its age (first_start, since, too_old), so an
    // operator can count what was not answered
    r#"
    ALTER TABLE inbound ADD COLUMN held TEXT;
    CREATE INDEX inbound_held ON inbound(held) WHERE held IS NOT NULL;
    "#,
    // 7: the contact date the requester was last told, kept even when an agent moves the next
    // contact later without telling them; open tickets were told their next contact
    r#"
    ALTER TABLE tickets ADD COLUMN promised TEXT;
    UPDATE tickets SET promised = next_contact WHERE status NOT IN ('resolved', 'closed');
    "#,
    // 8: a mail's sender and text as a hash: a copy is the same Message-ID with the same
    // fingerprint, so a different mail under a borrowed Message-ID is not taken for a copy
    r#"
    ALTER TABLE inbound ADD COLUMN fingerprint TEXT;
    "#,
    // 9: the limits count mail per recipient's base address (`+tag`, case, trailing dot
    // folded), per ticket and per kind, within a day
    r#"
    ALTER TABLE outbox ADD COLUMN rcpt_base TEXT;
    UPDATE outbox SET rcpt_base = lower(rtrim(CASE WHEN instr(recipients, ',') > 0
        THEN substr(recipients, 1, instr(recipients, ',') - 1) ELSE recipients END, '.'));
    CREATE INDEX outbox_rcpt_base ON outbox(rcpt_base, created);
    CREATE INDEX outbox_kind_created ON outbox(kind, created);
    "#,
    // 10: a mail's whole size: `raw` keeps only its first bytes (store.max_raw_bytes, less for
    // quarantined mail), so an operator can see what was cut; NULL for older rows (kept whole)
    r#"
    ALTER TABLE inbound ADD COLUMN size INTEGER;
    "#,
    // 11: what `deskmail status` reads without talking to the daemon: who runs (pid, since,
    // heartbeat), how the mailbox answers (last good fetch, the error and since when), and
    // whether the agents were told it is away; one row
    r#"
    CREATE TABLE daemon_state (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        pid             INTEGER,
        mode            TEXT,
        started         TEXT,
        heartbeat       TEXT,
        stopped         TEXT,
        source          TEXT,
        last_fetch      TEXT,
        connected       INTEGER NOT NULL DEFAULT 0,
        fetch_error     TEXT,
        error_kind      TEXT,
        error_since     TEXT,
        down_told       TEXT
    );
    INSERT INTO daemon_state (id) VALUES (1);
    "#,
    // 12: raw mail is kept only as long as it is needed (store.keep_raw_days): when a row's raw
    // was emptied, and an outgoing mail's size, so what went is still counted; requests about
    // personal data (export, forget), recorded without the personal data
    r#"
    ALTER TABLE inbound ADD COLUMN purged TEXT;
    ALTER TABLE outbox ADD COLUMN size INTEGER;
    ALTER TABLE outbox ADD COLUMN purged TEXT;
    CREATE INDEX inbound_unpurged ON inbound(received) WHERE purged IS NULL;
    CREATE INDEX outbox_unpurged ON outbox(created) WHERE purged IS NULL;
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY,
        at     TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // 13: requests made on deskmail's own form for an address that has not proven itself yet:
    // kept until the address confirms by its mailed link, or until they expire
    r#"
    CREATE TABLE form_pending (
        id          INTEGER PRIMARY KEY,
        email       TEXT NOT NULL,
        name        TEXT,
        category    TEXT NOT NULL,
        priority    TEXT NOT NULL,
        subject     TEXT NOT NULL,
        description TEXT NOT NULL,
        created     TEXT NOT NULL,
        expires     TEXT NOT NULL
    );
    CREATE INDEX form_pending_email ON form_pending(email, created);
    "#,
    // 14: what runs per mail and per tick stays an index lookup after years of tickets
    // (docs/scaling.md): a reference typed in any case; the mail waiting for the agents'
    // bundle (without it every tick read every inbound row after the last bundle, all of them
    // on a desk that never had one); the last portal reply to an address, which the planner
    // otherwise looked up by kind and date, reading every portal reply of the day per mail
    r#"
    CREATE INDEX tickets_ref_nocase ON tickets(ref COLLATE NOCASE);
    CREATE INDEX inbound_handoff ON inbound(id) WHERE decision = 'handoff' OR held = 'flood';
    CREATE INDEX outbox_rcpt_kind ON outbox(rcpt_base, kind, created);
    "#,
    // 15: each ticket's reply tag (a digest of it) under the desk's key, so that an agent's
    // mail finds the tokens it pasted by index instead of working out every ticket's; filled
    // for the tickets already there before the first agent mail (store::reply_tags)
    r#"
    CREATE TABLE reply_tags (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
        digest    BLOB    NOT NULL
    );
    CREATE INDEX reply_tags_digest ON reply_tags(digest);
    "#,
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Bring the database up to [`LATEST`]. Returns the version it found.
pub fn migrate(conn: &mut Connection) -> Result<i64, MigrationError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|sqlite| MigrationError { version: 0, sqlite })?;
    if found > LATEST {
        return Err(MigrationError {
            version: found,
            sqlite: rusqlite::Error::InvalidQuery,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        run(conn).map_err(|sqlite| MigrationError { version, sqlite })?;
    }
    Ok(found)
}

/// The schema as `version` left it, for upgrade tests.
#[cfg(test)]
pub(crate) fn migrate_to(conn: &Connection, version: usize) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version) {
        conn.execute_batch(sql)?;
        conn.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
// the SQLite error is quoted, not chained, as in `StoreError`
#[error(
    "database schema migration to version {version} failed: {}",
    super::error::sql_text(sqlite)
)]
pub struct MigrationError {
    pub version: i64,
    pub sqlite: rusqlite::Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_is_idempotent() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 0);
        assert_eq!(migrate(&mut c).unwrap(), LATEST);
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, LATEST);
    }

    /// A database of the schema before the indexes of migration 14 (what deskmail 57ae2e5
    /// wrote) is brought up on start, and its rows are found through them.
    #[test]
    fn upgrades_a_store_without_the_indexes() {
        let mut c = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().take(13).enumerate() {
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        c.execute_batch(
            "INSERT INTO tickets (id, number, ref, requester, lang, subject, description, \
             category, priority, status, created, target, updated) VALUES (1, 1000, 'SD-1000', \
             'jan@example.com', 'nl', 's', 'd', 'c', 'normal', 'open', \
             '2026-11-30T09:00:00Z', '2026-12-03T09:00:00Z', '2026-11-30T09:00:00Z');
             INSERT INTO inbound (id, source_key, received, decision, reason, raw) \
             VALUES (7, 'maildir:7', '2026-11-30T09:00:00Z', 'handoff', 'calendar', X'');",
        )
        .unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 13);
        let index = |name: &str| -> bool {
            c.query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                == 1
        };
        for name in ["tickets_ref_nocase", "inbound_handoff", "outbox_rcpt_kind"] {
            assert!(index(name), "{name}");
        }
        let ticket = crate::store::tickets::by_ref(&c, "sd-1000").unwrap();
        assert_eq!(ticket.map(|t| t.id), Some(1));
        let (_, waiting) = crate::store::inbound::handoffs_after(&c, 0, 10).unwrap();
        assert_eq!(waiting, 1);
    }

    #[test]
    fn refuses_a_newer_database() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", LATEST + 1).unwrap();
        assert!(migrate(&mut c).is_err());
    }
}
