//! Backups hold every requester's mail: `deskmail backup FILE` makes a new file only the
//! deskmail user can read (0600) and never overwrites; `backup -` writes to stdout; and a
//! backup, also one written while the daemon runs, restores as the README says (stop, copy it
//! over `store.path`, start) to the same tickets.

mod common;

use common::{Daemon, Desk, laptop_form, person_mail};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// The README's restore: deskmail stopped, the damaged database and its WAL files gone, the
/// backup copied over `store.path`.
fn restore(desk: &Desk, backup: &Path) {
    let db = desk.path("var/deskmail.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(&name);
    }
    std::fs::copy(backup, &db).expect("copy the backup over store.path");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[test]
fn a_backup_file_is_private_and_never_overwritten() {
    let desk = Desk::new();
    desk.deliver(&laptop_form("form-1@example.org", "fatima@example.com"));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    // readable to others under the usual umask (022) unless made private
    let file = desk.path("deskmail-backup.sqlite");
    let out = desk.ok(&["backup", file.to_str().expect("utf-8")]);
    assert!(out.contains("mode 0600"), "{out}");
    assert_eq!(mode(&file), 0o600);
    let size = std::fs::metadata(&file).expect("backup").len();
    let again = desk.run(&["backup", file.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{err}");
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(
        std::fs::metadata(&file).expect("backup").len(),
        size,
        "untouched"
    );

    // a mistyped store.path is said, not backed up as a new empty database
    let other = Desk::new();
    let out = other.run(&["backup", other.path("b.sqlite").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!other.path("var/deskmail.sqlite").exists());
    assert!(!other.path("b.sqlite").exists());
}

#[test]
fn backup_to_stdout_restores_the_same_tickets() {
    let desk = Desk::new();
    desk.deliver(&laptop_form("form-1@example.org", "fatima@example.com"));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let tickets = desk.tickets_json();
    let out = desk.run(&["backup", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.starts_with(b"SQLite format 3\0"),
        "a database on stdout"
    );
    let leftovers = std::fs::read_dir(std::env::temp_dir())
        .expect("tmp")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("deskmail-backup-{}-", std::process::id()))
        })
        .count();
    assert_eq!(leftovers, 0);
    let file = desk.path("from-stdout.sqlite");
    std::fs::write(&file, &out.stdout).expect("save");
    std::fs::write(desk.path("var/deskmail.sqlite"), b"damaged").expect("damage");
    restore(&desk, &file);
    assert_eq!(desk.tickets_json(), tickets);
}

#[test]
fn a_backup_written_while_the_daemon_runs_restores_the_same_tickets() {
    let desk = Desk::new();
    desk.deliver(&laptop_form("form-1@example.org", "fatima@example.com"));
    desk.deliver(&person_mail(
        "kees@example.net",
        "Vraagje",
        "loose-1@example.net",
        "Mijn scherm flikkert.",
    ));
    let daemon = Daemon::start(&desk.config);
    let started = std::time::Instant::now();
    let db = desk.path("var/deskmail.sqlite");
    let replies = || desk.sent().len();
    while started.elapsed() < std::time::Duration::from_secs(30) && replies() < 3 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(replies() >= 3, "the daemon answered both mails");
    let file = desk.path("live.sqlite");
    desk.ok(&["backup", file.to_str().expect("utf-8")]);
    assert_eq!(mode(&file), 0o600);
    let tickets = desk.tickets_json();
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");

    std::fs::remove_file(&db).expect("the database is lost");
    restore(&desk, &file);
    assert_eq!(desk.tickets_json(), tickets);
    // the restored desk carries on without answering anything twice
    let sent = desk.sent().len();
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    assert_eq!(desk.sent().len(), sent);
}
