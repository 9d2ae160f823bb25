//! Raw message bytes → [`Inbound`]: decodes once, with mail-parser, everything that
//! classification and composition read, so nothing else in the bot touches MIME.
//! Hostile input (fuzzed, truncated, binary, CR-only) must yield an error or a best-effort
//! `Inbound`, never a panic: one bad mail must not stall the queue.
//!
//! This module repairs the framing and assembles the `Inbound`; the header fields (IDs,
//! addresses, dates) are read in `headers`, the parts (types, attachments, calendar method,
//! body text and HTML → text) in `body`.

mod body;
mod headers;
#[cfg(test)]
mod tests;

use crate::model::Inbound;
use crate::text::one_line;
use body::{attachments, body, calendar_method, mime_type, report_type, tracking_images};
use headers::{
    all_addresses, clean_id, first_address, ids, is_real_header, raw_headers, return_path, to_utc,
};
use mail_parser::{MessageParser, PartType};
use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Bodies are read by people and by the language guesser; beyond this nothing is gained.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest subject taken from a mail: it is stored, logged on tickets and shown to agents, and
/// no person writes more (a 1 MB subject is an attack or a broken client).
pub const MAX_SUBJECT_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("message is empty")]
    Empty,
    #[error("input has no header block, so it is not a mail message")]
    NotAMessage,
    #[error(
        "message is {size} bytes, over the limit of {limit} bytes (raise [inbound] max_message_bytes to accept it)"
    )]
    TooLarge { size: usize, limit: usize },
}

/// Parses one raw message. `max_bytes` guards memory and time before any parsing starts.
pub fn parse(raw: &[u8], max_bytes: usize) -> Result<Inbound, ParseError> {
    if raw.len() > max_bytes {
        return Err(ParseError::TooLarge {
            size: raw.len(),
            limit: max_bytes,
        });
    }
    if raw.trim_ascii().is_empty() {
        return Err(ParseError::Empty);
    }
    let bytes = normalize(raw);
    // mail-parser has debug assertions (live in dev builds) and index arithmetic on paths
    // only broken MIME reaches. A panic there must not kill the worker nor lose the mail:
    // fall back to the headers alone, which is all classification needs.
    let inbound = match catch_unwind(AssertUnwindSafe(|| build(&bytes, false))) {
        Ok(inbound) => inbound,
        Err(_) => catch_unwind(AssertUnwindSafe(|| build(&bytes, true)))
            .ok()
            .flatten(),
    }
    .ok_or(ParseError::NotAMessage)?;
    Ok(Inbound {
        size: raw.len(),
        ..inbound
    })
}

/// Repairs framing that mail-parser cannot see through: leading blank lines (it would take
/// the whole message as body), an mbox envelope line, and CR-only line ends (old Mac files,
/// which it would read as one endless header).
fn normalize(raw: &[u8]) -> Cow<'_, [u8]> {
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    let mut bytes = &raw[start..];
    // "From sender date" (mbox), not an obsolete "From : x" header.
    let envelope = bytes.strip_prefix(b"From ").is_some_and(|rest| {
        rest.first()
            .is_some_and(|b| b.is_ascii_graphic() && *b != b':')
    });
    if envelope {
        let line_end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| p + 1);
        bytes = &bytes[line_end..];
    }
    if !bytes.contains(&b'\n') && bytes.contains(&b'\r') {
        let lf: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'\r' { b'\n' } else { b })
            .collect();
        return Cow::Owned(lf);
    }
    Cow::Borrowed(bytes)
}

fn build(bytes: &[u8], headers_only: bool) -> Option<Inbound> {
    let parser = MessageParser::default();
    let msg = if headers_only {
        parser.parse_headers(bytes)?
    } else {
        parser.parse(bytes)?
    };
    let root = msg.parts.first()?;
    if !root.headers.iter().any(|h| is_real_header(h, bytes)) {
        return None;
    }
    let headers = raw_headers(&root.headers, bytes);
    let content_type = mime_type(root);
    Some(Inbound {
        message_id: msg.message_id().and_then(clean_id),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        from: msg.from().and_then(first_address),
        return_path: return_path(&headers),
        reply_to: msg.reply_to().and_then(first_address),
        to: all_addresses(msg.all_to()),
        cc: all_addresses(msg.all_cc()),
        subject: msg
            .subject()
            .map(|s| crate::text::fit(&one_line(s), MAX_SUBJECT_CHARS))
            .unwrap_or_default(),
        date: msg.date().and_then(to_utc),
        body: body(&msg),
        report_type: report_type(root, &content_type),
        content_type,
        part_types: msg.parts.iter().map(mime_type).collect(),
        attachments: attachments(&msg),
        calendar_method: calendar_method(&msg),
        tracking_images: msg
            .parts
            .iter()
            .map(|p| match &p.body {
                PartType::Html(html) => tracking_images(html),
                _ => 0,
            })
            .sum(),
        headers,
        size: 0,
    })
}
