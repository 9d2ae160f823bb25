//! Checks that catch mistakes before they bite: `check-config` reads every password, tries the
//! database folder, warns on a TLS mode that does not fit the port and refuses what loading used
//! to let through; `check-config --connect` logs in step by step; `config show` masks passwords
//! and loads back; the read commands need no mail password and say so when the database is
//! not there or too new.

mod common;
use common::{BASE_CONFIG, Desk, mailstack, portal_mail};

/// The test desk's `[inbound]` (Maildir) and `[outbound]` (Maildir) sections.
const MAILDIRS: &str = "[inbound]\nkind = \"maildir\"\npath = \"inbox\"";
const OUTBOX: &str = "[outbound]\nkind = \"maildir\"\npath = \"outbox\"";

/// IMAP and SMTP on servers nobody will reach, with logins and no password anywhere: under
/// systemd the passwords come from `LoadCredential=`.
const NO_PASSWORDS: &str = "[inbound]\nkind = \"imap\"\nhost = \"127.0.0.1\"\nport = 1\n\
                            tls = \"none\"\nusername = \"desk\"";
const SMTP_NO_PASSWORD: &str = "[outbound]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = 1\ntls = \"none\"\nusername = \"desk\"";

/// The base config with some of its lines replaced.
fn config_with(replace: &[(&str, &str)]) -> String {
    replace
        .iter()
        .fold(BASE_CONFIG.to_string(), |c, (from, to)| {
            assert!(c.contains(from), "the base config has {from:?}");
            c.replacen(from, to, 1)
        })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `deskmail ARGS` on `desk` with systemd's credentials folder `creds` (None: not set).
fn run_with_credentials(
    desk: &Desk,
    creds: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"));
    cmd.arg("--config").arg(&desk.config).args(args);
    cmd.env_remove("RUST_LOG")
        .env_remove("CREDENTIALS_DIRECTORY");
    if let Some(dir) = creds {
        cmd.env("CREDENTIALS_DIRECTORY", dir);
    }
    cmd.output().expect("run deskmail")
}

#[test]
fn read_and_maintenance_commands_need_no_mail_password() {
    let desk = Desk::new();
    desk.deliver(&portal_mail(
        "f@x",
        &[
            ("Name", "A"),
            ("Email", "a@example.com"),
            ("Category", "x"),
            ("Priority", "low"),
            ("Subject", "Laptop"),
            ("Description", "d"),
        ],
    ));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    // the same desk now reads its mail by IMAP with the passwords left to systemd
    std::fs::write(
        &desk.config,
        config_with(&[(MAILDIRS, NO_PASSWORDS), (OUTBOX, SMTP_NO_PASSWORD)]),
    )
    .expect("write config");
    let mail = desk.path("mail.eml");
    std::fs::write(&mail, "From: a@example.com\nSubject: hi\n\nhello\n").expect("write");
    let copy = desk.path("copy.sqlite");
    let commands: [&[&str]; 7] = [
        &["tickets", "list"],
        &["tickets", "show", "SD-1000"],
        &["outbox", "list"],
        &["backup", &copy.to_string_lossy()],
        &["schedule", "preview"],
        &["explain", &mail.to_string_lossy()],
        &["config", "show"],
    ];
    for args in commands {
        let out = run_with_credentials(&desk, None, args);
        assert!(
            out.status.success(),
            "{args:?} needs no password: {}",
            text(&out.stderr)
        );
    }
    let list = text(&run_with_credentials(&desk, None, &["tickets", "list"]).stdout);
    assert!(list.contains("SD-1000"), "{list}");
    assert!(copy.is_file(), "the backup was written");

    // run does log in: without the passwords it stops at once, naming the key, line and fix
    let out = run_with_credentials(&desk, None, &["run", "--once"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let line = BASE_CONFIG
        .replacen(MAILDIRS, NO_PASSWORDS, 1)
        .lines()
        .position(|l| l == "[inbound]")
        .map(|i| i + 1);
    assert!(
        err.contains("config key `inbound.password_file`")
            && err.contains(&format!("deskmail.toml line {}", line.unwrap_or(0)))
            && err.contains("no password is configured")
            && err.contains("LoadCredential="),
        "{err}"
    );
    // with the credentials systemd passes, check-config reads both
    let creds = tempfile::tempdir().expect("tempdir");
    std::fs::write(creds.path().join("imap-password"), "pw\n").expect("write");
    std::fs::write(creds.path().join("smtp-password"), "pw\n").expect("write");
    let out = run_with_credentials(&desk, Some(creds.path()), &["check-config"]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    assert!(
        report.contains(
            "ok       inbound.password_file: read (from systemd credential imap-password)"
        ) && report.contains(
            "ok       outbound.password_file: read (from systemd credential smtp-password)"
        ),
        "{report}"
    );
}

#[test]
fn a_missing_database_is_an_error_not_an_empty_desk() {
    let desk = Desk::with_full_config(&config_with(&[(
        "path = \"var/deskmail.sqlite\"",
        "path = \"var/deskmial.sqlite\"",
    )]));
    let copy = desk.path("copy.sqlite");
    let commands: [&[&str]; 7] = [
        &["tickets", "list"],
        &["tickets", "list", "--json"],
        &["tickets", "show", "SD-1000"],
        &["outbox", "list"],
        &["outbox", "resume"],
        &["backup", &copy.to_string_lossy()],
        &["schedule", "preview"],
    ];
    for args in commands {
        let out = desk.run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "database {} does not exist; check store.path",
                desk.path("var/deskmial.sqlite").display()
            )) && err.contains("`deskmail run` creates"),
            "{args:?}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: no answer such as 'no tickets'"
        );
    }
    assert!(!desk.path("var").exists(), "nothing was created");
    assert!(!copy.exists());
}

#[test]
fn a_database_from_a_newer_deskmail_gets_the_right_advice() {
    let desk = Desk::new();
    desk.ok(&["run", "--once"]);
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("open");
    db.pragma_update(None, "user_version", 9999)
        .expect("set version");
    drop(db);
    let copy = desk.path("copy.sqlite");
    for args in [
        &["tickets", "list"][..],
        &["outbox", "list"],
        &["backup", &copy.to_string_lossy()],
    ] {
        let out = desk.run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("newer than this deskmail knows")
                && err.contains("Install that newer version again, or restore the backup")
                && !err.contains("run --once"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn check_config_reads_every_secret_and_names_what_fails() {
    let imap = |secret: &str| {
        format!(
            "[inbound]\nkind = \"imap\"\nhost = \"127.0.0.1\"\ntls = \"none\"\nusername = \"desk\"\n{secret}"
        )
    };
    let cases = [
        (
            "password_file = \"missing-pw\"",
            "error    inbound.password_file: cannot read password file",
            "No such file or directory",
        ),
        (
            "password_file = \"inbox\"",
            "error    inbound.password_file: cannot read password file",
            "Is a directory",
        ),
        (
            "password_command = \"echo nope >&2; exit 3\"",
            "error    inbound.password_command: password command `echo nope >&2; exit 3` failed",
            "nope",
        ),
        (
            "password_command = \"true\"",
            "error    inbound.password_command: the password from `true` is empty",
            "try it as the user deskmail runs as",
        ),
    ];
    for (secret, finding, detail) in cases {
        let desk = Desk::with_full_config(&config_with(&[(MAILDIRS, &imap(secret))]));
        let out = desk.run(&["check-config"]);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{secret}: {report}");
        let line = report
            .lines()
            .find(|l| l.contains(finding))
            .unwrap_or_else(|| panic!("{secret}: no {finding:?} in\n{report}"));
        assert!(line.contains(detail), "{line}");
        // the OS's words once, not once per layer
        assert!(line.matches("(os error").count() <= 1, "{line}");
        assert!(report.contains("checked as user "), "{report}");
    }
    // a password that can be read is read, never shown
    let desk = Desk::with_full_config(&config_with(&[(
        MAILDIRS,
        &imap("password_command = \"echo t0ken-value\""),
    )]));
    let report = desk.ok(&["check-config"]);
    assert!(
        report.contains(
            "ok       inbound.password_command: read (from the output of `echo t0ken-value`)"
        ) && report.matches("t0ken-value").count() == 1,
        "{report}"
    );
}

#[test]
fn check_config_tries_the_database_folder() {
    let desk = Desk::new();
    let report = desk.ok(&["check-config"]);
    assert!(
        report.contains("ok       store.path: folder ") && report.contains("does not exist yet"),
        "{report}"
    );
    assert!(
        !desk.path("var").exists(),
        "the check leaves nothing behind"
    );
    desk.ok(&["run", "--once"]);
    assert!(desk.ok(&["check-config"]).contains("is writable"));

    for (path, problem) in [
        ("afile/deskmail.sqlite", "afile is not a folder"),
        (
            "/sys/deskmail-test/deskmail.sqlite",
            "cannot create files in /sys",
        ),
    ] {
        let desk = Desk::with_full_config(&config_with(&[(
            "path = \"var/deskmail.sqlite\"",
            &format!("path = \"{path}\""),
        )]));
        std::fs::write(desk.path("afile"), "").expect("write");
        let out = desk.run(&["check-config"]);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{report}");
        assert!(
            report.contains("error    store.path:") && report.contains(problem),
            "{report}"
        );
    }
}

#[test]
fn check_config_warns_on_a_tls_mode_that_does_not_fit_the_port() {
    let inbound = "[inbound]\nkind = \"imap\"\nhost = \"imap.example.org\"\nport = 993\n\
                   tls = \"starttls\"\nusername = \"desk\"\npassword = \"pw\"\n\
                   processed = \"move:Processed\"";
    let outbound = "[outbound]\nkind = \"smtp\"\nhost = \"smtp.example.org\"\nport = 587\n\
                    tls = \"implicit\"";
    let desk = Desk::with_full_config(&config_with(&[(MAILDIRS, inbound), (OUTBOX, outbound)]));
    let out = desk.run(&["check-config"]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "warnings exit 0: {report}");
    assert!(
        report.contains("is valid, with 2 warning(s)")
            && report.contains("warning  inbound.tls: tls = \"starttls\" on port 993")
            && report.contains("warning  outbound.tls: tls = \"implicit\" on port 587"),
        "{report}"
    );
    // our words, not Rust's
    assert!(
        report.contains("(processed: move:Processed)") && report.contains("(STARTTLS)"),
        "{report}"
    );
    for debug in ["Move(", "StartTls", "Implicit)", "Some("] {
        assert!(!report.contains(debug), "{debug}: {report}");
    }
}

#[test]
fn check_config_refuses_what_loading_used_to_let_through() {
    let cases = [
        (
            "senders = [\"portal@example.org\"]",
            "senders = []",
            "portal.senders",
        ),
        (
            "[portal]",
            "[portal]\nexcerpt_chars = 10",
            "portal.excerpt_chars",
        ),
        (
            "[calendar]",
            "[schedule]\ntick_seconds = 0\n[calendar]",
            "schedule.tick_seconds",
        ),
    ];
    for (from, to, key) in cases {
        let text_ = config_with(&[(from, to)]);
        let line = text_
            .lines()
            .position(|l| l.starts_with(key.rsplit('.').next().unwrap_or(key)))
            .map(|i| i + 1)
            .unwrap_or(0);
        let desk = Desk::with_full_config(&text_);
        let out = desk.run(&["check-config"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {err}");
        assert!(
            err.contains(&format!(
                "config file {} line {line}: config key `{key}`",
                desk.config.display()
            )),
            "{key}: {err}"
        );
        assert!(!desk.path("var").exists());
    }
}

#[test]
fn a_template_folder_deskmail_cannot_use_is_refused() {
    type Setup = fn(&Desk);
    let cases: [(&str, Setup); 3] = [
        ("cannot read template folder", |_| {}),
        ("portal-reply.txt is not a template deskmail knows", |d| {
            std::fs::create_dir_all(d.path("templates/nl")).expect("mkdir");
            std::fs::write(d.path("templates/nl/portal-reply.txt"), "x").expect("write");
        }),
        ("de is not a language deskmail writes in", |d| {
            std::fs::create_dir_all(d.path("templates/de")).expect("mkdir");
        }),
    ];
    for (problem, setup) in cases {
        let desk = Desk::with_config("[templates]\npath = \"templates\"\n");
        setup(&desk);
        for args in [&["check-config"][..], &["run", "--once"]] {
            let out = desk.run(args);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {problem}: {err}");
            assert!(
                err.contains(problem) && err.contains("templates.path"),
                "{problem}: {err}"
            );
        }
    }
}

#[test]
fn a_missing_config_file_is_named_once_with_the_os_reason() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(["--config", "/nonexistent/deskmail.toml", "tickets", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "deskmail: configuration refused: cannot read config file /nonexistent/deskmail.toml: \
         No such file or directory (os error 2)"
    );
}

#[test]
fn config_show_masks_passwords_and_loads_back() {
    let inbound = "[inbound]\nkind = \"imap\"\nhost = \"127.0.0.1\"\ntls = \"none\"\n\
                   username = \"desk\"\npassword = \"s3cret-value\"";
    let outbound = "[outbound]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\ntls = \"none\"\n\
                    username = \"desk\"\npassword_file = \"smtp-password\"";
    let desk = Desk::with_full_config(&config_with(&[(MAILDIRS, inbound), (OUTBOX, outbound)]));
    std::fs::write(desk.path("smtp-password"), "other-s3cret\n").expect("write");
    let shown = desk.ok(&["config", "show"]);
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        shown.contains("password = \"(hidden)\"")
            && shown.contains(&format!(
                "password_file = \"{}\"",
                desk.path("smtp-password").display()
            ))
            // defaults filled in
            && shown.contains("poll_seconds = 30")
            && shown.contains("near_before = \"1d\""),
        "{shown}"
    );
    // what it shows is a config deskmail accepts, from anywhere (paths are absolute)
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let file = elsewhere.path().join("shown.toml");
    std::fs::write(&file, &shown).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .output()
        .expect("run");
    let body = |s: &str| {
        s.lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&text(&again.stdout)), body(&shown), "show is stable");
}

/// The config of a desk on the test servers that logs in to both: IMAP with STARTTLS, SMTP
/// submission with STARTTLS and AUTH.
fn connect_config(desk: &str, portal: &str, agents: &str, password: &str) -> String {
    mailstack::imap_config(desk, portal, agents, "")
        .replace(
            "password = \"secret\"",
            &format!("password = \"{password}\""),
        )
        .replace(
            &format!("port = {}\ntls = \"none\"", mailstack::SMTP_PORT),
            &format!(
                "port = {}\ntls = \"starttls\"\nusername = \"{desk}\"\npassword = \"{password}\"\nca_file = \"{}\"",
                mailstack::SUBMISSION_PORT,
                mailstack::ca_file().display()
            ),
        )
}

#[test]
fn check_config_connect_logs_in_step_by_step() {
    let Some(()) = mailstack::up() else { return };
    let user = mailstack::new_user("check");
    let desk = Desk::with_full_config(&connect_config(
        &user,
        "portal@example.org",
        "agents@example.org",
        mailstack::PASSWORD,
    ));
    let out = desk.run(&["check-config", "--connect"]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    for step in [
        format!("ok       connect to 127.0.0.1:{}", mailstack::IMAP_PORT),
        "ok       STARTTLS".into(),
        "ok       TLS handshake".into(),
        format!("ok       LOGIN as {user}"),
        "ok       SELECT INBOX".into(),
        format!(
            "ok       connect to 127.0.0.1:{}",
            mailstack::SUBMISSION_PORT
        ),
        "ok       EHLO".into(),
        format!("ok       AUTH as {user}"),
    ] {
        assert!(report.contains(&step), "{step}: {report}");
    }

    // a wrong password: the login steps fail with the server's reason, the password unseen
    let desk = Desk::with_full_config(&connect_config(
        &user,
        "portal@example.org",
        "agents@example.org",
        "wr0ng-pass",
    ));
    let out = desk.run(&["check-config", "--connect"]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "failed   LOGIN as {user}: IMAP server 127.0.0.1 refused login"
        )) && report.contains(&format!("failed   AUTH as {user}: SMTP server"))
            && report.contains("- ")
            && report.contains("ok       TLS handshake"),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.trim() == "-        SELECT INBOX"),
        "{report}"
    );
    assert!(!report.contains("wr0ng-pass") && !text(&out.stderr).contains("wr0ng-pass"));

    // a server that is not there fails at the first step
    let desk = Desk::with_full_config(
        &connect_config(&user, "portal@example.org", "agents@example.org", "x")
            .replace(&format!("port = {}", mailstack::IMAP_PORT), "port = 1"),
    );
    let report = text(&desk.run(&["check-config", "--connect"]).stdout);
    assert!(
        report.contains("failed   connect to 127.0.0.1:1:"),
        "{report}"
    );
}
