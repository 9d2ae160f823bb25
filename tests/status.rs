//! `deskmail status` as a monitor runs it, with the real binary: exit codes 0 OK, 1 WARNING,
//! 2 CRITICAL, 3 UNKNOWN, the Nagios-style first line and the JSON sections; the outbox's
//! `retry` and `dismiss` changing the verdict; a daemon running, killed and stopped; and a
//! mailbox that stays away told to the agents once, and once when it is back.

mod common;
use common::in_process::InProcess;
use common::mailstack::{self, imap_config, new_user, wait_for_mail};
use common::{BASE_CONFIG, Daemon, Desk, header, person_mail};
use std::time::{Duration, Instant};

const MONDAY: &str = "2026-11-23T10:00:00+01:00";

/// `MONDAY` plus `minutes`, as `--now` takes it.
fn monday_plus(minutes: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(MONDAY).expect("time")
        + chrono::Duration::minutes(minutes);
    t.to_rfc3339()
}

/// `status` (and `status --json`) at `now`: the exit code, the text and the JSON.
fn status(desk: &Desk, now: &str) -> (i32, String, serde_json::Value) {
    let text = desk.run(&["--now", now, "status"]);
    let json = desk.run(&["--now", now, "status", "--json"]);
    let code = text.status.code().expect("an exit code");
    assert_eq!(json.status.code(), Some(code), "--json exits alike");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| {
        panic!(
            "status --json is JSON ({e}): {}",
            String::from_utf8_lossy(&json.stdout)
        )
    });
    let verdict = ["ok", "warning", "critical", "unknown"][code as usize];
    assert_eq!(
        value["verdict"], verdict,
        "the verdict matches the exit code: {value}"
    );
    (
        code,
        String::from_utf8_lossy(&text.stdout).into_owned(),
        value,
    )
}

fn ann(id: &str) -> String {
    person_mail(
        "Ann <ann@example.com>",
        "Scherm",
        id,
        "Mijn scherm blijft zwart.",
    )
}

#[test]
fn a_fresh_desk_is_unknown_and_after_a_run_the_age_of_the_last_fetch_decides() {
    let desk = Desk::new();
    let (code, text, json) = status(&desk, MONDAY);
    assert_eq!(code, 3, "{text}");
    assert!(
        text.starts_with("DESKMAIL UNKNOWN - no database at "),
        "{text}"
    );
    assert!(
        json["daemon"].is_null() && json["problems"][0]["section"] == "database",
        "{json}"
    );

    desk.deliver(&ann("status-1@example.com"));
    desk.run_once_at(MONDAY);
    let (code, text, json) = status(&desk, &monday_plus(1));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("DESKMAIL OK - last run --once 1 min ago, mailbox read 1 min ago, 0 waiting, 0 failed | pending=0 failed=0"),
        "{text}"
    );
    assert!(
        text.contains("\ndaemon:"),
        "details follow the first line: {text}"
    );
    assert_eq!(json["daemon"]["running"], false, "{json}");
    assert_eq!(json["daemon"]["mode"], "once", "{json}");
    assert_eq!(
        json["mailbox"]["last_fetch"], "2026-11-23T09:00:00Z",
        "{json}"
    );
    assert!(
        json["mailbox"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("inbox")),
        "{json}"
    );
    assert_eq!(json["outbox"]["pending"], 0, "{json}");
    assert_eq!(json["outbox"]["brake"]["engaged"], false, "{json}");
    assert!(
        json["storage"]["database_bytes"]
            .as_u64()
            .is_some_and(|b| b > 0),
        "{json}"
    );
    assert!(
        json["storage"]["free_bytes"]
            .as_u64()
            .is_some_and(|b| b > 0),
        "{json}"
    );
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");

    // no run since: the mailbox goes unread
    let (code, text, _) = status(&desk, &monday_plus(15));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.starts_with("DESKMAIL WARNING - no mail fetched for 15 min"),
        "{text}"
    );
    let (code, text, json) = status(&desk, &monday_plus(61));
    assert_eq!(code, 2, "{text}");
    assert_eq!(json["problems"][0]["section"], "mailbox", "{json}");
}

#[test]
fn little_free_space_and_a_config_that_cannot_be_read_are_reported() {
    // more free space than any test machine has: the storage warning must come
    let desk = Desk::with_config("\n[status]\nfree_space_warning_mb = 1000000000\n");
    desk.run_once_at(MONDAY);
    let (code, text, json) = status(&desk, &monday_plus(1));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("free on the database's file system"),
        "{text}"
    );
    assert_eq!(json["problems"][0]["section"], "storage", "{json}");

    std::fs::write(&desk.config, "[desk]\nname = 3\n").expect("break the config");
    let (code, text, _) = status(&desk, MONDAY);
    assert_eq!(
        code, 3,
        "a monitor must not read a bad config as CRITICAL: {text}"
    );
    assert!(
        text.starts_with("DESKMAIL UNKNOWN - configuration refused"),
        "{text}"
    );
}

#[tokio::test]
async fn a_failed_mail_warns_until_it_is_dismissed_or_retried() {
    let mut d = InProcess::new();
    d.outgoing.fail_next_permanently(1);
    d.deliver(&ann("status-failed-1@example.com"));
    d.pass_at(MONDAY).await;
    let (code, text, json) = status(&d.desk, &monday_plus(1));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.starts_with("DESKMAIL WARNING - 1 mail failed for good"),
        "{text}"
    );
    assert_eq!(json["outbox"]["failed"], 1, "{json}");

    let listing: serde_json::Value =
        serde_json::from_str(&d.desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    assert_eq!(listing["brake"]["engaged"], false, "{listing}");
    let id = listing["mails"][0]["id"]
        .as_i64()
        .expect("the failed mail's id");
    assert_eq!(listing["mails"][0]["state"], "failed", "{listing}");

    let unknown = d.desk.run(&["outbox", "dismiss", "9999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no mail 9999 in the outbox"),
        "{unknown:?}"
    );
    let said = d.desk.ok(&["outbox", "dismiss", &id.to_string()]);
    assert!(
        said.contains(&format!(
            "mail {id} (portal_reply to ann@example.com) dismissed"
        )),
        "{said}"
    );
    let (code, text, json) = status(&d.desk, &monday_plus(2));
    assert_eq!(code, 0, "a dismissed mail no longer counts: {text}");
    assert_eq!(
        (
            json["outbox"]["failed"].as_u64(),
            json["outbox"]["dismissed"].as_u64()
        ),
        (Some(0), Some(1))
    );
    let listed = d.desk.ok(&["outbox", "list"]);
    assert!(
        !listed.contains("dismissed"),
        "only --all lists it: {listed}"
    );
    assert!(
        d.desk
            .ok(&["outbox", "list", "--all"])
            .contains("dismissed")
    );

    // sent after all: retried, it goes out at the next pass
    let said = d
        .desk
        .ok(&["--now", &monday_plus(3), "outbox", "retry", &id.to_string()]);
    assert!(said.contains("queued again"), "{said}");
    assert_eq!(status(&d.desk, &monday_plus(4)).2["outbox"]["pending"], 1);
    d.pass_at(&monday_plus(5)).await;
    assert!(
        d.sent().iter().any(|m| m.to == ["ann@example.com"]),
        "{:#?}",
        d.sent()
    );
    let sent_again = d.desk.run(&["outbox", "dismiss", &id.to_string()]);
    assert_eq!(
        sent_again.status.code(),
        Some(1),
        "a sent mail cannot be dismissed"
    );
    assert!(String::from_utf8_lossy(&sent_again.stderr).contains("is sent, not failed"));

    // --all-failed
    d.outgoing.fail_next_permanently(2);
    d.deliver(&person_mail(
        "Bob <bob@example.com>",
        "Muis",
        "status-failed-2@example.com",
        "Mijn muis doet het niet.",
    ));
    d.pass_at(&monday_plus(10)).await;
    assert_eq!(status(&d.desk, &monday_plus(11)).0, 1);
    let said = d
        .desk
        .ok(&["--now", &monday_plus(12), "outbox", "retry", "--all-failed"]);
    assert!(said.starts_with("2 failed mail(s) queued again"), "{said}");
    d.pass_at(&monday_plus(13)).await;
    let (code, text, _) = status(&d.desk, &monday_plus(14));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn an_engaged_brake_is_critical_until_sending_resumes() {
    let desk = Desk::braking();
    desk.run_once_at(MONDAY);
    let (code, text, json) = status(&desk, &monday_plus(1));
    assert_eq!(code, 2, "{text}");
    assert!(
        text.starts_with("DESKMAIL CRITICAL - sending is paused by the emergency brake"),
        "{text}"
    );
    assert_eq!(json["outbox"]["brake"]["engaged"], true, "{json}");
    assert_eq!(json["outbox"]["brake"]["max_per_hour"], 2, "{json}");
    let listing: serde_json::Value =
        serde_json::from_str(&desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    assert_eq!(listing["brake"]["engaged"], true, "{listing}");
    assert!(
        listing["brake"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("max_per_hour = 2"))
    );
    assert_eq!(
        listing["mails"].as_array().map(Vec::len),
        Some(2),
        "{listing}"
    );

    desk.ok(&["--now", &monday_plus(2), "outbox", "resume"]);
    let (code, text, _) = status(&desk, &monday_plus(3));
    assert_eq!(code, 0, "the two held replies wait only minutes: {text}");
    // held much longer, they would warn
    let (code, text, _) = status(&desk, &monday_plus(31));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("2 mails waiting to be sent, the oldest for 31 min"),
        "{text}"
    );
}

/// `status --json` until `done` says yes (at most 30 s).
fn wait_for_status(desk: &Desk, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let out = desk.run(&["status", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if done(&json) {
            return json;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "status never came: {json}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_running_daemon_is_ok_and_a_killed_or_stopped_one_is_critical() {
    let desk = Desk::new();
    let daemon = Daemon::start(&desk.config);
    let json = wait_for_status(&desk, |j| j["daemon"]["running"] == true);
    assert_eq!(json["daemon"]["pid"].to_string(), daemon.pid(), "{json}");
    assert_eq!(json["daemon"]["mode"], "daemon", "{json}");
    assert_eq!(json["mailbox"]["connected"], true, "{json}");
    let out = desk.run(&["status"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("DESKMAIL OK - running (pid {})", daemon.pid())),
        "{text}"
    );

    // killed: the pid in the record is gone, without a clean stop
    daemon.crash();
    let out = desk.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("is gone without a clean stop"), "{text}");

    let daemon = Daemon::start(&desk.config);
    wait_for_status(&desk, |j| j["daemon"]["running"] == true);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    let out = desk.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.starts_with("DESKMAIL CRITICAL - the daemon is not running: it stopped"),
        "{text}"
    );
}

#[test]
fn a_mailbox_that_cannot_be_reached_is_told_to_the_agents_once() {
    // a loopback port nobody listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let inbound = format!(
        "[inbound]\nkind = \"imap\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nusername = \"desk\"\npassword = \"x\"\n"
    );
    let start = BASE_CONFIG.find("[inbound]").expect("inbound");
    let end = BASE_CONFIG.find("[outbound]").expect("outbound");
    let config = format!(
        "{}{inbound}\n{}",
        &BASE_CONFIG[..start],
        &BASE_CONFIG[end..]
    );
    let desk = Desk::with_full_config(&config);

    let tell = |minutes: i64| {
        let out = desk.run(&["--now", &monday_plus(minutes), "run", "--once"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    tell(0);
    assert!(desk.sent().is_empty(), "not after one failure");
    tell(14);
    assert!(
        desk.sent().is_empty(),
        "not before status.mailbox_down_notice_minutes"
    );
    tell(16);
    tell(30);
    let sent = desk.sent();
    assert_eq!(sent.len(), 1, "told once: {sent:#?}");
    assert_eq!(sent[0].to, ["agents@example.org"]);
    assert_eq!(sent[0].subject, "deskmail kan de mailbox niet lezen");
    assert!(sent[0].text.contains("niet bereikbaar"), "{}", sent[0].text);
    assert!(
        sent[0].text.contains(&format!("127.0.0.1:{port}")),
        "the error: {}",
        sent[0].text
    );
    assert!(!sent[0].text.contains("\"x\""), "no password");

    let (code, text, json) = status(&desk, &monday_plus(31));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the mailbox cannot be reached"), "{text}");
    assert_eq!(json["mailbox"]["error_kind"], "unreachable", "{json}");
    assert_eq!(
        json["mailbox"]["error_since"], "2026-11-23T09:00:00Z",
        "{json}"
    );
    assert_eq!(
        json["mailbox"]["agents_told"], "2026-11-23T09:16:00Z",
        "{json}"
    );
}

#[test]
fn a_refused_login_is_told_to_the_agents_and_so_is_its_end() {
    let Some(()) = mailstack::up() else { return };
    let desk_user = new_user("statusdesk");
    let portal = new_user("statusportal");
    let agents = new_user("statusagents");
    let good = imap_config(&desk_user, &portal, &agents, "");
    let desk =
        Desk::with_full_config(&good.replace("password = \"secret\"", "password = \"wrong\""));
    let run = |minutes: i64| desk.run(&["--now", &monday_plus(minutes), "run", "--once"]);

    assert_eq!(run(0).status.code(), Some(1));
    let refused = run(20);
    assert_eq!(refused.status.code(), Some(1));
    let notice = wait_for_mail(&agents, 1, Duration::from_secs(20));
    assert_eq!(
        header(&notice[0], "Subject").as_deref(),
        Some("deskmail kan de mailbox niet lezen: inloggen geweigerd"),
        "{}",
        notice[0]
    );
    assert!(notice[0].contains("refused login"), "{}", notice[0]);
    let (code, text, json) = status(&desk, &monday_plus(21));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the server refuses the login"), "{text}");
    assert_eq!(json["mailbox"]["error_kind"], "login_refused", "{json}");

    // the password is put right: one mail says the mailbox is back
    std::fs::write(&desk.config, &good).expect("config");
    let back = run(25);
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    run(40);
    wait_for_mail(&agents, 2, Duration::from_secs(20));
    // a moment for a third that should not come
    std::thread::sleep(Duration::from_secs(1));
    let mails = mailstack::inbox(&agents);
    assert_eq!(mails.len(), 2, "told once that it is back: {mails:#?}");
    let subjects: Vec<Option<String>> = mails.iter().map(|m| header(m, "Subject")).collect();
    assert!(
        subjects.contains(&Some("deskmail leest de mailbox weer".into())),
        "{subjects:?}"
    );
    let (code, text, json) = status(&desk, &monday_plus(41));
    assert_eq!(code, 0, "{text}");
    assert!(
        json["mailbox"]["error"].is_null() && json["mailbox"]["agents_told"].is_null(),
        "{json}"
    );
}
