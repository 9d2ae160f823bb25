//! Real mail from public sources the project's rules were not written on (`tests/data/wild/`,
//! see its README): no machine mail may get a portal reply, every person's mail gets a portal
//! reply or a handoff (at most one in ten handed off), and calendar invitations are handed
//! off. Prints a confusion table like the corpus test (`WILD_VERBOSE=1`: every file's
//! outcome and reason too).

use deskmail::classify::{self, Decision, IgnoreReason, Known, machine_label};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LABELS: [&str; 6] = [
    "bounce",
    "autoreply",
    "list",
    "other-auto",
    "calendar",
    "human",
];

const COLUMNS: [&str; 8] = [
    "bounce",
    "autoreply",
    "list",
    "other-auto",
    "ignore:other",
    "portal_reply",
    "handoff",
    "other",
];

fn config() -> deskmail::config::Config {
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
    deskmail::config::Config::from_toml(text, Path::new("wild.toml"), Path::new("/tmp"))
        .expect("wild test config")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    out.sort();
    out
}

#[test]
fn wild_mail_confusion_table() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/wild");
    let config = config();
    let mut table: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut humans = 0;
    let mut handed_off = Vec::new();
    for label in LABELS {
        for path in files(&root.join(label)) {
            let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = format!("{label}/{}", path.file_name().unwrap_or_default().display());
            let (column, reason) = match deskmail::parse::parse(&raw, 25 * 1024 * 1024) {
                Err(e) => ("other", e.to_string()),
                Ok(m) => {
                    let d = classify::classify(&m, &Known::default(), &config);
                    let column = match &d {
                        Decision::Ignore(IgnoreReason::Machine(s)) => machine_label(&s.kind),
                        Decision::Ignore(_) => "ignore:other",
                        Decision::PortalReply { .. } => "portal_reply",
                        Decision::Handoff(_) => "handoff",
                        _ => "other",
                    };
                    (column, d.reason())
                }
            };
            if std::env::var_os("WILD_VERBOSE").is_some() {
                println!("{name}: {column}: {reason}");
            }
            *table.entry(label).or_default().entry(column).or_default() += 1;
            match label {
                "human" => {
                    humans += 1;
                    if column == "handoff" {
                        handed_off.push(format!("{name}: {reason}"));
                    } else if column != "portal_reply" {
                        problems.push(format!("person mail not answered: {name}: {reason}"));
                    }
                }
                "calendar" if column != "handoff" => {
                    problems.push(format!("calendar not handed off: {name}: {reason}"))
                }
                _ if column == "portal_reply" || column == "other" => {
                    problems.push(format!("machine mail answered: {name}: {reason}"))
                }
                _ => {}
            }
        }
    }
    let mut report = "\nwild mail confusion table (rows: label, columns: outcome)\n".to_string();
    report.push_str(&format!(
        "{:>11} {}\n",
        "",
        COLUMNS.map(|c| format!("{c:>13}")).join("")
    ));
    for (label, row) in &table {
        let cells: String = COLUMNS
            .iter()
            .map(|c| format!("{:>13}", row.get(c).unwrap_or(&0)))
            .collect();
        report.push_str(&format!("{label:>11} {cells}\n"));
    }
    for h in &handed_off {
        report.push_str(&format!("  person handed off: {h}\n"));
    }
    println!("{report}");
    assert!(humans > 0, "no person mail in tests/data/wild/human");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        handed_off.len() * 10 <= humans,
        "more than one in ten person mails handed off ({} of {humans})",
        handed_off.len()
    );
}
