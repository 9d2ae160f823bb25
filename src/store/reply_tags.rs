//! Each ticket's reply tag under the desk's key, kept so that an agent's mail learns which runs
//! of 20 hex digits in its text are some ticket's token by index look-ups, rather than by
//! working out every ticket's token (a million HMACs at a million tickets). A row holds a
//! digest of the tag ([`Tag::digest`]), never the tag. The setting `reply_tags_key` names the
//! key the rows were made with and is only written once every ticket has its row; a new ticket
//! gets its row in the transaction that makes it, so the rows stay complete under that key. A
//! store from before them, or one whose key changed, is [`refill`]ed.

use super::{Result, settings};
use crate::agent::token::{DIGEST_BYTES, Tag, TokenKey};
use crate::model::TicketRef;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params, params_from_iter};
use std::collections::{HashMap, HashSet};

/// Tickets read per statement while refilling: the memory of a refill stays flat.
const BATCH: i64 = 10_000;
/// Candidates per `IN (…)`: well below SQLite's limit of bound values.
const CHUNK: usize = 500;

/// Whether every ticket's row is made with `key`.
pub fn current(c: &Connection, key: &TokenKey) -> Result<bool> {
    Ok(settings::reply_tags_key(c)?.is_some_and(|f| f == key.fingerprint()))
}

/// Keep the new ticket `id`'s tag; without the key (a preview's composer) the rows are no
/// longer complete, and are refilled before they are relied on.
pub fn add(c: &Connection, id: i64, reference: &TicketRef, key: Option<&TokenKey>) -> Result<()> {
    let Some(key) = key else {
        return settings::clear_reply_tags_key(c);
    };
    c.execute(
        "INSERT OR REPLACE INTO reply_tags (ticket_id, digest) VALUES (?1, ?2)",
        params![id, key.tag(reference).digest()],
    )?;
    Ok(())
}

/// Make every ticket's row afresh under `key`, in batches, and record the key. Returns the
/// number of tickets.
pub fn refill(c: &Connection, key: &TokenKey, now: DateTime<Utc>) -> Result<u64> {
    c.execute("DELETE FROM reply_tags", [])?;
    let mut read = c.prepare("SELECT id, ref FROM tickets WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let mut write = c.prepare("INSERT INTO reply_tags (ticket_id, digest) VALUES (?1, ?2)")?;
    let (mut after, mut count) = (0, 0);
    loop {
        let batch = read
            .query_map(params![after, BATCH], |r| {
                Ok((r.get::<_, i64>(0)?, TicketRef(r.get(1)?)))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (id, reference) in &batch {
            write.execute(params![id, key.tag(reference).digest()])?;
        }
        count += batch.len() as u64;
    }
    settings::set_reply_tags_key(c, &key.fingerprint(), now)?;
    Ok(count)
}

/// Which of `candidates` are some ticket's tag (the rows must be [`current`]).
pub fn known(c: &Connection, candidates: &HashSet<Tag>) -> Result<Vec<Tag>> {
    let by_digest: HashMap<[u8; DIGEST_BYTES], Tag> =
        candidates.iter().map(|t| (t.digest(), *t)).collect();
    let digests: Vec<&[u8; DIGEST_BYTES]> = by_digest.keys().collect();
    let mut found = Vec::new();
    for chunk in digests.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = c.prepare_cached(&format!(
            "SELECT digest FROM reply_tags WHERE digest IN ({marks})"
        ))?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| r.get::<_, Vec<u8>>(0))?;
        for digest in rows {
            let digest = digest?;
            if let Some(tag) = <[u8; DIGEST_BYTES]>::try_from(digest.as_slice())
                .ok()
                .and_then(|d| by_digest.get(&d))
            {
                found.push(*tag);
            }
        }
    }
    Ok(found)
}

/// Tickets SD-1000 to SD-1000+n-1 (ids 1 to n, resolved), for tests; those there stay.
#[cfg(test)]
pub(crate) fn tickets(c: &Connection, n: i64) {
    c.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT OR IGNORE INTO tickets (id, number, ref, requester, lang, subject, description, \
             category, priority, status, created, target, updated) SELECT i, 999 + i, \
             'SD-' || (999 + i), 'jan@example.com', 'nl', 's', 'd', 'c', 'normal', \
             'resolved', '2020-01-01T09:00:00Z', '2020-01-03T09:00:00Z', \
             '2020-01-01T09:00:00Z' FROM n",
            [n],
        )
    .expect("tickets");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn key(secret: &[u8]) -> TokenKey {
        TokenKey::new(secret)
    }

    /// A store with tickets SD-1000 to SD-1000+n-1 (ids 1 to n), without their tags.
    fn store_with(n: i64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("store");
        tickets(store.conn(), n);
        (dir, store)
    }

    fn sd(n: i64) -> TicketRef {
        TicketRef::new("SD-", n)
    }

    #[test]
    fn refilled_tags_are_found_and_others_are_not() {
        let (_dir, store) = store_with(3);
        let (c, k) = (store.conn(), key(b"the first key of the desk"));
        assert!(!current(c, &k).expect("current"), "none made yet");
        assert_eq!(refill(c, &k, Utc::now()).expect("refill"), 3);
        assert!(current(c, &k).expect("current"));
        let asked: HashSet<Tag> = [k.tag(&sd(1000)), k.tag(&sd(1002)), k.tag(&sd(77))].into();
        let mut found = known(c, &asked).expect("known");
        found.sort_by_key(|t| t.digest());
        let mut want = vec![k.tag(&sd(1000)), k.tag(&sd(1002))];
        want.sort_by_key(|t| t.digest());
        assert_eq!(found, want);
        // a new ticket's row is added with it
        tickets(c, 4);
        add(c, 4, &sd(1003), Some(&k)).expect("add");
        assert_eq!(
            known(c, &[k.tag(&sd(1003))].into()).expect("known").len(),
            1
        );
        // one made without the key leaves them incomplete
        tickets(c, 5);
        add(c, 5, &sd(1004), None).expect("add");
        assert!(!current(c, &k).expect("current"));
    }

    #[test]
    fn another_key_makes_the_rows_stale_until_refilled() {
        let (_dir, store) = store_with(2);
        let c = store.conn();
        let (old, new) = (key(b"the first key of the desk"), key(b"a key made later"));
        refill(c, &old, Utc::now()).expect("refill");
        assert!(!current(c, &new).expect("current"));
        assert_eq!(refill(c, &new, Utc::now()).expect("refill"), 2);
        assert!(current(c, &new).expect("current"));
        assert!(!current(c, &old).expect("current"));
        let old_tag: HashSet<Tag> = [old.tag(&sd(1000))].into();
        assert!(known(c, &old_tag).expect("known").is_empty());
        assert_eq!(
            known(c, &[new.tag(&sd(1001))].into()).expect("known").len(),
            1
        );
    }

    #[test]
    fn many_candidates_take_several_statements() {
        let (_dir, store) = store_with(BATCH + 5);
        let (c, k) = (store.conn(), key(b"the first key of the desk"));
        // in one transaction, as the daemon refills (inside an agent mail's)
        let tx = c.unchecked_transaction().expect("begin");
        assert_eq!(
            refill(&tx, &k, Utc::now()).expect("refill"),
            (BATCH + 5) as u64
        );
        tx.commit().expect("commit");
        let asked: HashSet<Tag> = (1000..1000 + 3 * CHUNK as i64)
            .map(|n| k.tag(&sd(n)))
            .collect();
        assert_eq!(known(c, &asked).expect("known").len(), 3 * CHUNK);
    }
}
