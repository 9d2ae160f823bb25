//! Plain-text shaping shared by parse, quote, portal, compose, config and the agent: text
//! folded to one line, cut with an ellipsis, the invisible characters mail clients sprinkle in,
//! and runs of blank lines squeezed.

/// Runs of whitespace, line breaks included, as single spaces; none at either end.
pub fn fold_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One tidy line: control characters (CR/LF from a decoded header or a template among them)
/// become spaces, then whitespace is folded. Unlike [`fold_whitespace`], a control that is not
/// whitespace (NUL, ESC) is not left standing.
pub fn one_line(s: &str) -> String {
    fold_whitespace(&controls_to_spaces(s))
}

/// Every control character replaced by a space; the character count stays the same.
pub fn controls_to_spaces(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Zero-width characters and soft hyphens that HTML newsletters and Outlook sprinkle in.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// `s` in at most `max` characters, the last of them an ellipsis when something was cut: for a
/// header or a link, where the whole length has a limit.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The first `n` characters of `s`, then an ellipsis when `s` went on or `more_follows` (text
/// after `s` was left out): for a log line, where only the kept part has a limit.
pub fn head(s: &str, n: usize, more_follows: bool) -> String {
    let mut out: String = s.chars().take(n).collect();
    if more_follows || s.chars().count() > n {
        out.push('…');
    }
    out
}

/// The lines joined with `\n`, at most `most` empty lines in a row and none at either end.
/// Callers decide what counts as blank by passing such lines empty.
pub fn squeeze_blank_lines<'a>(lines: impl IntoIterator<Item = &'a str>, most: usize) -> String {
    let mut out = String::new();
    let mut blanks = 0;
    for line in lines {
        if line.is_empty() {
            blanks += 1;
            continue;
        }
        if !out.is_empty() {
            for _ in 0..=blanks.min(most) {
                out.push('\n');
            }
        }
        blanks = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_whitespace_joins_lines_and_keeps_other_controls() {
        assert_eq!(fold_whitespace("  a \r\n\tb  c "), "a b c");
        assert_eq!(fold_whitespace("a\u{0}b"), "a\u{0}b");
        assert_eq!(fold_whitespace(" \n "), "");
    }

    #[test]
    fn one_line_turns_every_control_into_a_space() {
        assert_eq!(
            one_line("Re:\r\n  Printer\u{0}broken\u{1b} "),
            "Re: Printer broken"
        );
        assert_eq!(one_line("\u{7f}"), "");
    }

    #[test]
    fn controls_to_spaces_keeps_the_length() {
        assert_eq!(controls_to_spaces("a\rb\u{0}ü"), "a b ü");
    }

    #[test]
    fn invisible_characters() {
        for c in [
            '\u{00AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        for c in [' ', '\u{a0}', '\u{200E}', 'a'] {
            assert!(!is_invisible(c), "{c:?}");
        }
    }

    #[test]
    fn fit_counts_the_ellipsis_in() {
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("äöüß", 2), "ä…");
        assert_eq!(fit("abc", 0), "…");
    }

    #[test]
    fn head_adds_the_ellipsis_after_the_kept_part() {
        assert_eq!(head("abc", 3, false), "abc");
        assert_eq!(head("abcd", 3, false), "abc…");
        assert_eq!(head("abc", 3, true), "abc…");
        assert_eq!(head("", 3, true), "…");
    }

    #[test]
    fn squeeze_blank_lines_caps_runs_and_drops_the_ends() {
        let lines = ["", "a", "", "", "", "b", "", "c", "", ""];
        assert_eq!(squeeze_blank_lines(lines, 1), "a\n\nb\n\nc");
        assert_eq!(squeeze_blank_lines(lines, 2), "a\n\n\nb\n\nc");
        assert_eq!(squeeze_blank_lines(lines, 0), "a\nb\nc");
        assert_eq!(squeeze_blank_lines(["", ""], 1), "");
    }
}
