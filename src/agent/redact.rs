//! No reply-address token reaches a requester: in their hands it would let them steer their
//! own ticket with a forged From line. Agents paste tokens in every shape — the signed address
//! of this or another ticket, on another domain, percent-encoded from a `mailto:` link,
//! wrapped over two lines, glued to a digit, the bare `SD-1000.TOKEN` or the bare token — so
//! rather than recognise shapes, [`redact`] reads the text's hex digits in a row (across
//! separators, line breaks and `%XX`) and takes out every run of 20 that verifies under the
//! desk's key as the token of a ticket ([`Tokens`]); by chance that happens once in 2^80. A
//! signed address of the desk's own shape is also written unsigned when its token does not
//! verify. The desk's tickets can be many: [`candidates`] lists the runs a text has, and
//! [`Tokens`] needs to know only those of them that are tickets' tokens. Pure.

use super::token::{TOKEN_BYTES, Tag, TokenKey, desk_parts};
use crate::model::TicketRef;
use std::collections::HashSet;

/// Hex digits in a token.
const TOKEN_HEX: usize = 2 * TOKEN_BYTES;

/// The tokens of the desk's tickets, to find in text; the default knows none (no key).
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    tags: HashSet<Tag>,
}

impl Tokens {
    /// The tokens of these tickets under `key`.
    pub fn of<'a>(key: &TokenKey, references: impl IntoIterator<Item = &'a TicketRef>) -> Tokens {
        Tokens {
            tags: references.into_iter().map(|r| key.tag(r)).collect(),
        }
    }

    /// These tags, known to be tickets' tokens (the store's answer for a text's
    /// [`candidates`]).
    pub fn known(tags: impl IntoIterator<Item = Tag>) -> Tokens {
        Tokens {
            tags: tags.into_iter().collect(),
        }
    }

    /// Whether these 20 digits are a ticket's token.
    fn contains(&self, digits: &[Digit]) -> bool {
        digits.len() == TOKEN_HEX && self.tags.contains(&tag_of(digits))
    }
}

/// The bytes 20 hex digits spell.
fn tag_of(digits: &[Digit]) -> Tag {
    let mut tag = [0u8; TOKEN_BYTES];
    for (byte, pair) in tag.iter_mut().zip(digits.chunks_exact(2)) {
        if let [hi, lo] = pair {
            *byte = hi.value << 4 | lo.value;
        }
    }
    Tag(tag)
}

/// Every run of 20 hex digits that [`redact`] with the same `desk_address` tests in `text`:
/// each ticket's token among them is taken out if [`Tokens`] knows it.
pub fn candidates(text: &str, desk_address: &str) -> HashSet<Tag> {
    digits(&unsign(text, desk_address))
        .windows(TOKEN_HEX)
        .map(tag_of)
        .collect()
}

/// `text` for the requester (or a stored reason): without any ticket's token, and with the
/// desk's signed addresses unsigned (`desk+SD-1000@example.org`).
pub fn redact(text: &str, desk_address: &str, tokens: &Tokens) -> String {
    remove_tokens(&unsign(text, desk_address), tokens)
}

/// One hex digit of the text, and the bytes it was written with (`a`, `A`, `ａ`, `%61`).
#[derive(Debug, Clone, Copy)]
struct Digit {
    value: u8,
    start: usize,
    end: usize,
}

/// Every hex digit in `text`, in order, whatever lies between them.
fn digits(text: &str) -> Vec<Digit> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let (decoded, end) = match c {
            '%' => percent_decoded(text, i)
                .map_or((None, i + 1), |(b, end)| (Some(char::from(b)), end)),
            _ => (Some(fullwidth_folded(c)), i + c.len_utf8()),
        };
        if let Some(value) = decoded.and_then(|d| d.to_digit(16))
            && let Ok(value) = u8::try_from(value)
        {
            out.push(Digit {
                value,
                start: i,
                end,
            });
        }
        i = end;
    }
    out
}

/// The byte `%XX` at `i` stands for and where it ends; `%25` is a `%` that may itself encode
/// the next pair, as double-encoded links have it (`%2561` is `a`).
fn percent_decoded(text: &str, i: usize) -> Option<(u8, usize)> {
    let mut end = i + 1;
    loop {
        let pair = text.get(end..end + 2)?;
        let byte = u8::from_str_radix(pair, 16).ok()?;
        end += 2;
        if byte != b'%' || u8::from_str_radix(text.get(end..end + 2)?, 16).is_err() {
            return Some((byte, end));
        }
    }
}

/// `ａ`–`ｆ`, `Ａ`–`Ｆ` and `０`–`９` as their ASCII selves.
fn fullwidth_folded(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF26}' | '\u{FF41}'..='\u{FF46}' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

fn remove_tokens(text: &str, tokens: &Tokens) -> String {
    if tokens.tags.is_empty() {
        return text.to_string();
    }
    let digits = digits(text);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while let Some(window) = digits.get(k..k + TOKEN_HEX) {
        match window {
            [first, .., last] if tokens.contains(window) => {
                cuts.push((separator_before(text, first.start), last.end));
                k += TOKEN_HEX;
            }
            _ => k += 1,
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in cuts {
        out.push_str(text.get(done..start.max(done)).unwrap_or_default());
        done = end;
    }
    out.push_str(text.get(done..).unwrap_or_default());
    out
}

/// Where a cut at `start` begins when the token is the tag after `REF.` (`SD-1000.TOKEN`,
/// also `SD-1000.` at a line's end, `SD-1000%2E`): at that dot, so the address left is the
/// ticket's plain one. A dot that ends a sentence has no letter or digit right before it.
fn separator_before(text: &str, start: usize) -> usize {
    let before = text[..start].trim_end_matches(|c: char| c.is_whitespace() || c == '=');
    let dot = if before.ends_with('.') {
        before.len() - 1
    } else if before.len() >= 3
        && before
            .get(before.len() - 3..)
            .is_some_and(|t| t.eq_ignore_ascii_case("%2e"))
    {
        before.len() - 3
    } else {
        return start;
    };
    match before[..dot].chars().next_back() {
        Some(c) if c.is_alphanumeric() => dot,
        _ => start,
    }
}

/// `text` with every address of the signed shape at the desk (`desk+REF.X@domain`) made
/// unsigned (`desk+REF@domain`), whether X verifies or not: a mistyped or old token is no
/// business of the requester's either.
fn unsign(text: &str, desk_address: &str) -> String {
    let Some((local, domain)) = desk_parts(desk_address) else {
        return text.to_string();
    };
    let needle = format!("{}+", local.to_ascii_lowercase());
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let start = from + found;
        let tag_start = start + needle.len();
        // the tag runs to the '@'; a token is the part after its last '.'
        let tag_end = lower[tag_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .map_or(lower.len(), |e| tag_start + e);
        let at_domain = lower[tag_end..].starts_with('@')
            && lower[tag_end + 1..].starts_with(&domain.to_ascii_lowercase());
        let word_start =
            start == 0 || !lower[..start].ends_with(|c: char| c.is_ascii_alphanumeric());
        if at_domain
            && word_start
            && let Some(dot) = lower[tag_start..tag_end].rfind('.')
        {
            out.push_str(&text[done..tag_start + dot]);
            done = tag_end;
        }
        from = tag_end.max(start + 1);
    }
    out.push_str(&text[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::token::reply_address;

    const DESK: &str = "servicedesk@example.org";

    fn key() -> TokenKey {
        TokenKey::new(b"a key of sixteen bytes or more")
    }

    fn sd(n: i64) -> TicketRef {
        TicketRef::new("SD-", n)
    }

    /// The desk of tickets SD-1000 to SD-1009.
    fn tokens() -> Tokens {
        let refs: Vec<TicketRef> = (1000..1010).map(sd).collect();
        Tokens::of(&key(), &refs)
    }

    fn token(n: i64) -> String {
        key().token(&sd(n))
    }

    fn hidden(text: &str) -> String {
        redact(text, DESK, &tokens())
    }

    /// Whether the token of `n` can still be read in `out`, in any case, across anything.
    fn shows(out: &str, n: i64) -> bool {
        let hex: String = digits(out)
            .iter()
            .map(|d| char::from_digit(u32::from(d.value), 16).unwrap_or('?'))
            .collect();
        hex.contains(&token(n))
    }

    #[test]
    fn the_signed_address_becomes_the_plain_one() {
        let t = token(1000);
        assert_eq!(
            hidden(&format!("Mail servicedesk+SD-1000.{t}@example.org.")),
            "Mail servicedesk+SD-1000@example.org."
        );
        assert_eq!(
            hidden(&format!(
                "<SERVICEDESK+SD-1000.{}@EXAMPLE.ORG>",
                t.to_uppercase()
            )),
            "<SERVICEDESK+SD-1000@EXAMPLE.ORG>"
        );
    }

    #[test]
    fn percent_encoded() {
        let t = token(1000);
        assert_eq!(
            hidden(&format!("mailto:servicedesk%2BSD-1000.{t}%40example.org")),
            "mailto:servicedesk%2BSD-1000%40example.org"
        );
        assert_eq!(
            hidden(&format!("servicedesk%2BSD-1000%2E{t}%40example.org")),
            "servicedesk%2BSD-1000%40example.org"
        );
        // every character encoded, and encoded twice
        let every: String = t.bytes().map(|b| format!("%{b:02X}")).collect();
        let twice: String = t.bytes().map(|b| format!("%25{b:02x}")).collect();
        for text in [every, twice] {
            let out = hidden(&format!("x={text}&y=1"));
            assert_eq!(out, "x=&y=1", "{text}");
        }
    }

    #[test]
    fn on_another_domain_or_mailbox() {
        let t = token(1000);
        assert_eq!(
            hidden(&format!("servicedesk+SD-1000.{t}@elders.nl")),
            "servicedesk+SD-1000@elders.nl"
        );
        assert_eq!(
            hidden(&format!("helpdesk+SD-1000.{t}@example.org")),
            "helpdesk+SD-1000@example.org"
        );
    }

    #[test]
    fn split_over_two_lines() {
        let t = token(1000);
        let (head, tail) = t.split_at(9);
        for (text, want) in [
            (
                format!("servicedesk+SD-1000.{head}\n{tail}@example.org"),
                "servicedesk+SD-1000@example.org",
            ),
            (
                format!("servicedesk+SD-1000.{head}=\r\n{tail}@example.org"),
                "servicedesk+SD-1000@example.org",
            ),
            (
                format!("servicedesk+SD-1000.\n{t}@example.org"),
                "servicedesk+SD-1000@example.org",
            ),
            (format!("code {head}\n> {tail} ok"), "code  ok"),
        ] {
            assert_eq!(hidden(&text), want, "{text:?}");
        }
    }

    #[test]
    fn glued_to_other_characters() {
        let t = token(1000);
        assert_eq!(
            hidden(&format!("1servicedesk+SD-1000.{t}@example.org")),
            "1servicedesk+SD-1000@example.org"
        );
        assert_eq!(hidden(&format!("7{t}9")), "79");
        assert_eq!(hidden(&format!("deadbeef{t}")), "deadbeef");
        assert_eq!(hidden(&format!("x{t}y")), "xy");
    }

    #[test]
    fn bare() {
        let t = token(1000);
        assert_eq!(
            hidden(&format!("Ticket SD-1000.{t}, ok")),
            "Ticket SD-1000, ok"
        );
        assert_eq!(hidden(&format!("Code: {t}.")), "Code: .");
        assert_eq!(hidden(&format!("Code: {}", t.to_uppercase())), "Code: ");
        let wide: String = t
            .chars()
            .map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c))
            .collect();
        assert_eq!(hidden(&format!("Code: {wide}")), "Code: ");
    }

    #[test]
    fn any_tickets_token_and_several() {
        let text = format!(
            "{} and servicedesk+SD-1009.{}@example.org and {}",
            token(1003),
            token(1009),
            token(1000)
        );
        let out = hidden(&text);
        for n in [1000, 1003, 1009] {
            assert!(!shows(&out, n), "{n}: {out}");
        }
        assert_eq!(out, " and servicedesk+SD-1009@example.org and ");
    }

    #[test]
    fn other_hex_stays() {
        // a tracking number, a hash, a GUID, a token of a ticket the desk does not have
        for text in [
            "Track 9400111899223100012345 at the carrier",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
            "Sentence one.Next",
        ] {
            assert_eq!(hidden(text), text);
        }
        let stranger = key().token(&sd(77));
        assert_eq!(hidden(&stranger), stranger, "not one of the desk's tickets");
        assert_eq!(
            redact(&token(1000), DESK, &Tokens::default()),
            token(1000),
            "no tokens known, nothing verified"
        );
    }

    /// Knowing only the tokens among a text's candidates redacts it as knowing every
    /// ticket's does: the store is asked about the candidates alone.
    #[test]
    fn the_candidates_hold_every_token_redact_takes_out() {
        let t = token(1000);
        let (head, tail) = t.split_at(9);
        let every: String = t.bytes().map(|b| format!("%25{b:02x}")).collect();
        for text in [
            format!("Mail servicedesk+SD-1000.{t}@example.org."),
            format!("servicedesk%2BSD-1000%2E{t}%40example.org x={every}"),
            format!("servicedesk+SD-1000.{head}=\r\n{tail}@example.org"),
            format!(
                "code {head}\n> {tail} ok, 7{}9 {}",
                token(1003),
                token(1009)
            ),
            format!(
                "deadbeef{t}c0ffee servicedesk+SD-1009.{}@elders.nl",
                token(1009)
            ),
            "Track 9400111899223100012345".to_string(),
        ] {
            let all = tokens();
            let found = candidates(&text, DESK)
                .into_iter()
                .filter(|c| all.tags.contains(c));
            assert_eq!(
                redact(&text, DESK, &Tokens::known(found)),
                redact(&text, DESK, &all),
                "{text:?}"
            );
        }
        assert!(candidates("run: 0123456789abcdef012", DESK).is_empty());
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "%",
            "%2",
            "%25",
            "%%41",
            "%2525",
            "é%e9",
            "\u{ff10}%",
            "SD-1000.",
            ".",
            "",
        ] {
            let _ = hidden(text);
        }
    }

    #[test]
    fn an_unverified_token_of_the_desks_shape_is_unsigned_too() {
        let key = TokenKey::new(b"a key of sixteen bytes or more");
        let signed = reply_address("servicedesk@example.org", &TicketRef::new("SD-", 7), &key);
        let text = format!(
            "Mail {signed} or <{}>; servicedesk+SD-7@example.org stays; \
             myservicedesk+x.y@example.org is not ours.",
            signed.to_uppercase()
        );
        let out = unsign(&text, "servicedesk@example.org");
        assert!(
            !out.contains(&key.token(&TicketRef::new("SD-", 7))),
            "{out}"
        );
        assert!(
            !out.to_lowercase()
                .contains(&key.token(&TicketRef::new("SD-", 7))),
            "{out}"
        );
        assert!(
            out.starts_with("Mail servicedesk+SD-7@example.org or <SERVICEDESK+SD-7@EXAMPLE.ORG>;"),
            "{out}"
        );
        assert!(out.contains("myservicedesk+x.y@example.org"), "{out}");
    }
}
