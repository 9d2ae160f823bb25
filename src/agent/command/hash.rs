//! Which lines are command lines. Phones, Asian keyboard layouts and copy-paste put other
//! characters where an agent meant `#` — the fullwidth `＃`, the small `﹟`, the music sharp
//! `♯` — and a line that reads as `#internal` to the agent must count as one, or an internal
//! note goes to the requester. So a line is read after folding: hash look-alikes become `#`,
//! fullwidth letters and digits their ASCII selves, and invisible characters go.

/// A line whose first visible character is a hash look-alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HashLine {
    /// The line as the grammar reads it: `#`, then the rest folded (`#internal`).
    pub folded: String,
    /// A word follows the hash (a letter, or the `?` of `#?`): `#internal`, `# status`,
    /// `#ｉｎｔｅｒｎ` — not `#1 priority`, `#`, `#:`.
    pub has_word: bool,
}

/// The line read as a command line, if it starts with a hash look-alike (`line` is trimmed).
pub(super) fn read(line: &str) -> Option<HashLine> {
    let mut chars = line.chars().map(fold).skip_while(|c| ignorable(*c));
    if !chars.next().is_some_and(is_hash) {
        return None;
    }
    // `##x`, `# x` and the keycap emoji `#️⃣` (`#`, U+FE0F, U+20E3) are still `#x`
    let rest: String = chars
        .skip_while(|c| is_hash(*c) || ignorable(*c) || c.is_whitespace())
        .collect();
    let has_word = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '?');
    Some(HashLine {
        folded: format!("#{rest}"),
        has_word,
    })
}

/// `#` and the characters that look like it.
fn is_hash(c: char) -> bool {
    matches!(
        c,
        '#' | '\u{FF03}' // ＃ fullwidth number sign
            | '\u{FE5F}' // ﹟ small number sign
            | '\u{266F}' // ♯ music sharp sign
            | '\u{22D5}' // ⋕ equal and parallel to
            | '\u{2317}' // ⌗ viewdata square
            | '\u{E0023}' // tag number sign (invisible)
    )
}

/// Characters a client puts around a `#` without the agent seeing them: byte-order mark,
/// zero-width spaces and joiners, direction marks, variation selectors, the keycap.
fn ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{20E3}'
            | '\u{FEFF}'
    )
}

/// NFKC's folding of the fullwidth forms (`ｉｎｔｅｒｎ`, `２０２６`, the ideographic space),
/// which is all of it a command line needs.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(line: &str) -> Option<(String, bool)> {
        read(line).map(|h| (h.folded, h.has_word))
    }

    #[test]
    fn hash_look_alikes_read_as_hash() {
        for line in [
            "#internal",
            "\u{ff03}internal",
            "\u{fe5f}internal",
            "\u{266f}internal",
            "\u{22d5}internal",
            "\u{2317}internal",
            "\u{e0023}internal",
            "#\u{fe0f}\u{20e3}internal",
            "\u{feff}\u{200b}#internal",
            "\u{200e}#\u{200b}internal",
            "##internal",
            "# internal",
            "\u{ff03}\u{3000}internal",
            "\u{ff03}\u{ff49}\u{ff4e}\u{ff54}\u{ff45}\u{ff52}\u{ff4e}\u{ff41}\u{ff4c}",
        ] {
            assert_eq!(
                word(line),
                Some(("#internal".to_string(), true)),
                "{line:?}"
            );
        }
        assert_eq!(
            word("\u{ff03}target\u{3000}\u{ff12}\u{ff10}\u{ff12}\u{ff16}-12-04"),
            Some(("#target 2026-12-04".to_string(), true))
        );
        assert_eq!(word("#?"), Some(("#?".to_string(), true)));
        assert_eq!(word("#іnternal").map(|w| w.1), Some(true), "a Cyrillic і");
    }

    #[test]
    fn a_hash_without_a_word_is_no_command_word() {
        for line in ["#1 priority", "#", "##", "#:", "# 42", "\u{ff03}\u{ff11}"] {
            assert_eq!(read(line).map(|h| h.has_word), Some(false), "{line:?}");
        }
        for line in [
            "Hi #internal",
            "- #internal",
            "internal",
            "",
            "\u{feff}",
            "=#x",
        ] {
            assert_eq!(read(line), None, "{line:?}");
        }
    }
}
