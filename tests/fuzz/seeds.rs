//! The seeds: every corpus mail (`../shared/corpus`, found by `tests/common`), then a few made
//! here.

use crate::common;
use crate::pipeline::signed_address;
use std::path::{Path, PathBuf};

pub struct Seed {
    pub name: String,
    pub raw: Vec<u8>,
}

/// Every corpus mail in a fixed order, then a few made here that reach what the corpus cannot:
/// portal form mails (new tickets), replies on a ticket, an agent's signed reply. `None` (the
/// run skips) without the corpus: the made seeds alone would be a much weaker run, and its input
/// indices would name other inputs than a full run's, so a failure could not be repeated.
pub fn seeds() -> Option<Vec<Seed>> {
    let dir = common::corpus_dir()?;
    let mut out = Vec::new();
    for folder in ["machine", "human", "malformed"] {
        let mut files = Vec::new();
        collect_files(&dir.join(folder), &mut files);
        assert!(
            !files.is_empty(),
            "{}: no mails in the corpus folder",
            dir.join(folder).display()
        );
        files.sort();
        for f in files {
            let raw = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.strip_prefix(&dir).unwrap_or(&f).display().to_string();
            out.push(Seed { name, raw });
        }
    }
    out.extend(made_seeds());
    Some(out)
}

pub fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("corpus folder entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn made_seeds() -> Vec<Seed> {
    let form = [
        ("Naam", "Jan de Vries"),
        ("E-mail", "jan@example.com"),
        ("Categorie", "printer"),
        ("Prioriteit", "hoog"),
        ("Onderwerp", "Printer 3e verdieping"),
        ("Omschrijving", "Hij piept.\nEn geeft geen papier."),
    ];
    let mails = [
        (
            "made/portal-form",
            common::portal_mail("form-1@portal.example.org", &form),
        ),
        (
            "made/person",
            common::person_mail(
                "Jan de Vries <jan@example.com>",
                "Mijn printer doet het niet",
                "p-1@example.com",
                "Beste servicedesk,\n\nDe printer op de 3e verdieping is kapot.\n\nJan",
            ),
        ),
        (
            "made/ticket-reply",
            common::person_mail(
                "\"Vries, Jan de\" <jan@example.com>",
                "Re: [SD-1042] Printer 3e verdieping",
                "r-1@example.com",
                "Hij doet het nog steeds niet.\n\n> oude tekst\n",
            ),
        ),
        (
            "made/agent-reply",
            common::person_mail(
                "Anna <anna@example.org>",
                "Re: [SD-1042] Printer 3e verdieping",
                "a-1@example.org",
                "#status waiting-customer\n\nWelke printer precies?\n\n-- \nAnna",
            )
            .replace(
                "<servicedesk@example.org>",
                &format!("<{}>", signed_address()),
            ),
        ),
    ];
    mails
        .into_iter()
        .map(|(name, text)| Seed {
            name: name.to_string(),
            raw: text.replace('\n', "\r\n").into_bytes(),
        })
        .collect()
}
