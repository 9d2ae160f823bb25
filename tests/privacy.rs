//! Requests about one person's data (GDPR/AVG): `deskmail export ADDRESS` gives everything
//! held about them as one JSON document; `deskmail forget ADDRESS` erases their address, name
//! and mails everywhere, so that neither a dump of the database nor the file's bytes hold
//! them any more, while their tickets keep their numbers and timings. Both are recorded
//! without the personal data.

mod common;

use common::{BASE_CONFIG, Desk, base64, portal_mail};
use serde_json::Value;
use std::path::Path;

const BODY_B64: &str = "Het wachtwoord van de zonnebloemkamer is verlopen.";
const QP_WORD: &str = "Zwolle\u{eb}";
const QP_FORM: &str = "Zwolle=C3=AB";

/// Every text and blob value in every table, as `table.column` and the value lower-cased:
/// what `sqlite3 .dump` would print.
fn dump(db: &Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(db).expect("open database");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = c
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for (i, name) in names.iter().enumerate() {
                use rusqlite::types::ValueRef;
                let text = match row.get_ref(i).expect("value") {
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).to_lowercase()
                    }
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) => x.to_string(),
                    ValueRef::Null => continue,
                };
                out.push((format!("{table}.{name}"), text));
            }
        }
    }
    out
}

/// Where in the dump `needle` occurs (case-insensitive).
fn found(dump: &[(String, String)], needle: &str) -> Vec<String> {
    let needle = needle.to_lowercase();
    dump.iter()
        .filter(|(_, v)| v.contains(&needle))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Whether the database file or its WAL holds `needle` (case-insensitive) anywhere in its
/// bytes: freed pages included.
fn in_file_bytes(db: &Path, needle: &str) -> bool {
    let needle = needle.to_lowercase().into_bytes();
    ["", "-wal"].iter().any(|suffix| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::fs::read(&name).is_ok_and(|bytes| {
            bytes
                .to_ascii_lowercase()
                .windows(needle.len())
                .any(|w| w == needle.as_slice())
        })
    })
}

/// Jan's mail with a base64 body, from a `+tag` address in another case.
fn base64_mail() -> String {
    format!(
        "From: Jan de Vries <Jan.de.Vries+werk@Example.org>\nTo: servicedesk@example.org\n\
         Subject: Wachtwoord\nDate: Mon, 23 Nov 2026 09:05:00 +0100\n\
         Message-ID: <b64-1@mail.example.org>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}\n",
        base64(BODY_B64.as_bytes())
    )
}

/// Jan's reply on his ticket, quoted-printable.
fn qp_reply(confirmation_id: &str) -> String {
    format!(
        "From: Jan de Vries <jan.de.vries@example.org>\nTo: servicedesk@example.org\n\
         Subject: Re: [SD-1001] Printer\nDate: Mon, 23 Nov 2026 11:00:00 +0100\n\
         Message-ID: <qp-1@mail.example.org>\nIn-Reply-To: <{confirmation_id}>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\
         Groeten uit {QP_FORM}, de lampenkap is ook kapot.\n"
    )
}

/// Piet's ticket (SD-1000), Jan's (SD-1001), Jan's loose mail; then, with the brake on, Jan's
/// reply, whose notice to the agents stays pending.
fn desk_with_jan() -> Desk {
    let desk = Desk::with_config("\n[limits]\nportal_replies_per_hour = 0\n");
    desk.deliver(&portal_mail(
        "form-piet@example.org",
        &[
            ("Naam", "Piet Bakker"),
            ("E-mail", "piet@example.com"),
            ("Categorie", "hardware"),
            ("Prioriteit", "laag"),
            ("Onderwerp", "Koffie"),
            ("Omschrijving", "De koffieautomaat lekt."),
        ],
    ));
    desk.deliver(&portal_mail(
        "form-jan@example.org",
        &[
            ("Naam", "Jan de Vries"),
            ("E-mail", "Jan.de.Vries@example.org"),
            ("Categorie", "hardware"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", "Printer"),
            (
                "Omschrijving",
                "Mijn paarse olifant printer weigert dienst.",
            ),
        ],
    ));
    desk.deliver(&base64_mail());
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let confirmation = desk
        .sent()
        .into_iter()
        .find(|m| m.to == ["Jan.de.Vries@example.org"] && m.subject.contains("SD-1001"))
        .expect("Jan's confirmation");
    let config = std::fs::read_to_string(&desk.config).expect("config");
    std::fs::write(
        &desk.config,
        config.replace("path = \"outbox\"", "path = \"outbox\"\nmax_per_hour = 1"),
    )
    .expect("write config");
    desk.deliver(&qp_reply(&confirmation.message_id));
    desk.run_once_at("2026-11-23T11:00:00+01:00");
    desk
}

fn audit(desk: &Desk) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open");
    c.prepare("SELECT action, detail FROM audit ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("audit rows")
}

#[test]
fn export_gives_everything_about_one_person_and_nothing_of_others() {
    let desk = desk_with_jan();
    let out = desk.ok(&[
        "--now",
        "2026-11-24T09:00:00+01:00",
        "export",
        "JAN.de.vries+x@example.org",
    ]);
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["address"], "jan.de.vries@example.org");
    let tickets = doc["tickets"].as_array().expect("tickets");
    assert_eq!(tickets.len(), 1, "{doc}");
    assert_eq!(tickets[0]["ref"], "SD-1001");
    assert_eq!(tickets[0]["requester_name"], "Jan de Vries");
    // his mails, decoded: the form naming him, the base64 mail, the quoted-printable reply
    let inbound = doc["inbound"].as_array().expect("inbound");
    assert_eq!(inbound.len(), 3, "{doc:#}");
    let texts: String = inbound
        .iter()
        .map(|m| m["message"]["text"].as_str().unwrap_or_default())
        .collect();
    assert!(texts.contains(BODY_B64), "the base64 body decoded: {texts}");
    assert!(
        texts.contains(QP_WORD),
        "the quoted-printable body decoded: {texts}"
    );
    assert!(texts.contains("paarse olifant"), "{texts}");
    // mails to him and about him: his confirmation, his portal reply, the agents' notices
    let outbound = doc["outbound"].as_array().expect("outbound");
    let to_him = outbound
        .iter()
        .filter(|m| {
            m["recipients"]
                .as_str()
                .is_some_and(|r| r.to_lowercase().contains("jan.de.vries"))
        })
        .count();
    assert_eq!(to_him, 2, "{doc:#}");
    assert!(
        outbound
            .iter()
            .any(|m| m["state"] == "pending" && m["ticket"] == "SD-1001"),
        "the notice still waiting for the brake: {doc:#}"
    );
    assert!(doc["events"].as_array().is_some_and(|e| !e.is_empty()));
    // nothing of Piet
    let lower = out.to_lowercase();
    for other in ["piet", "koffie"] {
        assert!(!lower.contains(other), "{other} is someone else's: {out}");
    }
    let rows = audit(&desk);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "export");
    assert!(
        rows[0].1.contains("SD-1001") && rows[0].1.contains("3 mails in"),
        "{rows:?}"
    );
    assert!(
        !rows[0].1.to_lowercase().contains("jan"),
        "recorded without him: {rows:?}"
    );
}

#[test]
fn forget_leaves_no_trace_in_a_dump_or_the_file_and_keeps_the_tickets() {
    let desk = desk_with_jan();
    let db = desk.path("var/deskmail.sqlite");
    let b64 = base64(BODY_B64.as_bytes());
    let needles = [
        "jan.de.vries",
        "Jan de Vries",
        "paarse olifant",
        "zonnebloemkamer",
        &b64[..40],
        QP_WORD,
        QP_FORM,
        "lampenkap",
    ];
    // the search finds him before: it is not blind
    let before = dump(&db);
    for n in needles {
        if n != "zonnebloemkamer" && n != QP_WORD {
            assert!(
                !found(&before, n).is_empty(),
                "{n} is in the database before"
            );
        }
    }
    assert!(in_file_bytes(&db, "paarse olifant"));
    let tickets_before = desk.tickets_json();

    let out = desk.ok(&[
        "--now",
        "2026-11-24T09:00:00+01:00",
        "forget",
        "jan.de.vries+WERK@example.org",
    ]);
    assert!(out.contains("forgotten: 1 tickets (SD-1001)"), "{out}");

    let after = dump(&db);
    for n in needles {
        assert!(
            found(&after, n).is_empty(),
            "{n} still in {:?}",
            found(&after, n)
        );
        assert!(!in_file_bytes(&db, n), "{n} still in the file's bytes");
    }
    // Piet is not forgotten
    for n in ["piet@example.com", "Piet Bakker", "koffieautomaat"] {
        assert!(!found(&after, n).is_empty(), "{n} was someone else's");
    }
    // the tickets keep their numbers and timings, anonymised; his open one is closed
    let tickets = desk.tickets_json();
    let jan = tickets
        .as_array()
        .and_then(|t| t.iter().find(|t| t["ref"] == "SD-1001"))
        .expect("SD-1001 is still there");
    let jan_before = tickets_before
        .as_array()
        .and_then(|t| t.iter().find(|t| t["ref"] == "SD-1001"))
        .expect("SD-1001 before");
    assert_eq!(jan["requester"], "forgotten@invalid");
    assert_eq!(jan["status"], "closed");
    assert_eq!(jan["created"], jan_before["created"]);
    assert_eq!(jan["target"], jan_before["target"]);
    let show = desk.ok(&["tickets", "show", "SD-1001"]);
    assert!(show.contains("forgotten"), "{show}");

    // mail about him that had not gone yet never goes
    let outbox: Value =
        serde_json::from_str(&desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    assert!(
        outbox["mails"]
            .as_array()
            .is_some_and(|o| o.iter().all(|m| m["state"] != "pending")),
        "{outbox}"
    );
    std::fs::write(
        &desk.config,
        format!("{BASE_CONFIG}\n[limits]\nportal_replies_per_hour = 0\n"),
    )
    .expect("config without the brake");
    let sent = desk.sent().len();
    desk.ok(&["--now", "2026-11-24T10:00:00+01:00", "outbox", "resume"]);
    desk.run_once_at("2026-11-24T10:00:00+01:00");
    assert_eq!(desk.sent().len(), sent, "nothing went out about him");

    let rows = audit(&desk);
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["forget"]
    );
    assert!(!rows[0].1.to_lowercase().contains("jan"), "{rows:?}");
    let again = desk.ok(&["forget", "jan.de.vries@example.org"]);
    assert!(again.contains("nothing held"), "{again}");
}

#[test]
fn the_desks_own_addresses_and_non_addresses_are_refused() {
    let desk = desk_with_jan();
    for (address, says) in [
        ("agents@example.org", "desk's own address"),
        ("Portal@example.org", "desk's own address"),
        ("jan de vries", "not a mail address"),
    ] {
        for command in ["export", "forget"] {
            let out = desk.run(&[command, address]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{command} {address}: {err}");
            assert!(err.contains(says), "{command} {address}: {err}");
        }
    }
    assert!(audit(&desk).is_empty(), "nothing was done");
}
