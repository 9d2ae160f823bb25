//! From an [`Outgoing`] to RFC 5322 bytes (lettre's builder does the encoding), and the
//! Message-IDs we mint. Names and subjects from outside are cleaned of line breaks first, so
//! they can never add a header or a recipient.

use super::{LOOP_HEADER, Outgoing};
use crate::config::Config;
use crate::model::Address;
use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot write to {address:?}: not a valid address ({reason})")]
    BadAddress { address: String, reason: String },
    #[error("cannot build the message: {0}")]
    Build(String),
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new, globally unique Message-ID (without brackets): tag, time, process and a counter.
pub fn new_id(tag: &str, domain: &str, now: DateTime<Utc>) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tag: String = tag
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!(
        "{}.{}.{}.{}@{}",
        tag.to_ascii_lowercase(),
        now.timestamp_micros(),
        std::process::id(),
        n,
        domain
    )
}

fn mailbox(a: &Address) -> Result<Mailbox, ComposeError> {
    let email =
        a.email.parse().map_err(
            |e: lettre::address::AddressError| ComposeError::BadAddress {
                address: a.email.clone(),
                reason: e.to_string(),
            },
        )?;
    let name = a
        .name
        .as_deref()
        .map(super::templates::header_safe)
        .filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, email))
}

fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// The finished mail, as it goes into the outbox.
pub fn to_bytes(
    o: &Outgoing,
    config: &Config,
    date: DateTime<Utc>,
) -> Result<Vec<u8>, ComposeError> {
    let from = mailbox(&Address::new(Some(&config.desk.name), &config.desk.address))?;
    let mut b = lettre::Message::builder()
        .from(from)
        .subject(o.rendered.subject.clone())
        .date(date.into())
        .message_id(Some(format!("<{}>", o.message_id)));
    for to in &o.to {
        b = b.to(mailbox(to)?);
    }
    if let Some(r) = &o.reply_to {
        b = b.reply_to(mailbox(r)?);
    }
    if let Some(id) = &o.in_reply_to {
        b = b.in_reply_to(format!("<{}>", clean_id(id)));
    }
    if !o.references.is_empty() {
        let refs: Vec<String> = o
            .references
            .iter()
            .map(|r| format!("<{}>", clean_id(r)))
            .collect();
        b = b.references(refs.join(" "));
    }
    let b = b
        .raw_header(raw_header("Auto-Submitted", o.auto.as_str().to_string()))
        .raw_header(raw_header(LOOP_HEADER, config.desk.address.clone()))
        // ask Exchange and friends not to send out-of-office replies back to us
        .raw_header(raw_header("X-Auto-Response-Suppress", "All".to_string()))
        .raw_header(raw_header("Content-Language", o.lang.code().to_string()));
    let msg = b
        .multipart(MultiPart::alternative_plain_html(
            o.rendered.text.clone(),
            o.rendered.html.clone(),
        ))
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(msg.formatted())
}

/// Message-IDs from outside go back into our headers: keep only what an id may contain.
fn clean_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_graphic() && !"<>\"\\".contains(*c))
        .collect()
}
