//! The promises on each composed mail, read from the outside as a receiving mail program would:
//! exactly its kind's header fields, each once; no line break in a value; the one intended
//! recipient and no Cc/Bcc; no markup from outside (`html`); the Subject as we rendered it.

use crate::html::HtmlAllowed;
use crate::report::Problem;
use deskmail::compose::{MailKind, Outgoing};
use mail_parser::{MessageParser, PartType};
use std::collections::{BTreeMap, BTreeSet};

/// Every mail we send has these header fields, each once.
const ALWAYS: [&str; 11] = [
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "x-deskmail-loop",
    "x-auto-response-suppress",
    "content-language",
    "mime-version",
    "content-type",
];

/// The header names a mail of this kind must have: the fixed set, Reply-To on everything about
/// a ticket, and the threading fields exactly when there is a thread.
fn expected_headers(mail: &Outgoing) -> Result<BTreeSet<&'static str>, Problem> {
    let mut names: BTreeSet<&str> = ALWAYS.into_iter().collect();
    let about_ticket = mail.kind != MailKind::PortalReply;
    if about_ticket != mail.reply_to.is_some() {
        return Err(Problem::new(
            "Reply-To",
            format!("{:?} on a mail about_ticket={about_ticket}", mail.reply_to),
        ));
    }
    if about_ticket {
        names.insert("reply-to");
    }
    if mail.in_reply_to.is_some() {
        names.insert("in-reply-to");
    }
    if !mail.references.is_empty() {
        names.insert("references");
    }
    Ok(names)
}

pub fn check_raw(
    raw: &[u8],
    mail: &Outgoing,
    expected_to: &str,
    desk: &str,
    html: &HtmlAllowed,
) -> Result<(), Problem> {
    let expected = expected_headers(mail)?;
    // our own reading of the header block, independent of any parser's leniency
    let names = header_names(raw)?;
    same_names("header fields (as written)", &names, &expected)?;
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| Problem::new("unreadable", "mail-parser cannot read it"))?;
    let parsed: Vec<String> = msg
        .headers_raw()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    same_names(
        "header fields (as mail-parser reads them)",
        &parsed,
        &expected,
    )?;
    for (name, value) in msg.headers_raw() {
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let unfolded = value.replace("\r\n ", " ").replace("\r\n\t", "\t");
        if unfolded.contains(['\r', '\n']) {
            return Err(Problem::new(
                "line break in a header value",
                format!("{name}: {value:?}"),
            ));
        }
    }
    check_recipients(&msg, expected_to, desk)?;
    let parts: Vec<&str> = msg
        .parts
        .iter()
        .filter_map(|p| match &p.body {
            PartType::Html(h) => Some(h.as_ref()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [one] => html.check(one)?,
        other => {
            let detail = format!("{} HTML parts, expected one", other.len());
            return Err(Problem::new("HTML part count", detail));
        }
    }
    check_subject(msg.subject().unwrap_or_default(), &mail.rendered.subject)
}

/// What a reader's mail program shows is what we rendered: one line, and no encoded-word in our
/// text that a decoder would turn into something else.
fn check_subject(decoded: &str, rendered: &str) -> Result<(), Problem> {
    if decoded.chars().any(char::is_control) {
        return Err(Problem::new(
            "control character in the decoded Subject",
            format!("reads {decoded:?}, rendered {rendered:?}"),
        ));
    }
    if decoded != rendered {
        return Err(Problem::new(
            "decoded Subject differs from the rendered one",
            format!("reads {decoded:?}, rendered {rendered:?}"),
        ));
    }
    Ok(())
}

/// Each name present once, and exactly the expected ones.
fn same_names(seen_by: &str, names: &[String], expected: &BTreeSet<&str>) -> Result<(), Problem> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in names {
        *counts.entry(n.as_str()).or_default() += 1;
    }
    let twice: Vec<&&str> = counts
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| n)
        .collect();
    let got: BTreeSet<&str> = counts.keys().copied().collect();
    if !twice.is_empty() || got != *expected {
        let extra: Vec<&&str> = got.difference(expected).collect();
        let missing: Vec<&&str> = expected.difference(&got).collect();
        return Err(Problem::new(
            seen_by,
            format!("{names:?}; extra {extra:?}, missing {missing:?}, twice {twice:?}"),
        ));
    }
    Ok(())
}

/// The header names of a raw mail, read line by line: CRLF only, every line a field or a
/// continuation.
fn header_names(raw: &[u8]) -> Result<Vec<String>, Problem> {
    let framing = |detail: String| Problem::new("header framing", detail);
    let text = std::str::from_utf8(raw).map_err(|e| framing(format!("not UTF-8: {e}")))?;
    let (head, _) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| framing("no blank line after the headers".into()))?;
    let mut names = Vec::new();
    for line in head.split("\r\n") {
        if line.contains(['\r', '\n', '\0']) {
            return Err(framing(format!("a bare CR, LF or NUL in {line:?}")));
        }
        if line.starts_with([' ', '\t']) && !names.is_empty() {
            continue;
        }
        let name = line
            .split_once(':')
            .map(|(n, _)| n)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| framing(format!("{line:?} is not a header field")))?;
        names.push(name.to_ascii_lowercase());
    }
    Ok(names)
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    list.map(|a| {
        a.iter()
            .filter_map(|m| m.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn check_recipients(
    msg: &mail_parser::Message<'_>,
    expected_to: &str,
    desk: &str,
) -> Result<(), Problem> {
    let to = addresses(msg.to());
    if to != [expected_to] {
        return Err(Problem::new(
            "To is not the intended recipient",
            format!("{to:?}, expected [{expected_to:?}]"),
        ));
    }
    if msg.cc().is_some() || msg.bcc().is_some() {
        let detail = format!(
            "Cc {:?}, Bcc {:?}",
            addresses(msg.cc()),
            addresses(msg.bcc())
        );
        return Err(Problem::new("a Cc or Bcc", detail));
    }
    let from = addresses(msg.from());
    if from != [desk] {
        return Err(Problem::new(
            "From is not the desk",
            format!("{from:?}, expected [{desk:?}]"),
        ));
    }
    let names = [msg.to(), msg.from(), msg.reply_to()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|m| m.name());
    for name in names {
        if name.chars().any(char::is_control) {
            return Err(Problem::new(
                "control character in a decoded display name",
                format!("{name:?}"),
            ));
        }
    }
    Ok(())
}
