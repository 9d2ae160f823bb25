//! A person's data on request (GDPR/AVG): who they are to deskmail — one base address (`+tag`,
//! case and a trailing dot folded, as the limits count people) and the names they gave — and
//! the text questions `deskmail export` and `deskmail forget` ask of what the store holds:
//! does this text mention them, and the same text with them taken out. Pure; the store's side
//! is `store::privacy`.

use crate::classify::limits::folded;
use crate::model::EventKind;

/// What a forgotten person's address becomes wherever a row needs one (RFC 2606 `.invalid`:
/// no mail can go there).
pub const FORGOTTEN_ADDRESS: &str = "forgotten@invalid";

/// What a forgotten person's words become (a ticket's subject and description, an event's
/// detail).
pub const FORGOTTEN_TEXT: &str = "(forgotten)";

/// Shorter names are not looked for in text: "Jan" would take "January" with it.
const MIN_NAME_CHARS: usize = 3;

/// Why an address given on the command line is not one.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a mail address; give it as name@example.org")]
pub struct NotAnAddress(pub String);

/// One person, as a request names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their base address, folded.
    address: String,
    /// Names they appear under (from their tickets and the From of their mails).
    names: Vec<String>,
}

impl Person {
    pub fn new(address: &str) -> Result<Person, NotAnAddress> {
        let a = address.trim();
        let usable = a.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !a.contains(char::is_whitespace);
        if !usable {
            return Err(NotAnAddress(address.to_string()));
        }
        Ok(Person {
            address: folded(a),
            names: Vec::new(),
        })
    }

    /// The folded base address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Remember a name they gave (ignored when too short to look for).
    pub fn add_name(&mut self, name: &str) {
        let name = crate::text::fold_whitespace(name);
        let name = name.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
        if name.chars().count() >= MIN_NAME_CHARS
            && !self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
        {
            self.names.push(name.to_string());
        }
    }

    /// Is this (one) address theirs, any `+tag` or case?
    pub fn is(&self, address: &str) -> bool {
        !address.trim().is_empty() && folded(address) == self.address
    }

    /// Does `text` hold their address (in any `+tag` or case)? Names are not asked: a namesake
    /// is somebody else.
    pub fn addressed_in(&self, text: &str) -> bool {
        address_spans(text).any(|(start, end)| self.is(&text[start..end]))
    }

    /// `text` with their addresses and names replaced by [`FORGOTTEN_ADDRESS`] and
    /// [`FORGOTTEN_TEXT`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in address_spans(text) {
            if self.is(&text[start..end]) {
                out.push_str(&text[at..start]);
                out.push_str(FORGOTTEN_ADDRESS);
                at = end;
            }
        }
        out.push_str(&text[at..]);
        self.names
            .iter()
            .fold(out, |text, name| replace_word(&text, name, FORGOTTEN_TEXT))
    }
}

/// Characters that end an address in running text or a header.
fn delimits(c: char) -> bool {
    c.is_whitespace() || "<>\"'(),;:[]{}|=&?".contains(c)
}

/// Byte ranges of the words in `text` that look like addresses (`local@domain`), without the
/// punctuation a sentence puts after them.
fn address_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, delimits(c)) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                let word = text[s..i].trim_end_matches(['.', '!']);
                if word.contains('@') {
                    spans.push((s, s + word.len()));
                }
                start = None;
            }
            _ => {}
        }
    }
    spans.into_iter()
}

/// `text` with each whole-word, case-insensitive occurrence of `word` replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let lower = text.to_lowercase();
    let needle = word.to_lowercase();
    // lower-casing may change lengths outside ASCII; then compare in place instead
    if lower.len() != text.len() || needle.is_empty() {
        return text.replace(word, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let (s, e) = (from + found, from + found + needle.len());
        let before = lower[..s].chars().next_back();
        let after = lower[e..].chars().next();
        let whole =
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
        if whole {
            out.push_str(&text[at..s]);
            out.push_str(with);
            at = e;
        }
        from = e;
    }
    out.push_str(&text[at..]);
    out
}

/// Does an event of this kind keep its detail on a forgotten person's ticket? Only the ones
/// deskmail writes itself from the ticket's timings and settings; everything people wrote,
/// and what quotes their mail, goes.
pub fn detail_is_timing(kind: &str) -> bool {
    [
        EventKind::Created,
        EventKind::Target,
        EventKind::Next,
        EventKind::ProgressNear,
        EventKind::Progress,
        EventKind::ProgressOverdue,
    ]
    .iter()
    .any(|k| k.as_str() == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jan() -> Person {
        let mut p = Person::new("Jan.de.Vries+desk@Example.org").unwrap();
        p.add_name("Jan de Vries");
        p.add_name("JD");
        p
    }

    #[test]
    fn an_address_is_folded_and_anything_else_refused() {
        assert_eq!(jan().address(), "jan.de.vries@example.org");
        for bad in [
            "",
            "jan",
            "@example.org",
            "jan@",
            "jan de vries@example.org",
            "a@b@c",
        ] {
            assert!(Person::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn their_address_is_found_in_any_tag_or_case_and_no_other() {
        let p = jan();
        assert!(p.addressed_in("From: Jan <JAN.DE.VRIES+x@example.org>"));
        assert!(p.addressed_in("mail to jan.de.vries@example.org."));
        assert!(!p.addressed_in("mail to jan.de.vries@example.org.uk"));
        assert!(!p.addressed_in("mail to xjan.de.vries@example.org"));
        assert!(
            !p.addressed_in("Jan de Vries wrote"),
            "names are not addresses"
        );
    }

    #[test]
    fn scrubbing_takes_out_addresses_and_whole_names_only() {
        let p = jan();
        assert_eq!(
            p.scrub("Jan de Vries <jan.de.vries+x@example.org> got 21 mails; anna@example.org too"),
            "(forgotten) <forgotten@invalid> got 21 mails; anna@example.org too"
        );
        assert_eq!(
            p.scrub("JAN DE VRIES, Jan de Vriesje"),
            "(forgotten), Jan de Vriesje"
        );
        assert_eq!(p.scrub("JD"), "JD", "names too short to look for stay");
    }

    #[test]
    fn only_deskmails_own_timing_details_survive_forgetting() {
        assert!(detail_is_timing("created"));
        assert!(detail_is_timing("progress_overdue"));
        for kind in [
            "reply",
            "note",
            "answer",
            "status",
            "unproven",
            "mail_failed",
        ] {
            assert!(!detail_is_timing(kind), "{kind}");
        }
    }
}
