//! A desk that pins its own mail server's self-signed certificate (`ca_file` holding exactly
//! the server's certificate, as `openssl req -x509` makes it: CA:TRUE), against the real
//! Dovecot and Postfix presenting such a certificate: IMAP (implicit TLS and STARTTLS) and SMTP
//! (STARTTLS and implicit TLS) trust it; a different self-signed certificate is refused, saying so.

mod common;
use common::mailstack::{
    self, DeskUsers, PINNED_SMTPS_PORT, PINNED_SUBMISSION_PORT, desk_users, new_user,
    selfsigned_cert, smtp_send, tls_config, wait_for_mail,
};
use common::{Desk, person_mail};
use std::path::{Path, PathBuf};
use std::time::Duration;

const IMAPS: (u16, &str) = (mailstack::IMAPS_PORT, "implicit");
const SUBMISSION: (u16, &str) = (PINNED_SUBMISSION_PORT, "starttls");
const SMTPS: (u16, &str) = (PINNED_SMTPS_PORT, "implicit");

/// A desk with this config and a mail from a new requester waiting; the requester's address.
fn desk_with_mail(u: &DeskUsers, config: &str) -> (Desk, String) {
    let desk = Desk::with_full_config(config);
    let requester = new_user("req");
    smtp_send(
        &requester,
        &[&u.desk],
        &person_mail(
            &format!("Req <{requester}>"),
            "Wifi",
            &format!("pin-{requester}"),
            "De wifi valt steeds weg.",
        ),
    );
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    (desk, requester)
}

#[test]
fn the_pinned_self_signed_certificate_is_trusted_for_imap_and_smtp() {
    let pinned = selfsigned_cert();
    let imap_starttls = (mailstack::IMAP_PORT, "starttls");
    for (imap, smtp) in [(IMAPS, SUBMISSION), (imap_starttls, SMTPS)] {
        let Some(u) = desk_users() else { return };
        let config = tls_config(&u.desk, &u.portal, &u.agents, imap, smtp, &pinned);
        let (desk, requester) = desk_with_mail(&u, &config);
        desk.ok(&["run", "--once"]);
        wait_for_mail(&requester, 1, Duration::from_secs(20));
    }
}

/// Another self-signed certificate for `localhost`, made the same way.
fn other_selfsigned(dir: &Path) -> PathBuf {
    let pem = dir.join("other.pem");
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(dir.join("other.key"))
        .arg("-out")
        .arg(&pem)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pem
}

#[test]
fn a_different_self_signed_certificate_is_refused_saying_so() {
    let Some(u) = desk_users() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let other = other_selfsigned(dir.path());
    let words = format!("is not the one in {}", other.display());

    // IMAP: the run fails and says why
    let config = tls_config(&u.desk, &u.portal, &u.agents, IMAPS, SUBMISSION, &other);
    let out = Desk::with_full_config(&config).run(&["run", "--once"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&words), "{err}");
    assert!(!err.contains("CaUsedAsEndEntity"), "{err}");

    // SMTP (STARTTLS and implicit TLS): the answer waits in the outbox, saying why
    for smtp in [SUBMISSION, SMTPS] {
        let Some(u) = desk_users() else { return };
        // IMAP trusts the right certificate (the first ca_file), SMTP the other one
        let config = tls_config(&u.desk, &u.portal, &u.agents, IMAPS, smtp, &other).replacen(
            &format!("ca_file = \"{}\"", other.display()),
            &format!("ca_file = \"{}\"", selfsigned_cert().display()),
            1,
        );
        let (desk, _) = desk_with_mail(&u, &config);
        let out = desk.run(&["run", "--once"]);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{log}");
        assert!(log.contains(&words), "{smtp:?}: {log}");
        let outbox: serde_json::Value =
            serde_json::from_str(&desk.ok(&["outbox", "list", "--json"])).expect("JSON");
        assert_eq!(outbox["mails"][0]["state"], "pending", "{outbox}");
        assert!(
            outbox["mails"][0]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains(&words)),
            "{outbox}"
        );
    }
}
