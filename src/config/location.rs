//! Where a key is written in the config file, so that a message about a value names the line as
//! toml's own syntax errors do: the document's spans, walked along the key's path.

use std::path::PathBuf;
use toml::de::{DeTable, DeValue};

/// The file, and the line of the key in it when the key is written there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "config file {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        Ok(())
    }
}

/// One step of a key path such as `portal.forms[0].url`.
enum Step<'k> {
    Key(&'k str),
    Index(usize),
}

fn steps(key: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        out.push(Step::Key(name));
        for index in indexes.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

/// The line (from 1) where `key` is written, or, when it is not written (a missing key), where
/// its nearest written parent is; None when not even the section is there.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table: Option<&DeTable> = Some(doc.get_ref());
    let mut array: Option<&[toml::Spanned<DeValue>]> = None;
    let mut found = None;
    for step in steps(key) {
        let value = match step {
            Step::Key(name) => table.and_then(|t| {
                t.iter().find(|(k, _)| k.get_ref() == name).map(|(k, v)| {
                    found = Some(k.span().start);
                    v
                })
            }),
            Step::Index(i) => array.and_then(|a| a.get(i)).inspect(|v| {
                found = Some(v.span().start);
            }),
        };
        let Some(value) = value else { break };
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(&a[..])),
            _ => (None, None),
        };
    }
    found.map(|at| text[..at.min(text.len())].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_line_and_missing_ones_at_their_section() {
        let text = "[desk]\nname = \"x\"\ntimezone = \"Mars\"\n\n[[portal.forms]]\nurl = \"a\"\n\
                    [[portal.forms]]\nurl = \"b\"\nkeywords = [\n  \"p\",\n  \"\",\n]\n";
        assert_eq!(line_of(text, "desk.timezone"), Some(3));
        assert_eq!(
            line_of(text, "desk.language"),
            Some(1),
            "missing: its section"
        );
        assert_eq!(line_of(text, "portal.forms[1].url"), Some(8));
        assert_eq!(line_of(text, "portal.forms[1].keywords[1]"), Some(11));
        assert_eq!(line_of(text, "store.path"), None);
        assert_eq!(line_of("[desk", "desk.name"), None, "not TOML");
    }
}
