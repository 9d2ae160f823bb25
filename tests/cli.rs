//! The command line as a sysadmin meets it: config checking with exit code 2 and the key named,
//! `explain`, `template preview`, and the demo config running as shipped.

mod common;
use common::{BASE_CONFIG, Desk, person_mail, portal_mail};
use std::path::Path;

#[test]
fn check_config_accepts_the_shipped_configs() {
    // the production example takes its passwords from systemd's credentials folder
    let creds = tempfile::tempdir().expect("tempdir");
    std::fs::write(creds.path().join("imap-password"), "pw\n").expect("write");
    std::fs::write(creds.path().join("smtp-password"), "pw\n").expect("write");
    // the production example as shipped, its database moved where this user may write
    // (whether /var/lib/deskmail can be written is the machine's business: tests/checks.rs)
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/deskmail.toml");
    let prod_dir = tempfile::tempdir().expect("tempdir");
    let prod = prod_dir.path().join("deskmail.toml");
    let text = std::fs::read_to_string(&shipped).expect("read the shipped config");
    assert!(text.contains("path = \"/var/lib/deskmail/deskmail.sqlite\""));
    let db = prod_dir.path().join("var/deskmail.sqlite");
    let text = text.replace("/var/lib/deskmail/deskmail.sqlite", &db.to_string_lossy());
    // as shipped (and packaged as /etc/deskmail/deskmail.toml) it is refused until edited
    std::fs::write(&prod, &text).expect("write the copy");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(["--config", &prod.to_string_lossy(), "check-config"])
        .env("CREDENTIALS_DIRECTORY", creds.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .position(|l| l == "example = true")
        .map(|i| i + 1);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        line.is_some()
            && err.contains(&format!(
                "deskmail.toml line {}: config key `example`",
                line.unwrap_or(0)
            ))
            && err.contains("is the packaged example")
            && err.contains("then delete the line `example = true`"),
        "{err}"
    );
    // the desk described: the line deleted, the rest as shipped
    std::fs::write(&prod, text.replace("example = true\n", "")).expect("write the copy");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo.toml");
    for (name, file) in [("config/demo.toml", &demo), ("config/deskmail.toml", &prod)] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
            .args(["--config", &file.to_string_lossy(), "check-config"])
            .env("CREDENTIALS_DIRECTORY", creds.path())
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("is valid"), "{text}");
    }
    // outside the service (a shell, or systemd 252's ExecReload=, which gets no credentials)
    // the credentials cannot be checked: a warning naming the key, not a refusal, so that
    // `systemctl reload` of a good config goes on
    let file = &prod;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(["--config", &file.to_string_lossy(), "check-config"])
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning  inbound.password_file: cannot be checked from here")
            && text.contains("LoadCredential=imap-password"),
        "{text}"
    );
    // a real mistake beside it is still refused
    let broken = tempfile::tempdir().expect("tempdir");
    let config = std::fs::read_to_string(file)
        .expect("read")
        .replace("Europe/Amsterdam", "Mars/Base");
    std::fs::write(broken.path().join("deskmail.toml"), config).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args([
            "--config",
            &broken.path().join("deskmail.toml").to_string_lossy(),
            "check-config",
        ])
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("desk.timezone"));
}

#[test]
fn a_bad_config_exits_2_and_names_the_key_and_the_fix() {
    let cases = [
        (
            "timezone = \"Europe/Amsterdam\"",
            "timezone = \"Mars/Base\"",
            "desk.timezone",
            "IANA",
        ),
        (
            "queue = \"agents@example.org\"",
            "queue = \"agents\"",
            "agents.queue",
            "bare address",
        ),
        (
            "[calendar]",
            "[calendar]\nopens = \"8h\"",
            "calendar.opens",
            "HH:MM",
        ),
        (
            "[agents]",
            "[agents]\nqueu = \"x@example.org\"",
            "queu",
            "unknown field",
        ),
    ];
    for (from, to, key, fix) in cases {
        let desk = Desk::new();
        std::fs::write(&desk.config, BASE_CONFIG.replacen(from, to, 1)).expect("write");
        let out = desk.run(&["check-config"]);
        assert_eq!(out.status.code(), Some(2), "exit code for {key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key) && err.contains(fix), "{key}: {err}");
        // `run` refuses the same config before doing anything
        assert_eq!(desk.run(&["run", "--once"]).status.code(), Some(2));
        assert!(
            !desk.path("var").exists(),
            "nothing created under a bad config"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(["--config", "/nonexistent/deskmail.toml", "check-config"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/deskmail.toml"));
}

#[test]
fn explain_says_what_would_happen_and_why_without_changing_anything() {
    let desk = Desk::new();
    let explain = |raw: &str| -> serde_json::Value {
        let file = desk.path("mail.eml");
        std::fs::write(&file, raw).expect("write");
        let out = desk.ok(&["explain", &file.to_string_lossy(), "--json"]);
        serde_json::from_str(&out).expect("one JSON object")
    };
    let ooo = explain(
        "From: jan@example.com\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <o@x>\n\nAway.\n",
    );
    assert_eq!(ooo["decision"], "ignore");
    assert!(
        ooo["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("Auto-Submitted"),
        "{ooo}"
    );
    let person = explain(&person_mail(
        "Jan <jan@example.com>",
        "Printer",
        "p@x",
        "De printer is stuk.",
    ));
    assert_eq!(person["decision"], "portal_reply");
    assert!(
        person["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("printer form"),
        "{person}"
    );
    let form = portal_mail(
        "f@x",
        &[
            ("Name", "A"),
            ("Email", "a@example.com"),
            ("Category", "x"),
            ("Priority", "low"),
            ("Subject", "s"),
            ("Description", "d"),
        ],
    );
    assert_eq!(explain(&form)["decision"], "new_ticket");

    // once the ticket exists, a tagged reply is recognised
    desk.deliver(&form);
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let reply = explain(&person_mail(
        "A <a@example.com>",
        "Re: [SD-1000] s",
        "r@x",
        "more",
    ));
    assert_eq!(reply["decision"], "ticket_reply");
    assert_eq!(reply["ticket"], "SD-1000");
    let plain = desk.ok(&["explain", &desk.path("mail.eml").to_string_lossy()]);
    assert!(
        plain.starts_with(
            "decision: ticket_reply\nreason:   reply on ticket SD-1000 by the requester"
        ),
        "{plain}"
    );
    assert_eq!(
        desk.tickets_json().as_array().map(Vec::len),
        Some(1),
        "explain changed nothing"
    );

    // a processed person's mail is explained as it was decided, not as rate-limited by its own reply
    let asked = person_mail(
        "Jan <jan@example.com>",
        "Muis",
        "m@x",
        "Mijn muis doet het niet.",
    );
    desk.deliver(&asked);
    // the real clock: explain looks back from now for the sender's last portal reply
    desk.ok(&["run", "--once"]);
    assert_eq!(explain(&asked)["decision"], "portal_reply");
}

#[test]
fn template_preview_renders_every_mail_in_both_languages() {
    let desk = Desk::new();
    for name in deskmail::compose::templates::NAMES {
        for lang in ["nl", "en"] {
            let out = desk.ok(&["template", "preview", name, "--lang", lang]);
            assert!(out.starts_with("Subject: "), "{name}/{lang}: {out}");
            assert!(
                out.contains("----- HTML -----\n<!DOCTYPE html>"),
                "{name}/{lang}"
            );
        }
    }
    let out = desk.ok(&["template", "preview", "progress", "--lang", "en"]);
    assert!(
        out.contains("We are waiting for the printer's supplier."),
        "{out}"
    );
    let bad = desk.run(&["template", "preview", "nonsense"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("known: portal_reply"));
}

#[test]
fn an_admins_template_copy_replaces_the_builtin_one() {
    let desk = Desk::with_config("[templates]\npath = \"templates\"\n");
    std::fs::create_dir_all(desk.path("templates/nl")).expect("mkdir");
    std::fs::write(
        desk.path("templates/nl/portal_reply.txt"),
        "Hoi {{ first_name }}! {{ form.url }}\n",
    )
    .expect("write");
    desk.deliver(&person_mail(
        "Jan <jan@example.com>",
        "Vraag",
        "q@x",
        "Mijn muis doet het niet meer, wat nu?",
    ));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let sent = desk.sent();
    assert!(
        sent[0]
            .text
            .starts_with("Hoi Jan! https://portal.example.org/general?"),
        "{}",
        sent[0].text
    );
    // a broken template is refused at start with exit code 2
    std::fs::write(desk.path("templates/nl/portal_reply.txt"), "{% if %}").expect("write");
    let out = desk.run(&["check-config"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("portal_reply.txt"));
}

#[test]
fn the_demo_runs_as_shipped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::copy(
        root.join("config/demo.toml"),
        dir.path().join("config/demo.toml"),
    )
    .expect("copy config");
    std::fs::copy(
        root.join("config/demo-agents.key"),
        dir.path().join("config/demo-agents.key"),
    )
    .expect("copy the demo's agent key");
    let inbox = dir.path().join("examples/inbox/new");
    std::fs::create_dir_all(&inbox).expect("mkdir");
    for entry in std::fs::read_dir(root.join("examples/inbox/new")).expect("examples") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), inbox.join(entry.file_name())).expect("copy mail");
    }
    let config = dir.path().join("config/demo.toml");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    // the time scripts/demo runs at: the test and the demo cannot drift apart
    let script = std::fs::read_to_string(root.join("scripts/demo")).expect("scripts/demo");
    let now = script
        .lines()
        .find_map(|l| l.strip_prefix("now=\""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("scripts/demo sets now=\"…\"");
    run(&["--now", now, "run", "--once"]);
    let sent = common::read_maildir(&dir.path().join("var/outbox/new"));
    // two portal replies, a confirmation, an agent notification, a reply passed to the agents,
    // and the agent's answer to the requester
    assert_eq!(sent.len(), 6, "{sent:#?}");
    let list: serde_json::Value =
        serde_json::from_slice(&run(&["tickets", "list", "--json"]).stdout).expect("JSON");
    assert_eq!(list[0]["ref"], "SD-1000");
    // the agent's reply (to the demo key's signed address) steered the ticket
    assert_eq!(list[0]["status"], "waiting_third_party", "{list}");
    assert_eq!(list[0]["assignee"], "anna.jansen@example.org", "{list}");
    // explain decides as run did at the demo's time, and as run would once #next has passed
    let agent_mail = inbox
        .read_dir()
        .expect("inbox")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.contains("#status waiting-third-party"))
        })
        .expect("the sample agent reply");
    let agent_mail = agent_mail.to_str().expect("path");
    let explained =
        String::from_utf8_lossy(&run(&["--now", now, "explain", agent_mail]).stdout).into_owned();
    assert!(
        explained.contains("agent_command")
            && explained.contains("status")
            && !explained.contains("refused"),
        "{explained}"
    );
    let later = run(&["--now", "2026-11-30T10:00:00+01:00", "explain", agent_mail]);
    let later = String::from_utf8_lossy(&later.stdout);
    assert!(
        later.contains("refused") && later.contains("2026-11-27"),
        "a #next date that has passed is refused, by explain as by run: {later}"
    );
    // the sample mails stay in place for the next demo (processed = "keep"), and are not answered twice
    run(&["--now", "2026-11-24T16:05:00+01:00", "run", "--once"]);
    assert_eq!(
        common::read_maildir(&dir.path().join("var/outbox/new")).len(),
        6
    );
}
