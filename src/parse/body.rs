//! The parts of a mail: their MIME types, the report type, the iTIP method of a calendar part,
//! tracking images, the attachments listed by name, type and size, and the body as plain text —
//! text parts tidied, HTML turned into lines a person reads, capped at [`MAX_BODY_BYTES`].

use super::MAX_BODY_BYTES;
use crate::model::Attachment;
use crate::text::{is_invisible, one_line, squeeze_blank_lines};
use mail_parser::decoders::html::html_to_text;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

pub(super) fn mime_type(part: &MessagePart<'_>) -> String {
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

pub(super) fn report_type(root: &MessagePart<'_>, content_type: &str) -> Option<String> {
    if content_type != "multipart/report" {
        return None;
    }
    let value = root.content_type()?.attribute("report-type")?;
    Some(one_line(value).to_ascii_lowercase()).filter(|v| !v.is_empty())
}

/// The iTIP method of the first calendar part: the `method` parameter of its Content-Type, or
/// the `METHOD:` line of the iCalendar text (Outlook and Google send both, some only one).
/// `Some("")` for a calendar part that names no method (a bare .ics file).
pub(super) fn calendar_method(msg: &Message<'_>) -> Option<String> {
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
pub(super) fn tracking_images(html: &str) -> usize {
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
pub(super) fn attachments(msg: &Message<'_>) -> Vec<Attachment> {
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
pub(super) fn body(msg: &Message<'_>) -> String {
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
    squeeze_blank_lines(lines.iter().map(String::as_str), 1)
}

fn html_to_plain(html: &str) -> String {
    let text = html_to_text(&mark_blocks(html));
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let visible: String = line.chars().filter(|c| !is_invisible(*c)).collect();
            one_line(&visible)
        })
        .collect();
    squeeze_blank_lines(lines.iter().map(String::as_str), 1)
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
