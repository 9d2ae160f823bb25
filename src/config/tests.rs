use super::*;

pub(crate) const MINIMAL: &str = r#"
[desk]
name = "Servicedesk"
address = "servicedesk@example.org"
timezone = "Europe/Amsterdam"
language = "nl"
[store]
path = "var/deskmail.sqlite"
[inbound]
kind = "maildir"
path = "inbox"
[outbound]
kind = "maildir"
path = "var/outbox"
[portal]
form_url = "https://portal.example.org/form"
senders = ["portal@example.org"]
[agents]
queue = "agents@example.org"
addresses = ["anna@example.org"]
"#;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(
        text,
        Path::new("/etc/deskmail/deskmail.toml"),
        Path::new("/etc/deskmail"),
    )
}

fn key_of(e: ConfigError) -> String {
    match e {
        ConfigError::Invalid { key, .. } => key,
        other => format!("not an Invalid error: {other}"),
    }
}

#[test]
fn minimal_config_loads_with_defaults_and_relative_paths() {
    let c = load(MINIMAL).unwrap();
    assert_eq!(
        c.store.path,
        PathBuf::from("/etc/deskmail/var/deskmail.sqlite")
    );
    assert_eq!(c.desk.message_id_domain, "deskmail.example.org");
    assert_eq!(c.tickets.ref_prefix, "SD-");
    assert_eq!(c.schedule.update_every_days, 2);
    assert!(matches!(&c.inbound.kind, InboundKind::Maildir { .. }));
    assert_eq!(c.inbound.processed, Processed::Seen);
    assert!(c.is_agent("Anna@Example.org"));
    assert!(c.is_portal_sender("portal+x@example.org"));
}

#[test]
fn the_packaged_example_is_refused_at_its_line_until_the_line_is_deleted() {
    let example = format!("# the example\nexample = true\n{MINIMAL}");
    let message = load(&example).map_err(|e| e.to_string());
    let Err(message) = message else {
        panic!("the example was accepted")
    };
    assert!(
        message
            .starts_with("config file /etc/deskmail/deskmail.toml line 2: config key `example`: ")
            && message.contains("is the packaged example")
            && message.contains("delete the line `example = true`"),
        "{message}"
    );
    assert!(load(&format!("example = false\n{MINIMAL}")).is_ok());
    let edited = example.replace("example = true\n", "");
    assert!(load(&edited).is_ok(), "the line deleted: accepted");
    // `config show` writes the config in effect, never the marker
    let shown = load(&edited).ok().and_then(|c| c.show().ok());
    assert!(shown.is_some_and(|s| !s.contains("example =")));
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        ("Europe/Amsterdam", "Mars/Olympus", "desk.timezone"),
        ("language = \"nl\"", "language = \"fr\"", "desk.language"),
        (
            "queue = \"agents@example.org\"",
            "queue = \"agents\"",
            "agents.queue",
        ),
        (
            "https://portal.example.org/form",
            "portal.example.org",
            "portal.form_url",
        ),
        (
            "https://portal.example.org/form",
            "https://[portal]/form",
            "portal.form_url",
        ),
        (
            "kind = \"maildir\"\npath = \"inbox\"",
            "kind = \"pop3\"",
            "inbound.kind",
        ),
    ];
    for (from, to, key) in cases {
        let err = load(&MINIMAL.replacen(from, to, 1)).unwrap_err();
        assert_eq!(key_of(err), key, "replacing {from:?}");
    }
    let err = load(&format!("{MINIMAL}[schedule]\nsend_from = \"19:00\"\n")).unwrap_err();
    assert_eq!(key_of(err), "schedule.send_until");
    let err = load(&format!("{MINIMAL}[sla]\nhigh = \"soon\"\n")).unwrap_err();
    assert_eq!(key_of(err), "sla.high");
    let err = load(&format!(
        "{MINIMAL}[calendar]\nholidays = [\"25-12-2026\"]\n"
    ))
    .unwrap_err();
    assert_eq!(key_of(err), "calendar.holidays");
}

#[test]
fn unknown_keys_and_syntax_errors_are_refused_with_the_name() {
    let err = load(&MINIMAL.replace("[agents]", "[agents]\nqueu = \"x@example.org\"")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("queu"), "{text}");
    assert!(matches!(
        load("[desk\nname=1"),
        Err(ConfigError::Syntax { .. })
    ));
}

const IMAP_SMTP: &str = r#"
[inbound]
kind = "imap"
host = "imap.example.org"
username = "servicedesk"
password = "secret"
processed = "move:Done"
[outbound]
kind = "smtp"
host = "smtp.example.org"
tls = "starttls"
"#;

fn with_mail(inbound_outbound: &str) -> Result<Config, ConfigError> {
    load(&with_mail_text(inbound_outbound))
}

/// MINIMAL with its `[inbound]` and `[outbound]` replaced.
fn with_mail_text(inbound_outbound: &str) -> String {
    let start = MINIMAL.find("[inbound]").unwrap_or(0);
    let end = MINIMAL.find("[portal]").unwrap_or(MINIMAL.len());
    format!("{}{inbound_outbound}{}", &MINIMAL[..start], &MINIMAL[end..])
}

#[test]
fn a_ca_file_is_loaded_at_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ca.pem");
    let with_ca = |contents: &str, section: &str| {
        std::fs::write(&pem, contents).unwrap();
        let line = format!("ca_file = \"{}\"\n", pem.display());
        with_mail(&IMAP_SMTP.replace(section, &format!("{section}\n{line}")))
    };
    let block = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let c = with_ca(block, "[outbound]").unwrap();
    assert!(matches!(&c.outbound, Outbound::Smtp(s) if s.ca_file.as_ref() == Some(&pem)));
    assert_eq!(
        key_of(with_ca("not a certificate", "[inbound]").unwrap_err()),
        "inbound.ca_file"
    );
    assert_eq!(
        key_of(with_ca("not a certificate", "[outbound]").unwrap_err()),
        "outbound.ca_file"
    );
}

#[test]
fn imap_and_smtp_sections_load_with_tls_defaults() {
    let c = with_mail(IMAP_SMTP).unwrap();
    let InboundKind::Imap(imap) = &c.inbound.kind else {
        panic!("not imap: {:?}", c.inbound.kind)
    };
    assert_eq!(
        (imap.port, imap.tls, imap.mailbox.as_str()),
        (993, TlsMode::Implicit, "INBOX")
    );
    assert_eq!(imap.secret, Secret::Password("secret".into()));
    assert_eq!(c.inbound.processed, Processed::Move("Done".into()));
    let Outbound::Smtp(smtp) = &c.outbound else {
        panic!("not smtp")
    };
    assert_eq!((smtp.port, smtp.tls), (587, TlsMode::StartTls));
    assert!(smtp.login.is_none());
}

#[test]
fn plaintext_only_to_loopback_and_secrets_are_checked() {
    let plain = IMAP_SMTP.replace(
        "host = \"imap.example.org\"",
        "host = \"imap.example.org\"\ntls = \"none\"",
    );
    assert_eq!(key_of(with_mail(&plain).unwrap_err()), "inbound.tls");
    let local = IMAP_SMTP.replace(
        "host = \"imap.example.org\"",
        "host = \"127.0.0.1\"\ntls = \"none\"",
    );
    assert!(with_mail(&local).is_ok());
    let two = IMAP_SMTP.replace(
        "password = \"secret\"",
        "password = \"secret\"\npassword_command = \"pass x\"",
    );
    assert_eq!(key_of(with_mail(&two).unwrap_err()), "inbound.password");
    let oauth = IMAP_SMTP.replace(
        "password = \"secret\"",
        "password = \"secret\"\nauth = \"xoauth2\"",
    );
    assert_eq!(
        key_of(with_mail(&oauth).unwrap_err()),
        "inbound.password_command"
    );
    assert!(
        is_loopback("::1")
            && is_loopback("[::1]")
            && is_loopback("localhost")
            && is_loopback("127.0.0.2")
    );
    assert!(!is_loopback("10.0.0.1") && !is_loopback("mail.example.org"));
}

#[test]
fn config_addresses_follow_the_one_address_rule() {
    for (email, valid) in crate::model::ADDRESS_CASES {
        let text = MINIMAL.replacen("servicedesk@example.org", &email.replace('"', "\\\""), 1);
        let result = load(&text);
        assert_eq!(result.is_ok(), *valid, "{email}");
        if !valid {
            assert_eq!(key_of(result.unwrap_err()), "desk.address", "{email}");
        }
    }
}

#[test]
fn a_tls_mode_that_does_not_fit_the_port_is_warned_about() {
    let warned = |inbound: &str, outbound: &str| {
        let text = IMAP_SMTP
            .replace(
                "host = \"imap.example.org\"",
                &format!("host = \"imap.example.org\"\n{inbound}"),
            )
            .replace("tls = \"starttls\"", outbound);
        let c = with_mail(&text).unwrap();
        warnings(&c).into_iter().map(|w| w.key).collect::<Vec<_>>()
    };
    assert!(
        warned("", "tls = \"starttls\"").is_empty(),
        "the defaults fit"
    );
    assert_eq!(
        warned("tls = \"starttls\"\nport = 993", "tls = \"starttls\""),
        ["inbound.tls"]
    );
    assert_eq!(warned("port = 143", "tls = \"starttls\""), ["inbound.tls"]);
    assert_eq!(
        warned("", "tls = \"starttls\"\nport = 465"),
        ["outbound.tls"]
    );
    assert_eq!(
        warned("", "tls = \"implicit\"\nport = 587"),
        ["outbound.tls"]
    );
    assert_eq!(
        warned("", "tls = \"implicit\"\nport = 25"),
        ["outbound.tls"]
    );
    assert!(
        warned("port = 10993", "tls = \"implicit\"\nport = 10465").is_empty(),
        "other ports: no guess"
    );
    let text = &warnings(
        &with_mail(&IMAP_SMTP.replace("tls = \"starttls\"", "tls = \"starttls\"\nport = 465"))
            .unwrap(),
    )[0]
    .text;
    assert!(
        text.contains("tls = \"implicit\"") && !text.contains("StartTls"),
        "{text}"
    );
}

#[test]
fn out_of_range_values_are_refused_not_clamped() {
    let cases = [
        (
            "[portal]",
            "[portal]\nexcerpt_chars = 10",
            "portal.excerpt_chars",
            "from 50 to 4000",
        ),
        (
            "[portal]",
            "[portal]\nreply_interval_hours = 1000",
            "portal.reply_interval_hours",
            "from 0 to 720",
        ),
        (
            "[inbound]",
            "[inbound]\npoll_seconds = 0",
            "inbound.poll_seconds",
            "from 1 to 3600",
        ),
        (
            "[inbound]",
            "[inbound]\nmax_message_bytes = 10",
            "inbound.max_message_bytes",
            "at least 1024",
        ),
        (
            "[agents]",
            "[tickets]\nfirst_number = 0\n[agents]",
            "tickets.first_number",
            "at least 1",
        ),
        (
            "[agents]",
            "[schedule]\ntick_seconds = 0\n[agents]",
            "schedule.tick_seconds",
            "from 1 to 3600",
        ),
    ];
    for (from, to, key, range) in cases {
        let err = load(&MINIMAL.replacen(from, to, 1)).expect_err(key);
        let text = err.to_string();
        assert_eq!(key_of(err), key);
        assert!(text.contains(range), "{text}");
    }
    let smtp = IMAP_SMTP.replace(
        "tls = \"starttls\"",
        "tls = \"starttls\"\ntimeout_seconds = 601",
    );
    assert_eq!(
        key_of(with_mail(&smtp).unwrap_err()),
        "outbound.timeout_seconds"
    );
    let empty = MINIMAL.replace("senders = [\"portal@example.org\"]", "senders = []");
    assert_eq!(key_of(load(&empty).unwrap_err()), "portal.senders");
}

#[test]
fn a_value_error_names_the_file_and_the_line() {
    let err = load(&MINIMAL.replace("Europe/Amsterdam", "Mars/Olympus")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "config file /etc/deskmail/deskmail.toml line 5: config key `desk.timezone`: \
         \"Mars/Olympus\" is not a time zone; use an IANA name such as \"Europe/Amsterdam\""
    );
}

#[test]
fn passwords_are_only_named_at_load_never_read() {
    // a password file that is not there, and no password at all: both load, for the commands
    // that never log in; `run` and `check-config` read them (tests/checks.rs)
    let file = IMAP_SMTP.replace(
        "password = \"secret\"",
        "password_file = \"/nonexistent/pw\"",
    );
    let c = with_mail(&file).unwrap();
    assert_eq!(
        c.secrets(),
        [(
            "inbound",
            &Secret::File("/nonexistent/pw".into()),
            AuthMechanism::Password
        )]
    );
    let none = IMAP_SMTP.replace("password = \"secret\"\n", "").replace(
        "tls = \"starttls\"",
        "tls = \"starttls\"\nusername = \"desk\"",
    );
    let c = with_mail(&none).unwrap();
    assert_eq!(
        c.secrets(),
        [
            (
                "inbound",
                &Secret::Credential("imap-password"),
                AuthMechanism::Password
            ),
            (
                "outbound",
                &Secret::Credential("smtp-password"),
                AuthMechanism::Password
            )
        ]
    );
    // the value itself never shows, not even in debug output
    let c = with_mail(IMAP_SMTP).unwrap();
    assert!(!format!("{c:?}").contains("\"secret\""));
}

/// `[inbound]` and `[outbound]` both logging in with an OAuth2 token from one helper.
const OAUTH: &str = r#"
[inbound]
kind = "imap"
host = "outlook.office365.com"
username = "servicedesk@example.org"
auth = "xoauth2"
password_command = "/usr/local/bin/m365-token"
[outbound]
kind = "smtp"
host = "smtp.office365.com"
tls = "starttls"
username = "servicedesk@example.org"
auth = "xoauth2"
password_command = "/usr/local/bin/m365-token"
"#;

#[test]
fn xoauth2_takes_its_token_from_a_helper_for_imap_and_smtp() {
    let c = with_mail(OAUTH).unwrap();
    let helper = Secret::Command("/usr/local/bin/m365-token".into());
    assert_eq!(
        c.secrets(),
        [
            ("inbound", &helper, AuthMechanism::OAuth2),
            ("outbound", &helper, AuthMechanism::OAuth2)
        ]
    );
    let outbound_password =
        OAUTH.replacen("password_command = \"/usr/local/bin/m365-token\"", "", 2)
            + "password_file = \"/etc/deskmail/pw\"\n";
    let e = with_mail(&outbound_password).unwrap_err();
    assert_eq!(key_of(e), "inbound.password_command");
    let smtp_file = OAUTH.replace(
        "tls = \"starttls\"\nusername = \"servicedesk@example.org\"\nauth = \"xoauth2\"\n\
         password_command = \"/usr/local/bin/m365-token\"",
        "tls = \"starttls\"\nusername = \"servicedesk@example.org\"\nauth = \"xoauth2\"\n\
         password_file = \"/etc/deskmail/pw\"",
    );
    assert_eq!(
        key_of(with_mail(&smtp_file).unwrap_err()),
        "outbound.password_command"
    );
    let smtp_anonymous = OAUTH.replace(
        "tls = \"starttls\"\nusername = \"servicedesk@example.org\"\nauth = \"xoauth2\"\n\
         password_command = \"/usr/local/bin/m365-token\"",
        "tls = \"starttls\"\nauth = \"xoauth2\"",
    );
    assert_eq!(
        key_of(with_mail(&smtp_anonymous).unwrap_err()),
        "outbound.username"
    );
    let unknown = OAUTH.replacen("auth = \"xoauth2\"", "auth = \"oauth3\"", 2);
    assert_eq!(key_of(with_mail(&unknown).unwrap_err()), "inbound.auth");
    // and `config show` writes it back as it was
    let shown = c.show().unwrap();
    let again = Config::from_toml(&shown, &c.file, c.file.parent().unwrap()).unwrap();
    assert_eq!(format!("{again:?}"), format!("{c:?}"), "{shown}");
    assert_eq!(shown.matches("auth = \"xoauth2\"").count(), 2, "{shown}");
}

#[test]
fn config_show_loads_back_to_the_same_configuration() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let with_secrets = format!(
        "{}\n[templates]\npath = \"/srv/templates\"\n",
        with_mail_text(&IMAP_SMTP.replace(
            "tls = \"starttls\"",
            "tls = \"starttls\"\nusername = \"desk\"\npassword_command = \"pass smtp\""
        ))
    );
    let configs = [
        // the production example as a desk would have it: the `example = true` line deleted
        Config::from_toml(
            &std::fs::read_to_string(shipped.join("deskmail.toml"))
                .unwrap()
                .replace("example = true\n", ""),
            &shipped.join("deskmail.toml"),
            &shipped,
        )
        .unwrap(),
        Config::load(&shipped.join("demo.toml")).unwrap(),
        load(&with_secrets).unwrap(),
    ];
    for config in configs {
        let shown = config.show().unwrap();
        assert!(!shown.contains("\"secret\""), "{shown}");
        let base = config.file.parent().unwrap();
        let again = Config::from_toml(&shown, &config.file, base)
            .unwrap_or_else(|e| panic!("{e}\n{shown}"));
        // a password written in the config is the one thing that does not come back
        let debug = |c: &Config| format!("{c:?}");
        assert_eq!(debug(&again), debug(&config), "{shown}");
    }
}
