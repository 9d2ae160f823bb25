//! What a log line may never hold, at any verbosity: the mailbox password (also as the base64
//! of SMTP AUTH PLAIN/LOGIN and XOAUTH2), a token from `password_command`, the key that signs
//! agents' reply addresses, the signed tokens themselves, and the text of anyone's mail.
//! Against the real Dovecot (IMAP login) and Postfix submission (STARTTLS + AUTH), with `-v`,
//! `-vv` and `RUST_LOG=trace`, in each form the log takes (text, JSON lines, the journal's
//! entries with their fields), each run doing real work: fetch, decide, sign, send.

mod common;
use common::journal::Journal;
use common::mailstack::{self, imap_config, new_user, new_user_with_password, smtp_send};
use common::{Desk, base64, header, person_mail, portal_mail};
use std::time::Duration;

/// Distinctive values: any of them in a log line is a leak, not a coincidence.
const PASSWORD: &str = "Kq8-vault-Passw0rd-zXw";
const SIGNING_KEY: &str = "dm-signing-key-Y7tPq2Lr9sVbW3";
const PERSON_TEXT: &str = "the purple elephant printer";
const FORM_TEXT: &str = "laptop hums a lullaby";

#[test]
fn no_password_token_key_or_mail_text_reaches_the_log_at_any_verbosity() {
    let Some(()) = mailstack::up() else { return };
    let desk_user = new_user_with_password("vault", PASSWORD);
    let portal = new_user("portal");
    let agents = new_user("agents");
    let requester = new_user("lena");
    let desk = Desk::with_full_config("");
    let token_file = desk.path("imap-token");
    std::fs::write(&token_file, format!("{PASSWORD}\n")).expect("write token");
    std::fs::write(desk.path("smtp-password"), format!("{PASSWORD}\n")).expect("write");
    std::fs::write(desk.path("agents.key"), SIGNING_KEY).expect("write key");
    let config = imap_config(&desk_user, &portal, &agents, "")
        .replace(
            &format!("password = \"{}\"", mailstack::PASSWORD),
            &format!("password_command = \"cat {}\"", token_file.display()),
        )
        .replace(
            &format!("port = {}\ntls = \"none\"", mailstack::SMTP_PORT),
            &format!(
                "port = {}\ntls = \"starttls\"\nusername = \"{desk_user}\"\n\
                 password_file = \"smtp-password\"\nca_file = \"{}\"",
                mailstack::SUBMISSION_PORT,
                mailstack::ca_file().display()
            ),
        )
        .replace(
            &format!("queue = \"{agents}\""),
            &format!("queue = \"{agents}\"\nsecret_file = \"agents.key\""),
        );
    assert!(
        config.contains("password_command") && config.contains("secret_file"),
        "{config}"
    );
    std::fs::write(&desk.config, &config).expect("write config");

    /// The form the log takes: `--log-format`, or the journal as systemd sets it up.
    #[derive(Debug)]
    enum Form {
        Text,
        Json,
        Journal,
    }
    let runs: [(&[&str], Option<&str>, Form); 5] = [
        (&["-v"], None, Form::Text),
        (&["-vv"], None, Form::Text),
        (&[], Some("trace"), Form::Text),
        (&["-vv", "--log-format", "json"], None, Form::Json),
        (&[], Some("trace"), Form::Journal),
    ];
    let mut logs = Vec::new();
    for (round, (verbosity, rust_log, log_form)) in runs.iter().enumerate() {
        smtp_send(
            &requester,
            &[&desk_user],
            &person_mail(
                &format!("Lena <{requester}>"),
                &format!("Printer {round}"),
                &format!("logs-person-{round}@desk.test"),
                &format!("Hello, {PERSON_TEXT} no. {round} is broken."),
            ),
        );
        let form = portal_mail(
            &format!("logs-form-{round}@desk.test"),
            &[
                ("Naam", "Lena Jansen"),
                ("E-mail", &requester),
                ("Categorie", "hardware"),
                ("Prioriteit", "normaal"),
                ("Onderwerp", "Laptop"),
                ("Omschrijving", &format!("My {FORM_TEXT} no. {round}.")),
            ],
        )
        .replace("Portal <portal@example.org>", &portal);
        smtp_send(&portal, &[&desk_user], &form);
        mailstack::wait_for_mail_as(
            &desk_user,
            PASSWORD,
            2 * (round + 1),
            Duration::from_secs(20),
        );

        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"));
        cmd.arg("--config").arg(&desk.config).args(*verbosity);
        cmd.args(["run", "--once"]).env_remove("RUST_LOG");
        if let Some(filter) = rust_log {
            cmd.env("RUST_LOG", filter);
        }
        let journal = matches!(log_form, Form::Journal).then(|| Journal::listen(desk.dir.path()));
        let stderr = desk.path("stderr");
        if let Some(journal) = &journal {
            journal.attach(&mut cmd, &stderr);
        }
        let out = cmd.output().expect("run deskmail");
        let mut log = String::from_utf8_lossy(&out.stderr).into_owned();
        if let Some(journal) = &journal {
            // what went to the journal's stream, then every entry whole, fields and all
            log = std::fs::read_to_string(&stderr).expect("stderr");
            for entry in journal.settled() {
                log.push_str(&String::from_utf8_lossy(&entry.raw));
            }
        }
        if let Form::Json = log_form {
            assert!(
                log.lines()
                    .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
                "round {round}: JSON lines:\n{log}"
            );
        }
        assert!(out.status.success(), "round {round}:\n{log}");
        // the run did the work whose logging is under test: logged in, decided, signed, sent
        assert!(
            log.matches("decided").count() >= 2 && log.contains("sent"),
            "round {round}:\n{log}"
        );
        logs.push((
            format!("{verbosity:?} RUST_LOG={rust_log:?} {log_form:?}"),
            log,
        ));
    }

    // every mail went out: one portal reply (one a day per sender), a confirmation per form,
    // an agent notice per form
    mailstack::wait_for_mail(&requester, 1 + runs.len(), Duration::from_secs(20));
    let notices = mailstack::wait_for_mail(&agents, runs.len(), Duration::from_secs(20));
    let tokens: Vec<String> = notices
        .iter()
        .map(|n| {
            let reply_to = header(n, "Reply-To").expect("a notice has a Reply-To");
            let local = reply_to
                .rsplit_once('@')
                .map(|(l, _)| l.to_string())
                .unwrap_or_default();
            let token = local.rsplit_once('.').map(|(_, t)| t.to_string());
            token.unwrap_or_else(|| panic!("signed reply address: {reply_to}"))
        })
        .collect();

    let mut forbidden: Vec<(String, String)> = vec![
        ("the password".into(), PASSWORD.into()),
        (
            "base64 of the password (AUTH LOGIN)".into(),
            base64(PASSWORD.as_bytes()),
        ),
        (
            "AUTH PLAIN".into(),
            base64(format!("\0{desk_user}\0{PASSWORD}").as_bytes()),
        ),
        (
            "AUTH PLAIN with authzid".into(),
            base64(format!("{desk_user}\0{desk_user}\0{PASSWORD}").as_bytes()),
        ),
        (
            "XOAUTH2".into(),
            base64(format!("user={desk_user}\x01auth=Bearer {PASSWORD}\x01\x01").as_bytes()),
        ),
        ("the signing key".into(), SIGNING_KEY.into()),
        (
            "the signing key in base64".into(),
            base64(SIGNING_KEY.as_bytes()),
        ),
        ("a person's mail text".into(), PERSON_TEXT.into()),
        ("a portal form's text".into(), FORM_TEXT.into()),
    ];
    forbidden.extend(
        tokens
            .iter()
            .map(|t| ("a signed reply token".to_string(), t.clone())),
    );
    for (run, log) in &logs {
        for line in log.lines() {
            for (what, value) in &forbidden {
                assert!(
                    !line.contains(value.as_str()),
                    "{what} in the log of the run with {run}:\n{line}"
                );
            }
        }
    }
}
