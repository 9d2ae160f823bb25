//! The configuration reference as the man page deskmail.toml(5), made from the README's
//! "Configuration reference" (its table and the paragraphs around it), which the binary carries,
//! so that the page and the README cannot drift apart. Plain text in, roff out; writing the
//! file is the CLI's business (`deskmail generate-man`).

/// The README this binary was built with.
pub const README: &str = include_str!("../README.md");

const SECTION: &str = "## Configuration reference";

/// What keeps the page from being made: the README has no reference section, or no table in it.
#[derive(Debug, thiserror::Error)]
#[error("the README has no {0} to make deskmail.toml(5) from")]
pub struct NoReference(&'static str);

/// deskmail.toml(5) in roff, for deskmail `version`, dated `date` (YYYY-MM-DD).
pub fn config_page(readme: &str, version: &str, date: &str) -> Result<String, NoReference> {
    let start = readme
        .find(SECTION)
        .ok_or(NoReference("\"Configuration reference\" section"))?;
    let body = &readme[start + SECTION.len()..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    let mut before = Vec::new();
    let mut rows = Vec::new();
    let mut after = Vec::new();
    for line in body.lines() {
        match (line.starts_with('|'), rows.is_empty()) {
            (true, _) => rows.push(line),
            (false, true) => before.push(line),
            (false, false) => after.push(line),
        }
    }
    // the header row and the |---| rule under it
    let keys: Vec<Vec<String>> = rows.iter().skip(2).map(|row| cells(row)).collect();
    if keys.is_empty() {
        return Err(NoReference("configuration table"));
    }

    let mut page = format!(
        ".TH DESKMAIL.TOML 5 \"{date}\" \"deskmail {version}\" \"deskmail manual\"\n\
         .SH NAME\n\
         deskmail.toml \\- configuration file of the deskmail mail bot\n\
         .SH SYNOPSIS\n\
         /etc/deskmail/deskmail.toml\n\
         .SH DESCRIPTION\n"
    );
    paragraphs(&mut page, &before);
    page.push_str(".SH KEYS\n");
    for cells in keys {
        let [key, default, meaning] = &cells[..] else {
            continue;
        };
        page.push_str(&format!(
            ".TP\n{}\nDefault: {}.\n{}\n",
            roff_text(key),
            roff_text(default),
            roff_text(meaning)
        ));
    }
    page.push_str(".SH NOTES\n");
    paragraphs(&mut page, &after);
    page.push_str(
        ".SH SEE ALSO\n\
         \\fBdeskmail\\fR(1), \\fBdeskmail\\-check\\-config\\fR(1),\n\
         /usr/share/doc/deskmail/README.md\n",
    );
    Ok(page)
}

/// A table row's cells, with `\|` (a bar inside a cell) kept.
fn cells(row: &str) -> Vec<String> {
    let row = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(cell) = out.last_mut() {
                    cell.push('|');
                }
            }
            '|' => out.push(String::new()),
            c => {
                if let Some(cell) = out.last_mut() {
                    cell.push(c);
                }
            }
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Markdown paragraphs (blank-line separated) as roff paragraphs.
fn paragraphs(page: &mut String, lines: &[&str]) {
    for block in lines.split(|l| l.trim().is_empty()) {
        if block.is_empty() {
            continue;
        }
        page.push_str(".PP\n");
        page.push_str(&roff_text(&block.join(" ")));
        page.push('\n');
    }
}

/// Inline Markdown as roff: `code` in bold, [text](link) as its text, roff's own characters
/// escaped, and no line that roff would take for a request.
fn roff_text(md: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    let mut rest = md;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '`' => {
                out.push_str(if code { "\\fR" } else { "\\fB" });
                code = !code;
            }
            '[' if !code => {
                // [text](target) → text; a bracket that is no link stays
                if let Some((text, after)) = rest.split_once("](")
                    && let Some((_, tail)) = after.split_once(')')
                    && !text.contains(']')
                {
                    out.push_str(&roff_text(text));
                    rest = tail;
                } else {
                    out.push('[');
                }
            }
            '*' if !code && rest.starts_with('*') => rest = &rest[1..],
            '*' if !code => {}
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c => out.push(c),
        }
    }
    if code {
        out.push_str("\\fR");
    }
    match out.chars().next() {
        Some('.' | '\'') => format!("\\&{out}"),
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_readme_table_is_in_the_page() {
        let page = config_page(README, "9.9.9", "2026-01-02").unwrap_or_default();
        let table = README
            .split(SECTION)
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap_or_default();
        let keys: Vec<&str> = table
            .lines()
            .filter(|l| l.starts_with("| `"))
            .filter_map(|l| l.split('`').nth(1))
            .collect();
        assert!(keys.len() > 50, "{keys:?}");
        for key in keys {
            let roff_key = format!("\\fB{}\\fR", key.replace('-', "\\-"));
            assert!(page.contains(&roff_key), "{key} is not in the page");
        }
        assert!(page.starts_with(".TH DESKMAIL.TOML 5 \"2026-01-02\" \"deskmail 9.9.9\""));
        assert!(page.contains("Default: 90.\n"), "store.keep_raw_days");
        assert!(page.contains(".SH NOTES\n.PP\nPortal form mails hold"));
    }

    #[test]
    fn markdown_becomes_roff_without_stray_requests() {
        assert_eq!(
            roff_text("`a` and [Ticket page](#ticket-page) \\ x"),
            "\\fBa\\fR and Ticket page \\e x"
        );
        assert_eq!(
            roff_text(".5 or **bold** [not a link"),
            "\\&.5 or bold [not a link"
        );
        assert_eq!(
            cells("| `a` | b \\| c | d |"),
            ["`a`", "b | c", "d"].map(String::from)
        );
        assert!(config_page("# nothing here", "1", "2026-01-02").is_err());
    }
}
