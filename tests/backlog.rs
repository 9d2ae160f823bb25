//! A backlog does not cost more per mail as it grows (issue 9 part 6): mail kept at the source
//! (`processed = "keep"`) is not read again at the next pass or the next start.

mod common;
use common::{BASE_CONFIG, Desk, person_mail};

fn keep_desk() -> Desk {
    Desk::with_full_config(
        &BASE_CONFIG.replace("path = \"inbox\"", "path = \"inbox\"\nprocessed = \"keep\""),
    )
}

#[test]
fn a_restart_under_keep_reads_none_of_the_kept_mail() {
    let desk = keep_desk();
    let mut files = Vec::new();
    for i in 0..30 {
        files.push(desk.deliver(&person_mail(
            &format!("P{i} <p{i}@example.com>"),
            "Printer",
            &format!("keep-{i}@example.com"),
            "The printer on the second floor is jammed.",
        )));
    }
    let first = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{log}");
    assert!(
        log.contains("decided=30") && log.contains("read=30"),
        "{log}"
    );
    let rows = common::inbound_rows(&desk);
    assert_eq!(rows, 30);

    // each kept file becomes something that cannot be read at all: a directory under the
    // same name. Reading one fails the run; a run that reads none of them passes.
    for f in &files {
        std::fs::remove_file(f).expect("remove");
        std::fs::create_dir(f).expect("mkdir");
    }
    let new = desk.deliver(&person_mail(
        "Q <q@example.com>",
        "Mouse",
        "keep-new@example.com",
        "My mouse is gone.",
    ));
    let second = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "a kept file was read again: {log}");
    assert!(log.contains("decided=1") && log.contains("read=1"), "{log}");
    assert_eq!(common::inbound_rows(&desk), 31);
    assert!(new.is_file(), "kept at the source");

    // and once more with nothing new: nothing is read
    let third = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&third.stderr);
    assert!(third.status.success(), "{log}");
    assert!(log.contains("decided=0") && log.contains("read=0"), "{log}");
    assert_eq!(desk.sent().len(), 31, "each person answered once");
}
