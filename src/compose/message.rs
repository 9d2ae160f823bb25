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
    #[error("cannot build the message")]
    Build(#[source] lettre::error::Error),
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
        crate::model::mail_address(&a.email).map_err(|reason| ComposeError::BadAddress {
            address: a.email.clone(),
            reason,
        })?;
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
    let mut b = lettre::Message::builder();
    b = match literal_subject(&o.rendered.subject) {
        Some(h) => b.raw_header(h),
        None => b.subject(o.rendered.subject.clone()),
    };
    let mut b = b
        .from(from)
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
        .map_err(ComposeError::Build)?;
    Ok(msg.formatted())
}

/// Text from outside may hold what looks like an encoded word (`=?utf-8?b?…?=`). lettre
/// writes ASCII as it is, and mail readers would then decode it and show whatever it hides,
/// line breaks and `Bcc:` included. Such a subject is encoded whole by us (RFC 2047 Q), so it
/// reads back as the literal text.
fn literal_subject(subject: &str) -> Option<HeaderValue> {
    subject.contains("=?").then(|| {
        HeaderValue::dangerous_new_pre_encoded(
            HeaderName::new_from_ascii_str("Subject"),
            subject.to_string(),
            q_encode(subject),
        )
    })
}

/// RFC 2047 Q encoding, never splitting a character, in words short enough that even the
/// first line (after "Subject: ") stays within 78 characters.
fn q_encode(text: &str) -> String {
    const PAYLOAD: usize = 78 - "Subject: ".len() - "=?utf-8?q??=".len();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let mut piece = String::new();
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            match b {
                b' ' => piece.push('_'),
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                    piece.push(b as char)
                }
                _ => piece.push_str(&format!("={b:02X}")),
            }
        }
        if word.len() + piece.len() > PAYLOAD {
            words.push(std::mem::take(&mut word));
        }
        word.push_str(&piece);
    }
    words.push(word);
    words
        .iter()
        .map(|w| format!("=?utf-8?q?{w}?="))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Message-IDs from outside go back into our headers: keep only what an id may contain.
fn clean_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_graphic() && !"<>\"\\".contains(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{AutoSubmitted, MailKind, Rendered};
    use crate::model::Lang;

    fn sent_subject(subject: &str) -> (String, String) {
        let config = crate::config::test_config("");
        let o = Outgoing {
            kind: MailKind::PortalReply,
            message_id: "x.1@deskmail.example.org".into(),
            lang: Lang::Nl,
            to: vec![Address::new(None, "jan@example.org")],
            reply_to: None,
            in_reply_to: None,
            references: Vec::new(),
            auto: AutoSubmitted::Replied,
            rendered: Rendered {
                subject: subject.into(),
                text: "t".into(),
                html: "<p>t</p>".into(),
            },
        };
        let raw = to_bytes(&o, &config, chrono::Utc::now()).expect("bytes");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("parses");
        (parsed.subject().unwrap_or_default().to_string(), text)
    }

    #[test]
    fn an_encoded_word_from_outside_reads_back_as_literal_text() {
        let evil = "Re: =?utf-8?b?RXZlDQpCY2M6IGV2aWxAZXhhbXBsZS5uZXQ=?= and =?iso-8859-1?q?Eve=0D=0ABcc:_x@y.z?= – é";
        let (subject, raw) = sent_subject(evil);
        assert_eq!(subject, evil, "a reader shows exactly what we rendered");
        let head = raw.split("\r\n\r\n").next().unwrap_or_default();
        assert!(!head.to_ascii_lowercase().contains("\nbcc:"), "{head}");
        assert!(head.lines().all(|l| l.len() <= 78), "folded: {head}");
    }

    #[test]
    fn an_ordinary_subject_is_left_to_lettre() {
        let (subject, raw) = sent_subject("Re: Printer kapot – graag snel");
        assert_eq!(subject, "Re: Printer kapot – graag snel");
        assert!(raw.contains("Subject: "), "{raw}");
    }
}
