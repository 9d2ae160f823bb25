//! The database keeps what the decision and an operator need, not every mail whole (issue 9
//! part 6): an oversized mail keeps its first 64 KiB, a large decided one its first
//! `store.max_raw_bytes`, a huge subject is cut, and each row records the mail's whole size.

mod common;
use common::{Desk, person_mail};

const MIB: i64 = 1024 * 1024;
const QUARANTINE_PREFIX: i64 = 64 * 1024;
/// Room per mail beside what `raw` keeps: the row's other columns, the reply in the outbox,
/// index and page overhead.
const SLACK: i64 = 96 * 1024;

/// The database's size in bytes, as SQLite counts its pages (the WAL included).
fn db_bytes(desk: &Desk) -> i64 {
    if !desk.path("var/deskmail.sqlite").exists() {
        return 0;
    }
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open database");
    let pages: i64 = db
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("page_count");
    let size: i64 = db
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .expect("page_size");
    pages * size
}

/// Decision, stored subject length (chars), bytes kept and recorded size of the last mail.
fn last_row(desk: &Desk) -> (String, i64, i64, i64) {
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open database");
    db.query_row(
        "SELECT decision, COALESCE(length(subject), 0), length(raw), size FROM inbound \
         ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .expect("last inbound row")
}

/// Deliver one mail, run once, and return how much the database grew.
fn grows_by(desk: &Desk, raw: &str) -> i64 {
    let before = db_bytes(desk);
    desk.deliver(raw);
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let grew = db_bytes(desk) - before;
    eprintln!("{} byte mail: the database grew by {grew} bytes", raw.len());
    grew
}

/// A multipart mail with `text` and a base64 attachment of about `bytes`.
fn with_attachment(head: &str, text: &str, bytes: usize) -> String {
    let line = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+\n";
    format!(
        "{head}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\n{text}\n--b\n\
         Content-Type: application/pdf; name=\"scan.pdf\"\n\
         Content-Disposition: attachment; filename=\"scan.pdf\"\n\
         Content-Transfer-Encoding: base64\n\n{}--b--\n",
        line.repeat(bytes / line.len())
    )
}

#[test]
fn large_mail_grows_the_database_by_a_bounded_amount_and_is_decided_as_before() {
    let desk = Desk::new();
    // a first run makes the database (its schema is not what is measured)
    grows_by(
        &desk,
        &person_mail(
            "A <a@example.com>",
            "Hallo",
            "b-0@example.com",
            "Mijn scherm is zwart.",
        ),
    );

    // 26 MB: over inbound.max_message_bytes (25 MiB), quarantined with its first 64 KiB
    let huge = person_mail(
        "B <b@example.com>",
        "Logs",
        "b-1@example.com",
        &"0123456789 abcdefghij klmnopqrstuvwxyz 0123456789 abcdefghij klmnopqrstuv\n"
            .repeat(26 * 1024 * 1024 / 75),
    );
    let grew = grows_by(&desk, &huge);
    let (decision, _, kept, size) = last_row(&desk);
    assert_eq!(decision, "quarantine");
    assert_eq!(kept, QUARANTINE_PREFIX);
    assert!(
        size > 26 * 1000 * 1000,
        "the whole size is recorded: {size}"
    );
    assert!(grew <= QUARANTINE_PREFIX + SLACK, "grew by {grew} bytes");

    // a portal form with a 5 MB scan: a ticket as ever, its first MiB kept
    let form = with_attachment(
        "From: Portal <portal@example.org>\nTo: servicedesk@example.org\nSubject: New request\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0100\nMessage-ID: <b-2@example.com>\n",
        "Name: Jan Jansen\nEmail: jan@example.com\nCategory: printer\nPriority: normal\n\
         Subject: Printer kapot\nDescription: De printer geeft een foutcode, scan bijgevoegd.",
        5 * 1024 * 1024,
    );
    let grew = grows_by(&desk, &form);
    let (decision, _, kept, size) = last_row(&desk);
    assert_eq!(decision, "new_ticket");
    assert_eq!(kept, MIB);
    assert!(size > 5 * 1000 * 1000, "{size}");
    assert!(grew <= MIB + SLACK, "grew by {grew} bytes");
    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(
        show.contains(&format!("kept the first {MIB} of {size} bytes")),
        "{show}"
    );

    // a person's mail with an attachment of 3 MB: answered as ever
    let attached = with_attachment(
        "From: C <c@example.com>\nTo: servicedesk@example.org\nSubject: Scan\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0100\nMessage-ID: <b-3@example.com>\n",
        "Hierbij de scan van de foutmelding op mijn laptop.",
        3 * 1024 * 1024,
    );
    let grew = grows_by(&desk, &attached);
    assert_eq!(last_row(&desk).0, "portal_reply");
    assert!(grew <= MIB + SLACK, "grew by {grew} bytes");

    // a subject of a million characters: stored once, cut to 1,000 characters
    let subject = format!("Printer {}", "kapot ".repeat(1_000_000 / 6));
    let grew = grows_by(
        &desk,
        &person_mail("D <d@example.com>", &subject, "b-4@example.com", "Help."),
    );
    let (decision, subject_chars, kept, _) = last_row(&desk);
    assert_eq!(decision, "portal_reply");
    assert!(subject_chars <= 1000, "{subject_chars}");
    assert!(kept <= MIB);
    assert!(grew <= MIB + SLACK, "grew by {grew} bytes");

    // every person got their answer, the quarantined mail none
    let to: Vec<String> = desk.sent().iter().flat_map(|s| s.to.clone()).collect();
    for who in [
        "a@example.com",
        "c@example.com",
        "d@example.com",
        "jan@example.com",
    ] {
        assert_eq!(to.iter().filter(|t| *t == who).count(), 1, "{who}: {to:?}");
    }
    assert!(!to.iter().any(|t| t == "b@example.com"));
}

#[test]
fn too_small_a_bound_is_refused_naming_the_key() {
    let desk = Desk::with_full_config(&common::BASE_CONFIG.replace(
        "path = \"var/deskmail.sqlite\"",
        "path = \"var/deskmail.sqlite\"\nmax_raw_bytes = 1000",
    ));
    let out = desk.run(&["check-config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("store.max_raw_bytes"), "{err}");
}
