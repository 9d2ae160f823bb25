//! Writing an outgoing mail into the outbox, inside the caller's transaction, and the error of
//! every such write (ingest, steer, tick, deliver, handoff all queue mail): the store failed, or
//! our own templates did. Nothing is sent here; the outbox worker sends after the commit.

use crate::compose::{Composer, Outgoing};
use crate::error_chain::Chain;
use crate::model::EventKind;
use crate::store::{StoreError, events, outbox};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Writing what a decision or a tick causes failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template")]
    Template(#[from] crate::compose::TemplateError),
}

/// Render a mail to bytes and put it in the outbox.
pub fn enqueue(
    tx: &Connection,
    composer: &Composer,
    mail: &Outgoing,
    ticket_id: Option<i64>,
    inbound_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    let raw = match crate::compose::to_bytes(mail, composer.config, now) {
        Ok(raw) => raw,
        Err(e) => {
            // an address lettre refuses: record why on the ticket instead of sending
            let error = Chain(&e).to_string();
            tracing::warn!(message_id = %mail.message_id, %error, "mail not queued");
            if let Some(id) = ticket_id {
                events::add(
                    tx,
                    id,
                    now,
                    "deskmail",
                    EventKind::MailRefused,
                    &error,
                    inbound_id,
                )?;
            }
            return Ok(());
        }
    };
    let recipients: Vec<String> = mail.to.iter().map(|a| a.email.clone()).collect();
    outbox::enqueue(
        tx,
        &outbox::NewMail {
            message_id: &mail.message_id,
            kind: mail.kind.as_str(),
            ticket_id,
            inbound_id,
            recipients: &recipients,
            raw: &raw,
            created: now,
        },
    )?;
    Ok(())
}
