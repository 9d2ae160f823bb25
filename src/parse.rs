//! Raw message bytes → [`Inbound`]: decodes once, with mail-parser, everything that
//! classification and composition read, so nothing else in the bot touches MIME.
//! Hostile input (fuzzed, truncated, binary, CR-only) must yield an error or a best-effort
//! `Inbound`, never a panic: one bad mail must not stall the queue.

use crate::model::{Address, Attachment, Inbound};
use chrono::{DateTime, Utc};
use mail_parser::decoders::html::html_to_text;
use mail_parser::{
    Addr, Address as MpAddress, Header, HeaderValue, Message, MessageParser, MessagePart,
    MimeHeaders, PartType,
};
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
            .map(|s| crate::portal::cap(&one_line(s), MAX_SUBJECT_CHARS))
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

/// mail-parser turns any run of bytes into a "header" name; a real field has an RFC 5322
/// name (printable ASCII, no space) and was ended by a colon.
fn is_real_header(h: &Header<'_>, bytes: &[u8]) -> bool {
    let name = h.name.as_str();
    let colon = (h.offset_start as usize)
        .checked_sub(1)
        .and_then(|i| bytes.get(i))
        .is_some_and(|&b| b == b':');
    colon && !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

fn raw_headers(headers: &[Header<'_>], bytes: &[u8]) -> Vec<(String, String)> {
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

/// Decoded header text (encoded words may carry CR/LF or controls) as one tidy line.
fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_string())
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
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

fn first_address(list: &MpAddress<'_>) -> Option<Address> {
    list.iter().find_map(to_address)
}

/// Groups are flattened: we only ever need the mailboxes.
fn all_addresses<'a>(lists: impl Iterator<Item = &'a MpAddress<'a>>) -> Vec<Address> {
    lists
        .flat_map(|l| l.iter().filter_map(to_address))
        .collect()
}

/// The raw header is read instead of mail-parser's value, which loses the null sender `<>`.
fn return_path(headers: &[(String, String)]) -> Option<String> {
    let value = headers.iter().find(|(n, _)| n == "return-path")?.1.as_str();
    let inner = match value.find('<') {
        Some(open) => value[open + 1..].split('>').next().unwrap_or_default(),
        None => value,
    };
    Some(inner.trim().to_string())
}

fn to_utc(date: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    date.is_valid()
        .then(|| DateTime::from_timestamp(date.to_timestamp(), 0))
        .flatten()
}

fn mime_type(part: &MessagePart<'_>) -> String {
    let Some(ct) = part.content_type() else {
        return if part.is_message() {
            "message/rfc822"
        } else {
            "text/plain"
        }
        .to_string();
    };
    let ctype = ct.ctype().trim().to_ascii_lowercase();
    match ct.subtype().map(|s| s.trim().to_ascii_lowercase()) {
        Some(sub) if !ctype.is_empty() && !sub.is_empty() => one_line(&format!("{ctype}/{sub}")),
        _ if ctype == "text" || ctype.is_empty() => "text/plain".to_string(),
        _ => "application/octet-stream".to_string(),
    }
}

fn report_type(root: &MessagePart<'_>, content_type: &str) -> Option<String> {
    if content_type != "multipart/report" {
        return None;
    }
    let value = root.content_type()?.attribute("report-type")?;
    Some(one_line(value).to_ascii_lowercase()).filter(|v| !v.is_empty())
}

/// The iTIP method of the first calendar part: the `method` parameter of its Content-Type, or
/// the `METHOD:` line of the iCalendar text (Outlook and Google send both, some only one).
/// `Some("")` for a calendar part that names no method (a bare .ics file).
fn calendar_method(msg: &Message<'_>) -> Option<String> {
    let part = msg.parts.iter().find(|p| {
        let t = mime_type(p);
        t == "text/calendar"
            || t == "application/ics"
            || p.attachment_name()
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".ics"))
    })?;
    let from_type = part
        .content_type()
        .and_then(|ct| ct.attribute("method"))
        .map(|m| one_line(m).to_ascii_lowercase());
    let from_text = match &part.body {
        PartType::Text(text) => text.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("method")
                .then(|| value.trim().to_ascii_lowercase())
        }),
        _ => None,
    };
    Some(from_type.or(from_text).unwrap_or_default())
}

/// `<img>` tags a reader cannot see: 1×1 (or 0) pixels, or hidden by style. Bulk senders put
/// one in every mail to learn who opened it; mail programs of people do not.
fn tracking_images(html: &str) -> usize {
    let lower = html.to_ascii_lowercase();
    lower
        .split("<img")
        .skip(1)
        .filter(|rest| {
            let tag = rest.split('>').next().unwrap_or_default();
            let tiny = |attr: &str| {
                ["0", "1"].iter().any(|n| {
                    [
                        format!("{attr}=\"{n}\""),
                        format!("{attr}='{n}'"),
                        format!("{attr}={n} "),
                        format!("{attr}={n}/"),
                        format!("{attr}:{n}px"),
                        format!("{attr}: {n}px"),
                    ]
                    .iter()
                    .any(|p| tag.contains(p.as_str()))
                        || tag.ends_with(&format!("{attr}={n}"))
                })
            };
            let hidden = tag.contains("display:none") || tag.contains("display: none");
            (tiny("width") && tiny("height")) || hidden
        })
        .count()
}

/// A text root can only be listed as an attachment when its multipart framing failed;
/// [`body`] then uses it as the body, so it is not listed twice.
fn attachments(msg: &Message<'_>) -> Vec<Attachment> {
    let root_is_text = msg.parts.first().is_some_and(MessagePart::is_text);
    msg.attachments
        .iter()
        .filter(|&&id| id != 0 || !root_is_text)
        .filter_map(|&id| msg.parts.get(id as usize))
        .map(attachment)
        .collect()
}

fn attachment(part: &MessagePart<'_>) -> Attachment {
    let name = part
        .attachment_name()
        .map(one_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "unnamed".to_string());
    Attachment {
        name,
        content_type: mime_type(part),
        size: part.len(),
    }
}

/// The inline text parts in order (mail-parser already prefers text/plain in an
/// alternative and lists HTML here only when no plain part exists).
fn body(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for part in msg.text_bodies() {
        append_part(&mut out, part);
        if out.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    // A multipart whose boundary never occurs is kept as one text "attachment": that
    // text is the body the sender wrote.
    if out.is_empty()
        && let Some(root) = msg.parts.first()
    {
        append_part(&mut out, root);
    }
    cap(out, MAX_BODY_BYTES)
}

fn append_part(out: &mut String, part: &MessagePart<'_>) {
    let text = match &part.body {
        PartType::Html(html) => html_to_plain(html),
        PartType::Text(text) if looks_like_html(text) => html_to_plain(text),
        PartType::Text(text) => tidy_plain(text),
        _ => return,
    };
    if text.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(&text);
}

/// Some bulk senders label an HTML document text/plain.
fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with('<')
        && ["<html", "<!doctype html", "<body"]
            .iter()
            .any(|t| head.contains(t))
}

fn cap(mut text: String, max: usize) -> String {
    text.truncate(text.floor_char_boundary(max));
    text
}

/// Plain text keeps its layout; only line ends, stray controls and trailing blanks go.
fn tidy_plain(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    squeeze_blank_lines(&lines)
}

fn html_to_plain(html: &str) -> String {
    let text = html_to_text(&mark_blocks(html));
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let visible: String = line
                .chars()
                .filter(|c| !is_invisible(*c))
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            visible.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect();
    squeeze_blank_lines(&lines)
}

/// Zero-width characters and soft hyphens that HTML newsletters and Outlook sprinkle in.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// At most one blank line in a row, none at the start or end.
fn squeeze_blank_lines(lines: &[String]) -> String {
    let mut out = String::new();
    let mut blank_run = false;
    for line in lines {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
];

/// mail-parser's converter breaks lines only at `<br>` and `</p>`; Gmail writes one `<div>`
/// per line and tables glue their cells together. So the text after any run of block tags
/// gets one `<br>`, and cells a space.
fn mark_blocks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut need_break = false;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open], &mut need_break);
        let tag = &rest[open + 1..];
        let name = tag_name(tag);
        if BLOCK_TAGS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            need_break = true;
        } else if name.eq_ignore_ascii_case("td") || name.eq_ignore_ascii_case("th") {
            out.push(' ');
        }
        out.push('<');
        rest = tag;
    }
    push_text(&mut out, rest, &mut need_break);
    out
}

fn push_text(out: &mut String, text: &str, need_break: &mut bool) {
    // Only text reaching past the tag's own `>` counts as content.
    let content = text.split_once('>').map_or(text, |(_, after)| after);
    if *need_break && !content.trim().is_empty() {
        let (tag_rest, content) = text.split_at(text.len() - content.len());
        out.push_str(tag_rest);
        out.push_str("<br>");
        out.push_str(content);
        *need_break = false;
    } else {
        out.push_str(text);
    }
}

fn tag_name(tag: &str) -> &str {
    let name = tag.trim_start_matches('/');
    let len = name
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    &name[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1024 * 1024;

    fn parse_ok(raw: &str) -> Inbound {
        parse(raw.as_bytes(), LIMIT).unwrap()
    }

    #[test]
    fn a_bare_address_without_brackets_is_found() {
        let m = parse_ok("From: Big Bug bb@bug.com\r\nSubject: x\r\n\r\nbody\r\n");
        let from = m.from.expect("from");
        assert_eq!(
            (from.email.as_str(), from.name.as_deref()),
            ("bb@bug.com", Some("Big Bug"))
        );
    }

    #[test]
    fn plain_mail() {
        let m = parse_ok(
            "Return-Path: <jan@example.org>\r\n\
             From: \"Jan de Vries\" <jan@example.org>\r\n\
             To: helpdesk@desk.example, Group: a@example.org, b@example.org;\r\n\
             Cc: Piet <piet@example.org>\r\n\
             Subject: Printer\r\n  doet het niet\r\n\
             Date: Tue, 04 Mar 2025 10:15:00 +0100\r\n\
             Message-ID: <abc@example.org>\r\n\
             In-Reply-To: <x1@example.org>\r\n\
             References: <x0@example.org> <x1@example.org>\r\n\
             \r\n\
             Hallo,\r\n\r\n\r\n\r\nDe printer is stuk.  \r\n",
        );
        assert_eq!(m.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(m.in_reply_to, vec!["x1@example.org"]);
        assert_eq!(m.references, vec!["x0@example.org", "x1@example.org"]);
        let from = m.from.as_ref().unwrap();
        assert_eq!(from.email, "jan@example.org");
        assert_eq!(from.name.as_deref(), Some("Jan de Vries"));
        assert_eq!(m.return_path.as_deref(), Some("jan@example.org"));
        let to: Vec<_> = m.to.iter().map(|a| a.email.as_str()).collect();
        assert_eq!(
            to,
            ["helpdesk@desk.example", "a@example.org", "b@example.org"]
        );
        assert_eq!(m.cc[0].email, "piet@example.org");
        assert_eq!(m.subject, "Printer doet het niet");
        assert_eq!(m.date.unwrap().to_rfc3339(), "2025-03-04T09:15:00+00:00");
        assert_eq!(m.body, "Hallo,\n\nDe printer is stuk.");
        assert_eq!(m.header("subject"), Some("Printer doet het niet"));
        assert!(m.headers.iter().all(|(n, _)| n == &n.to_ascii_lowercase()));
        assert_eq!(m.content_type, "text/plain");
        assert_eq!(m.part_types, vec!["text/plain"]);
        assert!(m.attachments.is_empty());
        assert_eq!(m.report_type, None);
    }

    #[test]
    fn null_return_path_and_missing_from() {
        let m = parse_ok("Return-Path: <>\nSubject: bounce\n\nbody\n");
        assert_eq!(m.return_path.as_deref(), Some(""));
        assert!(m.from.is_none());
    }

    #[test]
    fn html_only() {
        let m = parse_ok(
            "From: a@example.org\nContent-Type: text/html; charset=utf-8\n\n\
             <html><head><title>t</title><style>p {color: red}</style></head><body>\
             <div>Hello&nbsp;there,</div><div>my <b>laptop</b> won&#39;t&nbsp;&nbsp;start.</div>\
             <p>R&amp;D &lt;team&gt;</p><table><tr><td>A</td><td>B</td></tr></table>\
             <!-- hidden --></body></html>",
        );
        assert_eq!(m.content_type, "text/html");
        assert_eq!(
            m.body,
            "Hello there,\nmy laptop won't start.\nR&D <team>\n\nA B"
        );
    }

    #[test]
    fn multipart_alternative_prefers_plain() {
        let m = parse_ok(
            "From: a@example.org\nMIME-Version: 1.0\n\
             Content-Type: multipart/alternative; boundary=\"b1\"\n\n\
             --b1\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n\
             --b1\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n\
             --b1--\n",
        );
        assert_eq!(m.content_type, "multipart/alternative");
        assert_eq!(m.body, "Plain version");
        assert_eq!(
            m.part_types,
            ["multipart/alternative", "text/plain", "text/html"]
        );
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn a_stored_prefix_still_reads_and_a_huge_subject_is_cut() {
        // the store keeps a large mail's first bytes: whatever reads it later (the agents'
        // handoff bundle) gets sender, subject and text from the cut message
        let mail = format!(
            "From: Jan <jan@example.com>\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\nZie de bijlage.\r\n--b\r\n\
             Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            "x".repeat(5000),
            "JVBERi0xLjQK\r\n".repeat(1000)
        );
        let m = parse(&mail.as_bytes()[..mail.len() / 2], LIMIT).unwrap();
        assert_eq!(m.from.map(|f| f.email).as_deref(), Some("jan@example.com"));
        assert_eq!(m.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert_eq!(m.body.trim(), "Zie de bijlage.");
    }

    #[test]
    fn encoded_subject_cannot_inject_lines() {
        let m = parse_ok("From: a@example.org\nSubject: =?utf-8?q?hi=0D=0ABcc:_x@y?=\n\nx\n");
        assert_eq!(m.subject, "hi Bcc: x@y");
        assert!(!m.subject.contains(['\r', '\n']));
        let m =
            parse_ok("From: a@example.org\nSubject: =?utf-8?B?w6lsw6k=?= =?utf-8?q?_ok?=\n\nx\n");
        assert_eq!(m.subject, "élé ok");
    }

    #[test]
    fn attachment_is_listed_not_in_body() {
        let m = parse_ok(
            "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n\
             --b\nContent-Type: text/plain\n\nSee attached.\n\
             --b\nContent-Type: application/pdf; name=\"=?utf-8?q?factuur_=C3=A9.pdf?=\"\n\
             Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n\
             --b\nContent-Type: image/png\nContent-Disposition: attachment\n\nxyz\n\
             --b--\n",
        );
        assert_eq!(m.body, "See attached.");
        assert_eq!(
            m.attachments,
            vec![
                Attachment {
                    name: "factuur é.pdf".into(),
                    content_type: "application/pdf".into(),
                    size: 5
                },
                Attachment {
                    name: "unnamed".into(),
                    content_type: "image/png".into(),
                    size: 3
                },
            ]
        );
    }

    #[test]
    fn report_type_and_parts() {
        let m = parse_ok(
            "From: MAILER-DAEMON@example.org\n\
             Content-Type: multipart/report; report-type=Delivery-Status; boundary=r\n\n\
             --r\nContent-Type: text/plain\n\nDelivery failed.\n\
             --r\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n\
             --r--\n",
        );
        assert_eq!(m.report_type.as_deref(), Some("delivery-status"));
        assert!(m.part_types.iter().any(|t| t == "message/delivery-status"));
    }

    #[test]
    fn body_is_capped_at_a_char_boundary() {
        let body = "é".repeat(MAX_BODY_BYTES);
        let m = parse_ok(&format!("From: a@example.org\n\n{body}"));
        assert!(m.body.len() <= MAX_BODY_BYTES && m.body.len() > MAX_BODY_BYTES - 4);
    }

    #[test]
    fn oversize_is_refused_with_sizes() {
        let err = parse(&[b'a'; 100], 10).unwrap_err();
        assert!(matches!(
            err,
            ParseError::TooLarge {
                size: 100,
                limit: 10
            }
        ));
        assert!(err.to_string().contains("max_message_bytes"));
    }

    #[test]
    fn empty_and_garbage() {
        assert!(matches!(parse(b"", LIMIT), Err(ParseError::Empty)));
        assert!(matches!(parse(b" \r\n", LIMIT), Err(ParseError::Empty)));
        assert!(matches!(
            parse(b"\xff\xfe\x00", LIMIT),
            Err(ParseError::NotAMessage)
        ));
        assert!(matches!(parse(b"abc", LIMIT), Err(ParseError::NotAMessage)));
        let prose = b"Hello there, can you help: my printer\nis broken\n";
        assert!(matches!(parse(prose, LIMIT), Err(ParseError::NotAMessage)));
    }

    #[test]
    fn parser_panic_falls_back_to_headers() {
        // Nested message/rfc822 parts in a report trip a debug assertion in mail-parser.
        let raw = "Content-Type: multipart/report; report-type=delivery-status;\n\
                   \tboundary=\"b\"\n\n--b\nContent-Type: message/rfc822\n\n\
                   Content-Type: message/rfc822\n\n\n--b--";
        let m = parse_ok(raw);
        assert_eq!(m.content_type, "multipart/report");
        assert_eq!(m.report_type.as_deref(), Some("delivery-status"));
    }

    #[test]
    fn framing_repairs() {
        let m = parse_ok("\r\n\r\nFrom: a@example.org\r\nSubject: late start\r\n\r\nbody");
        assert_eq!(m.subject, "late start");
        let m = parse_ok("From a@example.org Tue Mar  4 10:15:00 2025\nFrom: a@example.org\n\nx");
        assert_eq!(m.headers.len(), 1);
        let m = parse_ok("From : old@example.org\nSubject: obsolete syntax\n\nx");
        assert_eq!(m.from.map(|f| f.email).as_deref(), Some("old@example.org"));
        let m = parse_ok("From: a@example.org\rSubject: old mac\r\rbody\r");
        assert_eq!((m.subject.as_str(), m.body.as_str()), ("old mac", "body"));
    }

    #[test]
    fn header_values_are_raw_and_unfolded() {
        let m = parse_ok(
            "From: a@example.org\nX-Long: one\n\ttwo\n   three \nSubject: =?utf-8?q?x?=\n\nb",
        );
        assert_eq!(m.header("x-long"), Some("one two three"));
        assert_eq!(m.header("subject"), Some("=?utf-8?q?x?="));
    }
}
