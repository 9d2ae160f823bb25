//! Real mail from public sources the project's rules were not written on (`tests/data/wild/`,
//! see its README): no machine mail may get a portal reply, every person's mail gets a portal
//! reply or a handoff (at most one in ten handed off), and calendar invitations are handed
//! off. Prints a confusion table like the corpus test (`WILD_VERBOSE=1`: every file's
//! outcome and reason too).

mod common;

use common::labelled;
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
    let config = labelled::config("wild.toml");
    let mut table: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut humans = 0;
    let mut handed_off = Vec::new();
    for label in LABELS {
        for path in files(&root.join(label)) {
            let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = format!("{label}/{}", path.file_name().unwrap_or_default().display());
            let (column, reason) = labelled::outcome(&raw, &config, "other");
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
    let mut report = labelled::table(
        "wild mail confusion table (rows: label, columns: outcome)",
        &COLUMNS,
        &table,
    );
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
