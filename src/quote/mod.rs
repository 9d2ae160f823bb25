//! Agents answer from ordinary mail clients, which append the whole conversation, a signature
//! and a "Sent from my iPhone" under what they type. Only what the agent wrote now belongs in
//! the requester's mail and the ticket's history, so this cuts the body down to that. The
//! rules are heuristics over plain text that prefer losing a quoted tail to leaking one, and
//! they never cut at a sentence that merely mentions who "wrote" something. Pure, no I/O.
//!
//! This module does the cutting; where the quoted history starts (a reply header such as
//! "On … wrote:", an Outlook header block, an "Original Message" line) is recognised in
//! `reply_header`.

mod reply_header;
#[cfg(test)]
mod tests;

use crate::text::{is_invisible, squeeze_blank_lines};
use reply_header::{attribution_at, is_header_block, is_separator};

/// A mail's own words, whitespace folded: what an agent wrote, for telling an answer from an
/// autoresponder that says the same thing every time.
pub fn own_words(text: &str) -> String {
    crate::text::fold_whitespace(&strip(text))
}

/// The agent's own new text: everything before the first reply header, separator line or
/// signature delimiter, without `>`-quoted lines and mobile footers, with runs of blank lines
/// capped at two and no blank lines at either end. `\r\n` becomes `\n`.
///
/// A reply header with nothing above it and `>`-quoted lines below it is a bottom-post
/// (Thunderbird, mutt): there the header and the quote are dropped and the text under the
/// quote is kept.
pub fn strip(text: &str) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_signature_delimiter(line) || is_separator(line) || is_header_block(&lines, i) {
            break;
        }
        if let Some(span) = attribution_at(&lines, i) {
            let nothing_above = kept.iter().all(|l| is_blank(l));
            if nothing_above && next_non_blank_is_quoted(&lines[i + span..]) {
                i += span;
                continue;
            }
            break;
        }
        if !is_quoted(line) && !is_mobile_footer(line) {
            kept.push(line);
        }
        i += 1;
    }
    tidy(&kept)
}

/// `-- ` (RFC 3676), or `--` as clients that trim trailing spaces send it.
fn is_signature_delimiter(line: &str) -> bool {
    clean(line) == "--"
}

fn is_quoted(line: &str) -> bool {
    clean(line).starts_with('>')
}

fn is_blank(line: &str) -> bool {
    clean(line).is_empty()
}

fn next_non_blank_is_quoted(lines: &[&str]) -> bool {
    lines
        .iter()
        .find(|l| !is_blank(l))
        .is_some_and(|l| is_quoted(l))
}

/// "Sent from my iPhone" and the like, in the languages the desk meets. Only short lines, so
/// a sentence that happens to start the same way stays.
fn is_mobile_footer(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "sent from my ",
        "sent from outlook",
        "sent from mail for ",
        "sent from yahoo mail",
        "sent from samsung",
        "sent from proton mail",
        "sent from protonmail",
        "sent with proton mail",
        "sent from blackberry",
        "sent with blackberry",
        "sent with sparrow",
        "get outlook for ",
        "download outlook for ",
        "verzonden vanaf mijn ",
        "verstuurd vanaf mijn ",
        "verzonden vanuit mijn ",
        "verstuurd vanuit mijn ",
        "verzonden vanuit outlook",
        "verstuurd vanuit outlook",
        "verzonden vanaf outlook",
        "verstuurd vanaf outlook",
        "verzonden met outlook",
        "verstuurd met outlook",
        "verzonden vanuit mail voor ",
        "verzonden vanaf mail voor ",
        "outlook voor ios downloaden",
        "outlook voor android downloaden",
        "download outlook voor ",
        "haal outlook voor ",
        "von meinem ",
        "gesendet von meinem ",
        "envoyé de mon ",
        "envoyé depuis mon ",
    ];
    let t = clean(line);
    // "Get Outlook for iOS<https://aka.ms/o0ukef>"
    let t = match (t.find('<'), t.ends_with('>')) {
        (Some(open), true) => clean(&t[..open]),
        _ => t,
    };
    let lower = t.to_lowercase();
    lower.chars().count() <= 60 && STARTS.iter().any(|p| lower.starts_with(p))
}

/// Right-trims every line, caps blank runs at two, drops blank lines at both ends.
fn tidy(lines: &[&str]) -> String {
    let trimmed = lines.iter().map(|line| {
        if is_blank(line) {
            ""
        } else {
            line.trim_end_matches(|c: char| c.is_whitespace() || is_invisible(c))
        }
    });
    squeeze_blank_lines(trimmed, 2)
}

/// Trimmed of whitespace (the no-break space included) and the invisible characters some
/// clients put in front of a line.
pub(crate) fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}
