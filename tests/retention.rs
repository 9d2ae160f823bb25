//! Raw mail is kept only as long as it is needed (`store.keep_raw_days`): the daemon purges the
//! raw bytes of mail on resolved tickets and of loose mail once they are older than that, and
//! keeps tickets, events, decisions and sizes; `deskmail purge --dry-run` says what would go;
//! pending mail is never purged; an interrupted purge leaves whole batches only.

mod common;

use common::{BASE_CONFIG, Desk, agent_reply, laptop_form, person_mail, portal_mail, reply_to};
use serde_json::Value;

/// The test desk with `keep` added to its `[store]` (and anything else in `extra`).
fn desk_keeping(keep: &str, extra: &str) -> Desk {
    let store = "path = \"var/deskmail.sqlite\"";
    assert!(BASE_CONFIG.contains(store));
    Desk::with_full_config(&format!(
        "{}{extra}",
        BASE_CONFIG.replace(store, &format!("{store}\n{keep}"))
    ))
}

fn purge_json(desk: &Desk, now: &str, dry_run: bool) -> Value {
    let mut args = vec!["--now", now, "purge", "--json"];
    if dry_run {
        args.push("--dry-run");
    }
    serde_json::from_str(&desk.ok(&args)).expect("purge --json is JSON")
}

fn db(desk: &Desk) -> rusqlite::Connection {
    rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open database")
}

fn show(desk: &Desk, reference: &str) -> Value {
    serde_json::from_str(&desk.ok(&["tickets", "show", reference, "--json"])).expect("JSON")
}

#[test]
fn the_daemon_purges_raw_mail_no_longer_needed_and_keeps_the_rest() {
    let desk = desk_keeping("keep_raw_days = 30", "");
    desk.deliver(&laptop_form("form-1@example.org", "fatima@example.com"));
    desk.deliver(&portal_mail(
        "form-2@example.org",
        &[
            ("Naam", "Piet Bakker"),
            ("E-mail", "piet@example.com"),
            ("Categorie", "software"),
            ("Prioriteit", "laag"),
            ("Onderwerp", "Licentie"),
            ("Omschrijving", "Mijn licentie verloopt."),
        ],
    ));
    desk.deliver(&person_mail(
        "Kees <kees@example.net>",
        "Vraagje",
        "loose-1@example.net",
        "Mijn scherm flikkert.",
    ));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let notice = desk
        .sent()
        .into_iter()
        .find(|m| m.to == ["agents@example.org"] && m.subject.contains("SD-1000"))
        .expect("the agents' notice of SD-1000");
    desk.deliver(&agent_reply(
        &notice,
        &reply_to(&notice),
        "",
        "#resolve\n\nDe laptop is gerepareerd.",
    ));
    desk.run_once_at("2026-11-23T11:00:00+01:00");
    assert_eq!(show(&desk, "SD-1000")["ticket"]["status"], "resolved");

    // four weeks on, nothing is old enough yet
    let early = purge_json(&desk, "2026-12-21T12:00:00+01:00", true);
    assert_eq!(early["inbound"]["mails"], 0, "{early}");
    assert_eq!(early["outbox"]["mails"], 0, "{early}");

    // past 30 days: the resolved ticket's mail (the form, the agent's reply) and the loose
    // mail go; the open ticket's stay
    let now = "2026-12-24T12:00:00+01:00";
    let dry = purge_json(&desk, now, true);
    assert_eq!(dry["inbound"]["mails"], 3, "{dry}");
    let outbox_mails = dry["outbox"]["mails"].as_u64().expect("a count");
    assert!(
        outbox_mails >= 4,
        "confirmation, notice, answer, portal reply: {dry}"
    );
    let inbound_bytes = dry["inbound"]["bytes"].as_u64().expect("bytes");
    assert!(inbound_bytes > 500, "{dry}");
    let again = purge_json(&desk, now, true);
    assert_eq!(again, dry, "a dry run changes nothing");

    // the daemon does it
    desk.run_once_at(now);
    let after = purge_json(&desk, now, true);
    assert_eq!(
        after["inbound"]["mails"], 0,
        "nothing left to purge: {after}"
    );
    assert_eq!(after["outbox"]["mails"], 0, "{after}");
    let (purged, empty, sizes): (i64, i64, i64) = db(&desk)
        .query_row(
            "SELECT COUNT(*), SUM(length(raw) = 0), SUM(size) FROM inbound WHERE purged IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("count");
    assert_eq!((purged, empty), (3, 3));
    assert_eq!(sizes as u64, inbound_bytes, "what went is still counted");
    let (out_purged, out_empty): (i64, i64) = db(&desk)
        .query_row(
            "SELECT COUNT(*), SUM(length(raw) = 0) FROM outbox WHERE purged IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!(
        (out_purged as u64, out_empty as u64),
        (outbox_mails, outbox_mails)
    );

    // the resolved ticket keeps its history and its mails' decisions and sizes
    let resolved = show(&desk, "SD-1000");
    let mails_in = resolved["inbound"].as_array().expect("inbound");
    assert_eq!(mails_in.len(), 2, "{resolved}");
    for m in mails_in {
        assert_eq!(m["kept"], 0, "{m}");
        assert!(m["size"].as_i64() > Some(100), "{m}");
        assert!(m["purged"].is_string(), "{m}");
        assert!(m["decision"].is_string(), "{m}");
    }
    assert!(resolved["events"].as_array().is_some_and(|e| e.len() >= 2));
    assert!(
        resolved["outbound"]
            .as_array()
            .is_some_and(|o| o.iter().all(|m| m["purged"].is_string())),
        "{resolved}"
    );
    let text = desk.ok(&["tickets", "show", "SD-1000"]);
    assert!(text.contains("raw mail purged"), "{text}");
    // the open ticket keeps everything
    let open = show(&desk, "SD-1001");
    for m in open["inbound"].as_array().expect("inbound") {
        assert!(m["kept"].as_i64() > Some(100), "{m}");
        assert!(m["purged"].is_null(), "{m}");
    }
    assert!(
        open["outbound"]
            .as_array()
            .is_some_and(|o| !o.is_empty() && o.iter().all(|m| m["purged"].is_null())),
        "{open}"
    );
    // the loose mail's decision and reason stay
    let (decision, raw): (String, Vec<u8>) = db(&desk)
        .query_row(
            "SELECT decision, raw FROM inbound WHERE message_id = 'loose-1@example.net'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the loose mail's row");
    assert_eq!((decision.as_str(), raw.len()), ("portal_reply", 0));
}

#[test]
fn pending_mail_is_never_purged_and_still_goes_out_whole() {
    // portal replies are not limited on their own here: the brake is what holds them back
    let desk = desk_keeping(
        "keep_raw_days = 1",
        "\n[limits]\nportal_replies_per_hour = 0\n",
    );
    let text = desk.path("deskmail.toml");
    let config = std::fs::read_to_string(&text)
        .expect("config")
        .replace("path = \"outbox\"", "path = \"outbox\"\nmax_per_hour = 1");
    std::fs::write(&text, config).expect("write config");
    for who in ["anna.b", "bert", "carla"] {
        desk.deliver(&person_mail(
            &format!("{who}@example.net"),
            &format!("Vraag van {who}"),
            &format!("{who}@example.net"),
            "Mijn wachtwoord werkt niet meer.",
        ));
    }
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let replies = |desk: &Desk| {
        desk.sent()
            .into_iter()
            .filter(|m| m.subject.starts_with("Re: Vraag van"))
            .count()
    };
    assert_eq!(replies(&desk), 1, "the brake held the rest back");
    let pending = |desk: &Desk| -> usize {
        let list: Value =
            serde_json::from_str(&desk.ok(&["outbox", "list", "--json"])).expect("JSON");
        list["mails"]
            .as_array()
            .expect("the outbox's mails")
            .iter()
            .filter(|m| m["state"] == "pending")
            .count()
    };
    assert_eq!(pending(&desk), 2);

    let now = "2026-12-03T10:00:00+01:00";
    let done = purge_json(&desk, now, false);
    assert!(done["outbox"]["mails"].as_u64() >= Some(1), "{done}");
    assert_eq!(pending(&desk), 2, "pending mail stays pending");
    let kept: i64 = db(&desk)
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND length(raw) > 0 AND purged IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(kept, 2, "their raw bytes are what will go out");

    // the brake lifted for good, so both can go in one run
    let config = std::fs::read_to_string(&text).expect("config");
    std::fs::write(&text, config.replace("max_per_hour = 1\n", "")).expect("write config");
    desk.ok(&["--now", now, "outbox", "resume"]);
    desk.run_once_at(now);
    assert_eq!(replies(&desk), 3, "both went out after the purge");
    for m in desk
        .sent()
        .iter()
        .filter(|m| m.subject.starts_with("Re: Vraag van"))
    {
        assert!(m.text.contains("portal.example.org"), "{}", m.text);
    }
}

#[test]
fn keep_raw_days_zero_keeps_raw_mail_for_ever_and_bad_values_name_the_key() {
    for bad in ["-1", "36501", "\"90\""] {
        let desk = desk_keeping(&format!("keep_raw_days = {bad}"), "");
        let out = desk.run(&["check-config"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("keep_raw_days"), "{bad}: {err}");
    }
    let desk = desk_keeping("keep_raw_days = 0", "");
    desk.deliver(&person_mail(
        "kees@example.net",
        "Vraagje",
        "loose-1@example.net",
        "Mijn scherm flikkert.",
    ));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let later = "2036-11-23T10:00:00+01:00";
    let out = desk.ok(&["--now", later, "purge", "--dry-run"]);
    assert!(out.contains("kept for ever"), "{out}");
    desk.run_once_at(later);
    desk.ok(&["--now", later, "purge"]);
    let purged: i64 = db(&desk)
        .query_row(
            "SELECT COUNT(*) FROM inbound WHERE purged IS NOT NULL OR length(raw) = 0",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(purged, 0);
}

#[test]
fn purge_on_a_database_that_does_not_exist_says_so() {
    let desk = desk_keeping("", "");
    let out = desk.run(&["purge", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("does not exist") && err.contains("store.path"),
        "{err}"
    );
    assert!(!desk.path("var/deskmail.sqlite").exists(), "none was made");
}

#[test]
fn a_purge_killed_part_way_leaves_whole_batches_and_the_next_one_finishes() {
    let desk = desk_keeping("keep_raw_days = 30", "");
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    const ROWS: i64 = 6000;
    const BYTES: usize = 4096;
    {
        let mut c = db(&desk);
        let tx = c.transaction().expect("tx");
        let raw = vec![b'x'; BYTES];
        for i in 0..ROWS {
            tx.execute(
                "INSERT INTO inbound (source_key, received, decision, reason, raw, size) \
                 VALUES (?1, '2026-01-01T00:00:00Z', 'ignore', 'test', ?2, ?3)",
                rusqlite::params![format!("bulk-{i}"), raw, BYTES as i64],
            )
            .expect("insert");
        }
        tx.commit().expect("commit");
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .arg("--config")
        .arg(&desk.config)
        .args(["--now", "2026-11-23T12:00:00+01:00", "purge"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start purge");
    // killed as soon as its first batch is in: part way through
    let c = db(&desk);
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(20) {
        let purged: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM inbound WHERE purged IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if purged > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();

    let (whole, untouched, purged): (i64, i64, i64) = c
        .query_row(
            "SELECT SUM(length(raw) = ?1 AND purged IS NULL), \
             SUM(length(raw) = 0 AND purged IS NOT NULL AND size = ?1), \
             SUM(purged IS NOT NULL) FROM inbound WHERE source_key LIKE 'bulk-%'",
            [BYTES as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("count");
    assert_eq!(
        whole + untouched,
        ROWS,
        "every row whole or purged, none half"
    );
    assert_eq!(purged % 500, 0, "whole batches only: {purged} purged");
    assert!(
        purged > 0 && purged < ROWS,
        "the kill came part way: {purged} purged"
    );

    let rest = purge_json(&desk, "2026-11-23T12:00:00+01:00", false);
    assert_eq!(
        rest["inbound"]["mails"].as_i64(),
        Some(ROWS - purged),
        "{rest}"
    );
    let left: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM inbound WHERE length(raw) > 0 AND source_key LIKE 'bulk-%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0);
}
