//! Classifying labelled real mail (the shared corpus, `tests/data/wild`): the desk both tests
//! classify with, the outcome column of one mail, and the confusion table they print.

use deskmail::classify::{self, Decision, IgnoreReason, Known, machine_label};
use std::collections::BTreeMap;
use std::path::Path;

/// A desk with nothing but the required keys: the rules as they ship.
pub fn config(name: &str) -> deskmail::config::Config {
    let text = r#"
[desk]
name = "Helpdesk"
address = "helpdesk@desk.example"
timezone = "Europe/Amsterdam"
language = "en"
[store]
path = "unused.sqlite"
[inbound]
kind = "maildir"
path = "unused"
[outbound]
kind = "maildir"
path = "unused"
[portal]
form_url = "https://portal.desk.example/form"
senders = ["portal@desk.example"]
[agents]
queue = "agents@desk.example"
"#;
    deskmail::config::Config::from_toml(text, Path::new(name), Path::new("/tmp"))
        .expect("the labelled-mail test config")
}

/// The table column of one mail and the reason: the machine family it was ignored for,
/// `ignore:other`, `portal_reply`, `handoff`, `other`, or `unreadable` (what does not parse
/// is counted under that name).
pub fn outcome(
    raw: &[u8],
    config: &deskmail::config::Config,
    unreadable: &'static str,
) -> (&'static str, String) {
    match deskmail::parse::parse(raw, 25 * 1024 * 1024) {
        Err(e) => (unreadable, e.to_string()),
        Ok(m) => {
            let d = classify::classify(&m, &Known::default(), config);
            let column = match &d {
                Decision::Ignore(IgnoreReason::Machine(s)) => machine_label(&s.kind),
                Decision::Ignore(_) => "ignore:other",
                Decision::PortalReply { .. } => "portal_reply",
                Decision::Handoff(_) => "handoff",
                _ => "other",
            };
            (column, d.reason())
        }
    }
}

/// The confusion table: a row per label, a column per outcome.
pub fn table<L: AsRef<str>>(
    title: &str,
    columns: &[&str],
    rows: &BTreeMap<L, BTreeMap<&str, usize>>,
) -> String {
    let mut out = format!("\n{title}\n");
    let header: String = columns.iter().map(|c| format!("{c:>13}")).collect();
    out.push_str(&format!("{:>11} {header}\n", ""));
    for (label, row) in rows {
        let cells: String = columns
            .iter()
            .map(|c| format!("{:>13}", row.get(c).unwrap_or(&0)))
            .collect();
        out.push_str(&format!("{:>11} {cells}\n", label.as_ref()));
    }
    out
}
