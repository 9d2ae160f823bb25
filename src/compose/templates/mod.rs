//! The desk's words: Tera templates, one folder per language, each mail as three files
//! (`NAME.subject`, `NAME.txt`, `NAME.html`). The defaults are built into the binary; an admin can
//! point `[templates] path` at a copy, and any file found there replaces the built-in one.
//! HTML files are auto-escaped, so text from outside never becomes markup.

mod folder;

use crate::model::Lang;
use crate::text;
use std::path::{Path, PathBuf};

/// One built-in file: its name for Tera and its text.
macro_rules! builtin {
    ($lang:literal, $name:literal, $part:literal) => {
        (
            concat!($lang, "/", $name, ".", $part),
            include_str!(concat!(
                "../../../templates/",
                $lang,
                "/",
                $name,
                ".",
                $part
            )),
        )
    };
}

/// The mail names are listed once: they make `NAMES` and the built-in files of both languages.
macro_rules! mails {
    ($($name:literal),* $(,)?) => {
        /// Every mail deskmail writes.
        pub const NAMES: [&str; [$($name),*].len()] = [$($name),*];

        const BUILTIN: &[(&str, &str)] = &[
            $(
                builtin!("nl", $name, "subject"),
                builtin!("nl", $name, "txt"),
                builtin!("nl", $name, "html"),
            )*
            $(
                builtin!("en", $name, "subject"),
                builtin!("en", $name, "txt"),
                builtin!("en", $name, "html"),
            )*
        ];
    };
}

mails!(
    "portal_reply",
    "ticket_confirmation",
    "progress",
    "progress_near",
    "progress_overdue",
    "agent_new_ticket",
    "agent_ticket_reply",
    "agent_delivery_failed",
    "agent_outbox_paused",
    "agent_answer",
    "agent_help",
    "agent_digest",
    "agent_target_near",
    "agent_target_passed",
    "agent_handoff",
    "agent_mailbox_down",
    "agent_mailbox_back",
    "agent_requester_closed",
    "form_confirm",
);

const PARTS: [&str; 3] = ["subject", "txt", "html"];

const LAYOUT: (&str, &str) = (
    "layout.html",
    include_str!("../../../templates/layout.html"),
);

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name} does not compile")]
    Compile { name: String, source: tera::Error },
    #[error("template {name} failed to render")]
    Render { name: String, source: tera::Error },
    #[error("unknown template {0:?}; known: {known}", known = NAMES.join(", "))]
    Unknown(String),
    #[error(
        "cannot read template folder {path} (templates.path; fix the path, or remove it to use \
         the built-in templates)"
    )]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template folder (templates.path): {path} {problem}; {fix}")]
    Folder {
        path: PathBuf,
        problem: String,
        fix: String,
    },
}

/// Is `name` (`nl/progress.txt`, `layout.html`) a file of the template folder deskmail reads?
pub fn is_known_file(name: &str) -> bool {
    BUILTIN
        .iter()
        .chain(std::iter::once(&LAYOUT))
        .any(|(n, _)| *n == name)
}

/// One mail rendered: subject line, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The loaded templates.
pub struct Templates {
    tera: tera::Tera,
    /// Files taken from the admin's folder (for `check-config`).
    pub overridden: Vec<PathBuf>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("overridden", &self.overridden)
            .finish()
    }
}

impl Templates {
    /// The built-in templates, with files from `folder` replacing them where present.
    pub fn load(folder: Option<&Path>) -> Result<Templates, TemplateError> {
        if let Some(folder) = folder {
            folder::check(folder)?;
        }
        let mut files: Vec<(String, String)> = Vec::new();
        let mut overridden = Vec::new();
        for (name, builtin) in BUILTIN.iter().chain(std::iter::once(&LAYOUT)) {
            let path = folder.map(|f| f.join(name));
            let text = match path.as_deref().filter(|p| p.is_file()) {
                Some(p) => {
                    overridden.push(p.to_path_buf());
                    std::fs::read_to_string(p).map_err(|source| TemplateError::Read {
                        path: p.to_path_buf(),
                        source,
                    })?
                }
                None => builtin.to_string(),
            };
            files.push((name.to_string(), text));
        }
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates(files)
            .map_err(|e| TemplateError::Compile {
                name: error_template(&e).unwrap_or_else(|| "?".into()),
                source: e,
            })?;
        Ok(Templates { tera, overridden })
    }

    /// Render the three parts of mail `name` in `lang`.
    pub fn render(
        &self,
        lang: Lang,
        name: &str,
        vars: &impl serde::Serialize,
    ) -> Result<Rendered, TemplateError> {
        if !NAMES.contains(&name) {
            return Err(TemplateError::Unknown(name.to_string()));
        }
        let ctx = tera::Context::from_serialize(vars).map_err(|source| TemplateError::Render {
            name: name.to_string(),
            source,
        })?;
        let mut out = PARTS.iter().map(|part| {
            let file = format!("{}/{name}.{part}", lang.code());
            self.tera
                .render(&file, &ctx)
                .map_err(|source| TemplateError::Render {
                    name: file.clone(),
                    source,
                })
        });
        let (Some(subject), Some(text), Some(html)) = (out.next(), out.next(), out.next()) else {
            return Err(TemplateError::Unknown(name.to_string()));
        };
        Ok(Rendered {
            subject: header_safe(&subject?),
            text: tidy_text(&text?),
            html: html?,
        })
    }
}

/// A subject is one line: no CR/LF or other control characters, however the template or the
/// requester's text was written.
pub fn header_safe(s: &str) -> String {
    // a subject from outside may be any length; a header is read at a glance
    text::fit(&text::one_line(s), MAX_HEADER_CHARS)
}

/// Longest subject or display name we write (RFC 5322 lines stay far below 998 bytes).
const MAX_HEADER_CHARS: usize = 200;

/// Template logic leaves runs of blank lines; a mail reads better without them.
fn tidy_text(s: &str) -> String {
    let mut out = text::squeeze_blank_lines(s.trim().lines().map(str::trim_end), 1);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn error_template(e: &tera::Error) -> Option<String> {
    let text = e.to_string();
    let start = text.find('\'')? + 1;
    let len = text[start..].find('\'')?;
    Some(text[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_its_three_files_in_both_languages() {
        let mut unique = NAMES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), NAMES.len());
        for lang in ["nl", "en"] {
            for name in NAMES {
                for part in PARTS {
                    let file = format!("{lang}/{name}.{part}");
                    assert!(BUILTIN.iter().any(|(f, _)| *f == file), "{file}");
                }
            }
        }
        assert_eq!(BUILTIN.len(), NAMES.len() * PARTS.len() * 2);
    }
}
