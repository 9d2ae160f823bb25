//! The header block of a mail: which lines are real fields, their raw unfolded values, and the
//! fields decoded for classification — Message-IDs, addresses (also the broken shapes people's
//! clients send), Return-Path with its null sender, and the date.

use crate::model::Address;
use crate::text::one_line;
use chrono::{DateTime, Utc};
use mail_parser::{Addr, Address as MpAddress, Header, HeaderValue};

/// mail-parser turns any run of bytes into a "header" name; a real field has an RFC 5322
/// name (printable ASCII, no space) and was ended by a colon.
pub(super) fn is_real_header(h: &Header<'_>, bytes: &[u8]) -> bool {
    let name = h.name.as_str();
    let colon = (h.offset_start as usize)
        .checked_sub(1)
        .and_then(|i| bytes.get(i))
        .is_some_and(|&b| b == b':');
    colon && !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

pub(super) fn raw_headers(headers: &[Header<'_>], bytes: &[u8]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|h| is_real_header(h, bytes))
        .map(|h| {
            let value = bytes
                .get(h.offset_start as usize..h.offset_end as usize)
                .unwrap_or_default();
            (h.name.as_str().to_ascii_lowercase(), unfold(value))
        })
        .collect()
}

/// Folding whitespace becomes one space; any stray CR or LF goes too, so a header value
/// can never smuggle a line break into a mail we compose from it.
fn unfold(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut after_break = false;
    for ch in text.chars() {
        match ch {
            '\r' | '\n' => after_break = true,
            ' ' | '\t' if after_break => {}
            _ => {
                if after_break {
                    out.push(' ');
                    after_break = false;
                }
                out.push(ch);
            }
        }
    }
    out.trim().to_string()
}

pub(super) fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_string())
}

pub(super) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => clean_id(id).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    }
}

fn to_address(addr: &Addr<'_>) -> Option<Address> {
    let Some(email) = addr
        .address
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    else {
        return address_in_name(addr.name.as_deref()?);
    };
    if !email.starts_with('"') && email.contains(char::is_whitespace) {
        // "a@x b@x" without a comma, or "Big Bug bb@bug.com" without brackets, comes through as
        // one address: keep the first word that is an address, the other words are the name
        let first = email.split_whitespace().next().unwrap_or(email);
        if !first.contains('@') {
            return address_in_name(email);
        }
        return Some(Address::new(
            addr.name.as_deref().map(one_line).as_deref(),
            first,
        ));
    }
    Some(Address::new(
        addr.name.as_deref().map(one_line).as_deref(),
        email,
    ))
}

/// `From: Big Bug bb@bug.com` (no angle brackets) reaches us as a name only: the word with an
/// `@` is the address, the rest the name.
fn address_in_name(name: &str) -> Option<Address> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let at = words.iter().position(|w| w.contains('@'))?;
    let email = words[at].trim_matches(|c| c == '<' || c == '>' || c == '"' || c == ',');
    let rest: Vec<&str> = words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, w)| *w)
        .collect();
    Some(Address::new(Some(&rest.join(" ")), email))
}

pub(super) fn first_address(list: &MpAddress<'_>) -> Option<Address> {
    list.iter().find_map(to_address)
}

/// Groups are flattened: we only ever need the mailboxes.
pub(super) fn all_addresses<'a>(lists: impl Iterator<Item = &'a MpAddress<'a>>) -> Vec<Address> {
    lists
        .flat_map(|l| l.iter().filter_map(to_address))
        .collect()
}

/// The raw header is read instead of mail-parser's value, which loses the null sender `<>`.
pub(super) fn return_path(headers: &[(String, String)]) -> Option<String> {
    let value = headers.iter().find(|(n, _)| n == "return-path")?.1.as_str();
    let inner = match value.find('<') {
        Some(open) => value[open + 1..].split('>').next().unwrap_or_default(),
        None => value,
    };
    Some(inner.trim().to_string())
}

pub(super) fn to_utc(date: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    date.is_valid()
        .then(|| DateTime::from_timestamp(date.to_timestamp(), 0))
        .flatten()
}
