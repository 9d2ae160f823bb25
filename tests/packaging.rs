//! What the Debian package (scripts/package) puts beside the binary, made by the binary itself:
//! man pages that `man` renders and shell completions that know the commands. The package
//! itself, installed under a real systemd: scripts/systemd-test.

mod common;
use std::path::Path;
use std::process::{Command, Output};

fn deskmail(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .expect("run deskmail")
}

/// `man -l PAGE` as a reader sees it (plain text, wide lines), with groff's warnings.
fn man(page: &Path) -> Option<(String, String)> {
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "200")
        .env("MAN_KEEP_FORMATTING", "")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .ok()?;
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn generate_man_writes_a_page_per_command_and_the_config_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = deskmail(&["generate-man", &dir.path().to_string_lossy()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let man1 = dir.path().join("man1");
    for group in [
        "",
        "-check-config",
        "-run",
        "-tickets",
        "-tickets-show",
        "-outbox",
        "-backup",
    ] {
        assert!(
            man1.join(format!("deskmail{group}.1")).is_file(),
            "deskmail{group}.1"
        );
    }
    assert!(
        !man1.join("deskmail-generate-man.1").exists(),
        "a hidden command has no page"
    );
    let config_page = dir.path().join("man5/deskmail.toml.5");
    assert!(config_page.is_file());

    let Some((top, warnings)) = man(&man1.join("deskmail.1")) else {
        return common::skip::<()>("man (Debian's man-db)").unwrap_or_default();
    };
    assert!(warnings.is_empty(), "{warnings}");
    assert!(
        top.contains("deskmail - Mail bot for IT service desks"),
        "{top}"
    );
    assert!(
        top.contains("deskmail-tickets(1)") && top.contains("deskmail.toml(5)"),
        "{top}"
    );
    assert!(
        top.contains("2026-01-01"),
        "dated by SOURCE_DATE_EPOCH: {top}"
    );
    let (tickets, _) = man(&man1.join("deskmail-tickets-list.1")).unwrap_or_default();
    assert!(
        tickets.contains("--json") && tickets.contains("--config"),
        "{tickets}"
    );

    let Some((reference, warnings)) = man(&config_page) else {
        return common::skip::<()>("man (Debian's man-db)").unwrap_or_default();
    };
    assert!(warnings.is_empty(), "{warnings}");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let keys = readme
        .lines()
        .skip_while(|l| *l != "## Configuration reference")
        .take_while(|l| *l != "## Template reference")
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next());
    let mut n = 0;
    for key in keys {
        n += 1;
        // a key heads its entry: the outer indent (a paragraph's is deeper)
        let heads = |l: &str| l.starts_with("       ") && !l.starts_with("        ");
        assert!(
            reference.lines().any(|l| heads(l) && l.contains(key)),
            "{key} is not in deskmail.toml(5)"
        );
    }
    assert!(n > 50, "{n} keys");
    assert!(reference.contains("Default: 90."), "{reference}");
}

#[test]
fn completions_know_the_commands_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = deskmail(&["completions", shell]);
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["check-config", "tickets", "outbox", "config"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // bash can load it and completes a command name
    let script = String::from_utf8_lossy(&deskmail(&["completions", "bash"]).stdout).into_owned();
    let Ok(out) = Command::new("bash")
        .args([
            "-c",
            &format!(
                "{script}\nCOMP_WORDS=(deskmail tick); COMP_CWORD=1; COMP_LINE='deskmail tick'; \
                 COMP_POINT=13; _deskmail deskmail tick deskmail; echo \"${{COMPREPLY[@]}}\""
            ),
        ])
        .output()
    else {
        return common::skip::<()>("bash").unwrap_or_default();
    };
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "tickets");
    let out = deskmail(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}
