//! The systemd unit as shipped (`systemd/deskmail.service`): its commands, run as systemd would
//! run them, against a desk of the tests. The unit under a real systemd: `scripts/systemd-test`.

mod common;
use common::{BASE_CONFIG, Desk};
use std::path::Path;

/// The unit's `KEY=` command lines, split into words, with the installed paths of binary and
/// config replaced by the test's.
fn unit_commands(key: &str, config: &Path) -> Vec<Vec<String>> {
    unit()
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(|cmd| {
            cmd.split_whitespace()
                .map(|w| match w {
                    "/usr/bin/deskmail" => env!("CARGO_BIN_EXE_deskmail").to_string(),
                    "/etc/deskmail/deskmail.toml" => config.display().to_string(),
                    w => w.to_string(),
                })
                .collect()
        })
        .collect()
}

fn unit() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/deskmail.service"))
        .expect("read the unit")
}

fn run(cmd: &[String]) -> std::process::Output {
    std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .env_remove("RUST_LOG")
        .output()
        .expect("run the unit's command")
}

#[test]
fn a_reload_with_a_bad_config_fails_before_the_daemon_is_signalled() {
    let desk = Desk::with_config("");
    let reload = unit_commands("ExecReload", &desk.config);
    assert_eq!(reload.len(), 2, "{reload:?}");
    assert_eq!(reload[1], ["/bin/kill", "-HUP", "$MAINPID"], "{reload:?}");

    let good = run(&reload[0]);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    // systemd runs the lines in order and stops at the first that fails: `systemctl reload`
    // then fails with the check's words in the journal, and the daemon keeps its config
    std::fs::write(
        &desk.config,
        BASE_CONFIG.replace("Europe/Amsterdam", "Mars/Base"),
    )
    .expect("write");
    let bad = run(&reload[0]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("desk.timezone"), "{err}");
}

#[test]
fn the_service_does_not_start_on_a_bad_config_and_is_not_restarted_for_it() {
    let desk = Desk::with_config("");
    std::fs::write(&desk.config, BASE_CONFIG.replace("queue = ", "queue_x = ")).expect("write");
    let pre = unit_commands("ExecStartPre", &desk.config);
    assert_eq!(pre.len(), 1, "{pre:?}");
    let out = run(&pre[0]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(unit().lines().any(|l| l == "RestartPreventExitStatus=2"));
}

/// The directive lines (no comments, no blanks) of a unit file in `systemd/`.
fn directives(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("systemd")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn the_template_unit_is_the_service_per_desk_with_the_same_hardening() {
    // what differs per desk: the config, the passwords, the database folder, the description
    let per_desk = |l: &str| {
        l.replace("/usr/local/bin/deskmail", "/usr/bin/deskmail")
            .replace("/etc/deskmail/deskmail.toml", "/etc/deskmail/%i.toml")
            .replace(
                "/etc/deskmail/imap-password",
                "/etc/deskmail/%i/imap-password",
            )
            .replace(
                "/etc/deskmail/smtp-password",
                "/etc/deskmail/%i/smtp-password",
            )
            .replace("StateDirectory=deskmail", "StateDirectory=deskmail/%i")
            .replace("mail bot", "mail bot for the desk %i")
    };
    let single: Vec<String> = directives("deskmail.service")
        .iter()
        .map(|l| per_desk(l))
        .collect();
    let template = directives("deskmail@.service");
    let missing: Vec<_> = single.iter().filter(|l| !template.contains(l)).collect();
    let extra: Vec<_> = template.iter().filter(|l| !single.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "deskmail@.service differs from deskmail.service in more than the desk: \
         missing {missing:?}, extra {extra:?}"
    );
    // and each instance has its own everything
    for key in ["ExecStart=", "LoadCredential=imap", "StateDirectory="] {
        let line = template.iter().find(|l| l.starts_with(key));
        assert!(line.is_some_and(|l| l.contains("%i")), "{key}: {line:?}");
    }
}
