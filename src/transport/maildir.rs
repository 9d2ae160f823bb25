//! Outgoing mail as files in a Maildir's `new/` (written to `tmp/` first, then renamed, as the
//! Maildir rules ask). The file name comes from the Message-ID, so sending the same row twice
//! after a crash leaves one file.
//!
//! A batch is made durable together: every file written to `tmp/`, then one sync (the file
//! itself for a batch of one, else the filesystem), the renames, and one sync of `new/` so the
//! names survive a power loss too. A sync per file was what bounded a backlog's drain (one
//! journal commit per reply); a crash before the renames leaves only `tmp/` files, which the
//! next send of the same rows overwrites.

use super::{Outgoing, SendError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct MaildirTransport {
    root: PathBuf,
    /// `tmp/`, `new/` and `cur/` were made (or found) by an earlier send: not asked again per
    /// mail. A failed send asks again (the folder may have been removed meanwhile).
    prepared: bool,
}

/// One mail of a batch on its way: its `tmp/` file, or why it stopped.
type Step = Result<PathBuf, SendError>;

impl MaildirTransport {
    pub fn new(root: &Path) -> Self {
        MaildirTransport {
            root: root.to_path_buf(),
            prepared: false,
        }
    }

    pub fn describe(&self) -> String {
        format!("Maildir {}", self.root.display())
    }

    /// Put the mails into `new/`; one answer per mail, in order.
    pub fn send_all(&mut self, mails: &[Outgoing<'_>]) -> Vec<Result<(), SendError>> {
        let sent = self.write_all(mails);
        self.prepared = sent.iter().all(Result::is_ok);
        sent
    }

    fn write_all(&self, mails: &[Outgoing<'_>]) -> Vec<Result<(), SendError>> {
        if !self.prepared {
            for sub in ["tmp", "new", "cur"] {
                let d = self.root.join(sub);
                if let Err(source) = fs::create_dir_all(&d) {
                    return mails
                        .iter()
                        .map(|_| Err(maildir_error(&d, &source)))
                        .collect();
                }
            }
        }
        let written: Vec<Step> = mails.iter().map(|m| self.write_tmp(m)).collect();
        let tmp_dir = self.root.join("tmp");
        let synced = match written.as_slice() {
            [Ok(only)] => sync_file(only),
            w if w.iter().any(Result::is_ok) => sync_filesystem(&tmp_dir),
            _ => Ok(()),
        };
        if let Err(source) = synced {
            // nothing of the batch is in new/: each written file goes, each mail keeps its own
            // error (a write that failed) or the sync's
            return written
                .into_iter()
                .map(|step| {
                    let tmp = step?;
                    let _ = fs::remove_file(&tmp);
                    Err(maildir_error(&tmp_dir, &source))
                })
                .collect();
        }
        let moved: Vec<Result<(), SendError>> = written
            .into_iter()
            .zip(mails)
            .map(|(tmp, mail)| {
                let tmp = tmp?;
                let new = self
                    .root
                    .join("new")
                    .join(format!("{}.eml", file_name(mail)));
                fs::rename(&tmp, &new).map_err(|source| {
                    let _ = fs::remove_file(&tmp);
                    SendError::Maildir { path: new, source }
                })
            })
            .collect();
        if moved.iter().all(Result::is_err) {
            return moved;
        }
        // A failed sync of new/ fails the moved mails too, though they can already be seen:
        // a later try writes them again under the same names (a reader that took one meanwhile
        // gets a copy), where an Ok could lose them to a power loss.
        let new_dir = self.root.join("new");
        match sync_file(&new_dir) {
            Ok(()) => moved,
            Err(source) => moved
                .into_iter()
                .map(|m| m.and(Err(maildir_error(&new_dir, &source))))
                .collect(),
        }
    }

    /// The mail's bytes in `tmp/`, not yet synced.
    fn write_tmp(&self, mail: &Outgoing<'_>) -> Step {
        let tmp = self.root.join("tmp").join(file_name(mail));
        match fs::File::create(&tmp).and_then(|mut f| f.write_all(mail.raw)) {
            Ok(()) => Ok(tmp),
            Err(source) => {
                // a part written before the disk filled up is of no use to anyone
                let _ = fs::remove_file(&tmp);
                Err(SendError::Maildir { path: tmp, source })
            }
        }
    }
}

/// The Message-ID with every character a file name should not hold replaced.
fn file_name(mail: &Outgoing<'_>) -> String {
    mail.message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A file's or a directory's data and metadata on the disk.
fn sync_file(path: &Path) -> std::io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Everything written on the filesystem that holds `dir`: one journal commit for a whole batch.
fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    let d = fs::File::open(dir)?;
    rustix::fs::syncfs(&d).map_err(std::io::Error::from)
}

/// One of a batch's mails failed by an error the whole batch met (an error is not `Clone`: each
/// mail gets its own).
fn maildir_error(path: &Path, source: &std::io::Error) -> SendError {
    SendError::Maildir {
        path: path.to_path_buf(),
        source: source.raw_os_error().map_or_else(
            || std::io::Error::new(source.kind(), source.to_string()),
            std::io::Error::from_raw_os_error,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(id: &'a str, raw: &'a [u8]) -> Outgoing<'a> {
        Outgoing {
            message_id: id,
            recipients: &[],
            raw,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn a_batch_lands_in_new_and_leaves_tmp_empty() {
        let root = tempfile::tempdir().expect("tempdir");
        let mut t = MaildirTransport::new(root.path());
        let sent = t.send_all(&[mail("<a@x>", b"one"), mail("<b@x>", b"two")]);
        assert!(sent.iter().all(Result::is_ok), "{sent:?}");
        assert_eq!(names(&root.path().join("new")), ["_a@x_.eml", "_b@x_.eml"]);
        assert!(names(&root.path().join("tmp")).is_empty());
        let two = fs::read(root.path().join("new/_b@x_.eml")).expect("read");
        assert_eq!(two, b"two");
    }

    #[test]
    fn sending_the_same_message_again_leaves_one_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let mut t = MaildirTransport::new(root.path());
        assert!(t.send_all(&[mail("<a@x>", b"first")])[0].is_ok());
        assert!(t.send_all(&[mail("<a@x>", b"again")])[0].is_ok());
        assert_eq!(names(&root.path().join("new")), ["_a@x_.eml"]);
        let kept = fs::read(root.path().join("new/_a@x_.eml")).expect("read");
        assert_eq!(kept, b"again");
    }

    #[test]
    fn a_mail_that_cannot_be_moved_into_new_fails_alone_and_leaves_nothing_in_tmp() {
        let root = tempfile::tempdir().expect("tempdir");
        let mut t = MaildirTransport::new(root.path());
        assert!(t.send_all(&[mail("<a@x>", b"one")])[0].is_ok());
        // a folder where the second mail's file should go: its rename fails, the others' not
        fs::create_dir(root.path().join("new/_b@x_.eml")).expect("a folder in the way");
        fs::write(root.path().join("new/_b@x_.eml/inside"), b"x").expect("not empty");
        let sent = t.send_all(&[
            mail("<c@x>", b"three"),
            mail("<b@x>", b"two"),
            mail("<d@x>", b"four"),
        ]);
        assert!(sent[0].is_ok() && sent[2].is_ok(), "{sent:?}");
        let e = sent[1].as_ref().expect_err("in the way");
        assert!(e.to_string().contains("_b@x_.eml"), "{e}");
        assert!(names(&root.path().join("tmp")).is_empty());
        assert_eq!(
            names(&root.path().join("new")),
            ["_a@x_.eml", "_b@x_.eml", "_c@x_.eml", "_d@x_.eml"]
        );
    }

    #[test]
    fn a_folder_that_cannot_be_made_fails_every_mail_with_its_path() {
        let root = tempfile::tempdir().expect("tempdir");
        let blocked = root.path().join("outbox");
        fs::write(&blocked, b"a file where the Maildir should be").expect("write");
        let mut t = MaildirTransport::new(&blocked);
        let sent = t.send_all(&[mail("<a@x>", b"one"), mail("<b@x>", b"two")]);
        assert_eq!(sent.len(), 2);
        for r in sent {
            let e = r.expect_err("refused");
            assert!(e.is_transient());
            assert!(e.to_string().contains("outbox"), "{e}");
        }
    }
}
