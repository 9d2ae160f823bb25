//! Where the quoted history of a reply starts: separator lines ("-----Original Message-----",
//! "Begin forwarded message:"), Outlook-style header blocks ("From: …" with "Sent: …") and
//! attributions ("On … wrote:", wrapped over up to three lines), in English, Dutch, German and
//! French. Each must look like what a mail client writes, so a sentence that mentions who
//! "wrote" something or an appointment with "Datum:" and "Van:" stays text.

use super::{clean, is_blank, is_quoted};

/// Separator lines that start the quoted or forwarded mail in Outlook, Gmail, Thunderbird,
/// Apple Mail, Yahoo and AOL, in English, Dutch, German and French.
pub(super) fn is_separator(line: &str) -> bool {
    const TITLES: &[&str] = &[
        "original message",
        "oorspronkelijk bericht",
        "origineel bericht",
        "oorspronkelijk e-mailbericht",
        "ursprüngliche nachricht",
        "message d'origine",
        "message d’origine",
        "forwarded message",
        "doorgestuurd bericht",
        "weitergeleitete nachricht",
        "message transféré",
    ];
    const OPENERS: &[&str] = &[
        "begin forwarded message:",
        "begin doorgestuurd bericht:",
        "anfang der weitergeleiteten nachricht:",
        "début du message réexpédié :",
        "début du message réexpédié:",
    ];
    let t = clean(line);
    if t.chars().count() >= 20 && t.chars().all(|c| c == '_') {
        return true;
    }
    let lower = t.to_lowercase();
    if lower.starts_with("--") {
        let title = lower.trim_matches(|c: char| c == '-' || c.is_whitespace());
        return TITLES.contains(&title);
    }
    OPENERS.contains(&lower.as_str())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    When,
}

/// The header field a line of a quoted header block starts with, if any: "From:" and its
/// translations, or "Sent:"/"Date:" and theirs. HTML-converted Outlook mail writes
/// `*From:* Jan`, so asterisks are ignored.
fn field(line: &str) -> Option<Field> {
    const FROM: &[&str] = &["from:", "van:", "von:", "de:"];
    const WHEN: &[&str] = &[
        "sent:",
        "date:",
        "verzonden:",
        "verstuurd:",
        "datum:",
        "gesendet:",
        "envoyé:",
        "enviado:",
    ];
    let key = header_text(line);
    if FROM.iter().any(|p| key.starts_with(p)) {
        Some(Field::From)
    } else if WHEN.iter().any(|p| key.starts_with(p)) {
        Some(Field::When)
    } else {
        None
    }
}

fn header_text(line: &str) -> String {
    clean(line)
        .replace('*', "")
        .replace(" :", ":")
        .replace('\u{a0}', " ")
        .to_lowercase()
}

/// An Outlook-style header block: "From: …" with "Sent: …"/"Date: …" within the next few
/// lines (or the other way round, as GMX writes it), or both on one line, as some HTML
/// conversions leave it ("From: X Sent: Y To: Z"). The sender must be a name or address and
/// the date must carry a year, so that "Datum: 5 december / Van: 9:00" in an appointment stays.
pub(super) fn is_header_block(lines: &[&str], i: usize) -> bool {
    let Some(first) = field(lines[i]) else {
        return false;
    };
    let plausible = |line: &str, f: Field| match f {
        Field::From => field_value(line)
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii_digit()),
        Field::When => has_year(field_value(line)) || has_time(field_value(line)),
    };
    if !plausible(lines[i], first) {
        return false;
    }
    if first == Field::From {
        let text = header_text(lines[i]);
        let one_line = [
            " sent:",
            " date:",
            " verzonden:",
            " datum:",
            " gesendet:",
            " envoyé:",
        ];
        if one_line.iter().any(|w| text.contains(w)) && has_year(&text) {
            return true;
        }
    }
    lines
        .iter()
        .skip(i + 1)
        .take(8)
        .filter(|l| !is_blank(l))
        .take(4)
        .any(|l| field(l).is_some_and(|f| f != first && plausible(l, f)))
}

/// What follows the field name, e.g. "Jan <jan@example.org>" of "*From:* Jan <jan@example.org>".
fn field_value(line: &str) -> &str {
    line.split_once(':').map_or("", |(_, value)| {
        clean(value.trim_start_matches(|c: char| c == '*' || c.is_whitespace()))
    })
}

/// Four digits in a row and no more, as in "24 november 2026 10:00" or "4/4/2026".
fn has_year(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 4)
}

/// A clock time such as "4:22" or "10:00".
fn has_time(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == ':' && w[2].is_ascii_digit())
}

/// The number of lines a reply header ("On … wrote:" and its translations) starting at
/// line `i` spans — one, or up to three when the client wrapped it.
pub(super) fn attribution_at(lines: &[&str], i: usize) -> Option<usize> {
    let head = strip_leading_dashes(clean(lines[i]));
    if is_attribution(head) {
        return Some(1);
    }
    if !starts_like_attribution(head) || !may_continue(head) {
        return None;
    }
    let mut joined = head.to_string();
    for k in 1..3 {
        let line = lines.get(i + k)?;
        let t = clean(line);
        if t.is_empty() || is_quoted(line) {
            return None;
        }
        joined.push(' ');
        joined.push_str(t);
        if joined.chars().count() > 300 {
            return None;
        }
        if is_attribution(&joined) {
            return Some(k + 1);
        }
        if !may_continue(t) {
            return None;
        }
    }
    None
}

fn strip_leading_dashes(s: &str) -> &str {
    s.trim_start_matches(|c: char| c == '-' || c.is_whitespace())
}

fn starts_like_attribution(s: &str) -> bool {
    let lower = s.to_lowercase();
    ["on ", "op ", "am ", "le "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// A wrapped header line does not end a sentence ("nov." and "Tue." may end one).
fn may_continue(line: &str) -> bool {
    if line.ends_with(['!', '?']) {
        return false;
    }
    match line.strip_suffix('.') {
        Some(rest) => {
            let last_word = rest.rsplit(char::is_whitespace).next().unwrap_or(rest);
            last_word.chars().count() <= 4
        }
        None => true,
    }
}

/// A whole reply header: it ends in a colon, carries a date or time (a digit), and has one
/// of the shapes mail clients write.
fn is_attribution(s: &str) -> bool {
    let lower = s.to_lowercase().replace('\u{a0}', " ").replace(" :", ":");
    let lower = strip_leading_dashes(lower.trim());
    if !lower.ends_with(':') || !lower.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    (lower.starts_with("on ") && lower.ends_with(" wrote:"))
        || (lower.starts_with("op ")
            && (lower.contains(" schreef ") || lower.ends_with(" geschreven:")))
        || (lower.starts_with("am ") && lower.contains(" schrieb "))
        || (lower.starts_with("le ") && lower.ends_with(" a écrit:"))
        || ((lower.contains(" schrieb am ")
            || lower.contains(" schreef op ")
            || lower.contains(" wrote on "))
            && lower.chars().count() <= 200)
}
