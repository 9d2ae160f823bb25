//! Test mail as people, the portal and agents write it: the raw text the end-to-end tests
//! deliver, and the few questions they ask of the desk's replies (their reply address, whether
//! a token shows in a text).

use super::{Sent, header};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A plain person-written mail.
pub fn person_mail(from: &str, subject: &str, message_id: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: Servicedesk <servicedesk@example.org>\nSubject: {subject}\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0100\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

/// Fatima's laptop form for `requester`: the portal mail most tests need (ticket SD-1000 on a
/// fresh desk, subject "Laptop").
pub fn laptop_form(message_id: &str, requester: &str) -> String {
    portal_mail(
        message_id,
        &[
            ("Naam", "Fatima el Amrani"),
            ("E-mail", requester),
            ("Categorie", "hardware"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", "Laptop"),
            ("Omschrijving", "Start niet."),
        ],
    )
}

/// A portal form mail.
pub fn portal_mail(message_id: &str, fields: &[(&str, &str)]) -> String {
    let body: String = fields.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    format!(
        "From: Portal <portal@example.org>\nTo: servicedesk@example.org\nSubject: New request\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0100\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}"
    )
}

/// Standard base64 (RFC 4648, padded): to look for the encoded forms of a secret (SMTP AUTH
/// PLAIN and LOGIN, XOAUTH2) in a log.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An agent's (Anna's) reply to `notice`, sent to `to` (its signed Reply-To, or a forgery),
/// with extra headers on top.
pub fn agent_reply(notice: &Sent, to: &str, top_headers: &str, body: &str) -> String {
    format!(
        "{top_headers}From: Anna Jansen <anna@example.org>\nTo: {to}\nSubject: Re: {}\n\
         Date: Mon, 23 Nov 2026 10:30:00 +0100\nMessage-ID: <reply-{}@example.org>\n\
         In-Reply-To: <{}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\n{body}\n",
        notice.subject,
        unique(),
        notice.message_id
    )
}

/// A value no other call in this process returns, for Message-IDs.
pub fn unique() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}.{}", N.fetch_add(1, Ordering::SeqCst))
}

/// The address in a mail's Reply-To (for agents' mails: the ticket's signed address).
pub fn reply_to(notice: &Sent) -> String {
    let value = header(&notice.raw, "Reply-To").expect("the notice has a Reply-To");
    let start = value.find('<').map_or(0, |i| i + 1);
    let end = value.rfind('>').unwrap_or(value.len());
    value[start..end].to_string()
}

/// Whether `token` (20 hex characters) can be read in `text` in any form: any case, split
/// over lines, percent-encoded, inside a longer run. Only the hex characters are compared
/// (after percent-decoding), so a token hidden by separators is found too.
pub fn shows_token(text: &str, token: &str) -> bool {
    let decoded = percent_decode(text);
    let hex: String = decoded
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex.contains(&token.to_ascii_lowercase())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1..i + 3)
            .and_then(|p| std::str::from_utf8(p).ok());
        match (bytes[i], pair.and_then(|p| u8::from_str_radix(p, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
