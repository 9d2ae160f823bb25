//! The admin's template folder (`templates.path`), checked before it is used: a folder that is
//! not there, a file whose name deskmail does not know (a typo such as `portal-reply.txt`) or a
//! language folder it cannot use would otherwise fall back to the built-in words without a
//! word. Hidden files (`.git`, editor swap files) are left alone.

use super::{TemplateError, is_known_file};
use crate::model::Lang;
use std::path::Path;

const FIX_NAMES: &str = "name each file NAME.subject, NAME.txt or NAME.html inside nl/ or en/ \
                         (NAME as `deskmail template preview` lists them), and layout.html at the \
                         top; remove or rename the others";

/// Everything in `folder` is a template deskmail uses.
pub fn check(folder: &Path) -> Result<(), TemplateError> {
    for entry in entries(folder)? {
        let (name, path, is_dir) = entry;
        if is_dir {
            if !Lang::ALL.iter().any(|l| l.code() == name) {
                return Err(TemplateError::Folder {
                    path,
                    problem: "is not a language deskmail writes in".into(),
                    fix: "use the folders nl/ and en/ only".into(),
                });
            }
            for (file, path, is_dir) in entries(&path)? {
                if is_dir || !is_known_file(&format!("{name}/{file}")) {
                    return Err(unknown(path));
                }
            }
        } else if Lang::ALL.iter().any(|l| l.code() == name) {
            return Err(TemplateError::Folder {
                path,
                problem: "is a file, not a language folder".into(),
                fix: "make it a folder holding that language's templates".into(),
            });
        } else if !is_known_file(&name) {
            return Err(unknown(path));
        }
    }
    Ok(())
}

fn unknown(path: std::path::PathBuf) -> TemplateError {
    TemplateError::Folder {
        path,
        problem: "is not a template deskmail knows (a typo?)".into(),
        fix: FIX_NAMES.into(),
    }
}

/// The visible entries of a folder: name, path, whether it is a folder.
fn entries(folder: &Path) -> Result<Vec<(String, std::path::PathBuf, bool)>, TemplateError> {
    let unreadable = |source| TemplateError::Unreadable {
        path: folder.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // a symlink counts as what it points to, as reading it will
        let is_dir = entry.path().is_dir();
        out.push((name, entry.path(), is_dir));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(setup: impl Fn(&Path)) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("nl")).unwrap();
        setup(dir.path());
        match check(dir.path()) {
            Ok(()) => String::new(),
            Err(e) => crate::error_chain::Chain(&e).to_string(),
        }
    }

    #[test]
    fn only_templates_deskmail_knows_are_accepted() {
        let ok = refused(|d| {
            std::fs::write(d.join("nl/portal_reply.txt"), "x").unwrap();
            std::fs::write(d.join("layout.html"), "x").unwrap();
            std::fs::create_dir(d.join(".git")).unwrap();
            std::fs::write(d.join("nl/.portal_reply.txt.swp"), "x").unwrap();
        });
        assert_eq!(ok, "");
        let typo = refused(|d| std::fs::write(d.join("nl/portal-reply.txt"), "x").unwrap());
        assert!(
            typo.contains("portal-reply.txt is not a template"),
            "{typo}"
        );
        let lang = refused(|d| std::fs::create_dir(d.join("de")).unwrap());
        assert!(lang.contains("de is not a language"), "{lang}");
        let file = refused(|d| std::fs::write(d.join("en"), "x").unwrap());
        assert!(file.contains("is a file, not a language folder"), "{file}");
        let top = refused(|d| std::fs::write(d.join("portal_reply.txt"), "x").unwrap());
        assert!(top.contains("is not a template"), "{top}");
        let missing = match check(Path::new("/nonexistent/templates")) {
            Err(e) => crate::error_chain::Chain(&e).to_string(),
            Ok(()) => String::new(),
        };
        assert!(
            missing.starts_with("cannot read template folder /nonexistent/templates")
                && missing.contains("templates.path"),
            "{missing}"
        );
    }
}
