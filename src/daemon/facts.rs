//! What the store knows that a decision's effects depend on ([`crate::effects::Facts`]), read inside
//! the transaction that writes them: the ticket a mail is about, the next ticket number, and for
//! an agent's mail the recent progress mails, the reply-address tokens it pasted and the
//! requester's last mail (which the answer threads under).

use crate::agent::plan;
use crate::agent::redact::{Tokens, candidates};
use crate::agent::token::{Tag, TokenKey};
use crate::classify::{Decision, IgnoreReason};
use crate::config::Config;
use crate::effects::Facts;
use crate::model::Inbound;
use crate::store::{StoreError, inbound, outbox, reply_tags, tickets};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, MAIN_DB};
use std::collections::HashSet;

/// Read what `decision` on `m` needs; `key` finds the tickets' tokens in an agent's text
/// (without it none are taken out).
pub fn gather(
    c: &Connection,
    decision: &Decision,
    m: &Inbound,
    config: &Config,
    key: Option<&TokenKey>,
    now: DateTime<Utc>,
) -> Result<Facts, StoreError> {
    let mut facts = Facts::default();
    match decision {
        Decision::NewTicket(_) => {
            facts.next_number = tickets::next_number(c, config.tickets.first_number)?;
        }
        Decision::TicketReply { ticket, .. }
        | Decision::Ignore(IgnoreReason::UnprovenAgent { ticket, .. }) => {
            facts.ticket = tickets::by_ref(c, ticket.as_str())?;
        }
        Decision::AgentCommand { ticket, parsed } => {
            let Some(t) = tickets::by_ref(c, ticket.as_str())? else {
                return Ok(facts);
            };
            // the progress mails of today and yesterday: whether a promise can still be kept today
            facts.sent = outbox::progress_times(c, t.id, now - chrono::Duration::days(2))?;
            // an agent who is also the requester answers under their own mail
            let own = m
                .from
                .as_ref()
                .filter(|f| f.email.eq_ignore_ascii_case(&t.requester))
                .and(m.message_id.clone());
            facts.answering = match own {
                Some(id) => Some(id),
                None => inbound::last_message_id_from(c, t.id, &t.requester)?,
            };
            facts.ticket = Some(t);
            // every text redacted with the tokens: the plan's, and the reason (made from the
            // facts read so far, which the tokens play no part in)
            let desk = config.desk.address.as_str();
            let mut pasted: HashSet<Tag> = plan::redacted(parsed)
                .flat_map(|text| candidates(text, desk))
                .collect();
            let words = super::decide::agent_words(decision, m, config, &facts, now);
            pasted.extend(candidates(&words, desk));
            facts.tokens = tokens(c, key, &pasted, now)?;
        }
        Decision::Ignore(_) | Decision::Handoff(_) | Decision::PortalReply { .. } => {}
    }
    Ok(facts)
}

/// Which of the `pasted` runs of hex digits are a ticket's token under `key` — any ticket's,
/// not only the one the mail is about: an agent pastes what is at hand. Found by the kept
/// reply tags, made afresh first when they are not all of this key (the first agent mail
/// after an upgrade or a new key, once). A read-only look (`explain`) at a store whose tags
/// are not made yet works out every ticket's token instead.
fn tokens(
    c: &Connection,
    key: Option<&TokenKey>,
    pasted: &HashSet<Tag>,
    now: DateTime<Utc>,
) -> Result<Tokens, StoreError> {
    let Some(key) = key.filter(|_| !pasted.is_empty()) else {
        return Ok(Tokens::default());
    };
    if !reply_tags::current(c, key)? {
        if c.is_readonly(MAIN_DB)? {
            return Ok(Tokens::of(key, &tickets::references(c)?));
        }
        let started = std::time::Instant::now();
        let count = reply_tags::refill(c, key, now)?;
        tracing::info!(
            tickets = count,
            ms = started.elapsed().as_millis() as u64,
            "reply tags made for every ticket under the desk's key"
        );
    }
    Ok(Tokens::known(reply_tags::known(c, pasted)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{command, redact::redact};
    use crate::model::{Address, TicketRef};
    use crate::store::{Store, migrations};

    /// A store of schema 14 (before the kept tags) with tickets SD-1000 and SD-1001.
    fn store_of_schema_14(dir: &std::path::Path) -> Store {
        let path = dir.join("db.sqlite");
        let c = Connection::open(&path).expect("open");
        migrations::migrate_to(&c, 14).expect("schema 14");
        reply_tags::tickets(&c, 2);
        drop(c);
        Store::open(&path).expect("migrated")
    }

    /// An agent's answer on SD-1000 that pastes the token of the old SD-1001.
    fn answer(token: &str) -> (Decision, Inbound) {
        let m = Inbound {
            from: Some(Address::new(Some("Anna"), "anna@example.org")),
            ..Inbound::default()
        };
        let parsed = command::parse(&format!("Hoi Jan,\n\nZie servicedesk+SD-1001.{token}@x.nl"));
        let ticket = TicketRef::new("SD-", 1000);
        (Decision::AgentCommand { ticket, parsed }, m)
    }

    #[test]
    fn an_upgraded_store_gets_its_tags_at_the_first_agent_mail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_of_schema_14(dir.path());
        let (config, now) = (crate::config::test_config(""), Utc::now());
        let key = TokenKey::new(b"the desk's key for this test");
        assert!(!reply_tags::current(store.conn(), &key).expect("current"));
        let old = key.token(&TicketRef::new("SD-", 1001));
        let (decision, m) = answer(&old);
        let facts = gather(store.conn(), &decision, &m, &config, Some(&key), now).expect("facts");
        assert!(reply_tags::current(store.conn(), &key).expect("current"));
        let text = format!("servicedesk+SD-1001.{old}@x.nl and {old}");
        assert_eq!(
            redact(&text, &config.desk.address, &facts.tokens),
            "servicedesk+SD-1001@x.nl and "
        );
        // a new key makes them afresh: the old key's tokens are no tickets' any more
        let new = TokenKey::new(b"a key set in agents.secret_file later");
        let (decision, m) = answer(&new.token(&TicketRef::new("SD-", 1001)));
        let facts = gather(store.conn(), &decision, &m, &config, Some(&new), now).expect("facts");
        assert!(reply_tags::current(store.conn(), &new).expect("current"));
        assert_eq!(redact(&old, "", &facts.tokens), old);
        let pasted = new.token(&TicketRef::new("SD-", 1001));
        assert_eq!(redact(&pasted, "", &facts.tokens), "");
    }

    /// A read-only look (`explain`) before the tags are made still finds every ticket's token.
    #[test]
    fn a_read_only_look_before_the_tags_works_them_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(store_of_schema_14(dir.path()));
        let store = Store::open_read_only(&dir.path().join("db.sqlite")).expect("read-only");
        let (config, now) = (crate::config::test_config(""), Utc::now());
        let key = TokenKey::new(b"the desk's key for this test");
        let old = key.token(&TicketRef::new("SD-", 1001));
        let (decision, m) = answer(&old);
        let facts = gather(store.conn(), &decision, &m, &config, Some(&key), now).expect("facts");
        assert_eq!(redact(&old, "", &facts.tokens), "");
        assert!(!reply_tags::current(store.conn(), &key).expect("current"));
    }
}
