//! OAuth2 against a real server: Dovecot's oauth2 passdb checks every token at the test mail
//! stack's token endpoint, for IMAP and (through Dovecot SASL) for Postfix submission. The desk's
//! `password_command` is a token helper that asks that endpoint, so these tests choose each
//! token's lifetime — or hand out one the endpoint never minted.

mod common;
use common::imap_relay::ImapRelay;
use common::mailstack::{self, desk_users, new_user, smtp_send, wait_for_mail};
use common::oauth::{TokenHelper, kick, oauth_config};
use common::{Daemon, Desk, header, person_mail};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// Jan mails the desk; returns Jan's address.
fn jan_writes(desk: &str, message_id: &str) -> String {
    let jan = new_user("jan");
    smtp_send(
        &jan,
        &[desk],
        &person_mail(
            &format!("Jan de Vries <{jan}>"),
            "Printer kapot",
            message_id,
            "De printer op 3 doet het niet meer.",
        ),
    );
    jan
}

/// A desk on the test servers logging in with tokens from a helper following `plan`.
fn oauth_desk(plan: &[&str]) -> Option<(mailstack::DeskUsers, Desk, TokenHelper)> {
    let u = desk_users()?;
    let helper = TokenHelper::new(&u.desk, plan);
    let desk = Desk::with_full_config(&oauth_config(&u.desk, &u.portal, &u.agents, &helper));
    Some((u, desk, helper))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_desk_on_oauth2_reads_and_answers_mail_with_one_token_for_imap_and_smtp() {
    let Some((u, desk, helper)) = oauth_desk(&["3600"]) else {
        return;
    };
    let check = desk.run(&["check-config", "--connect"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}\n{}", stderr(&check));
    // Dovecot offers OAUTHBEARER, so IMAP takes it; SMTP speaks XOAUTH2
    assert!(
        report.contains(&format!("ok       AUTHENTICATE OAUTHBEARER as {}", u.desk))
            && report.contains(&format!("ok       AUTH XOAUTH2 as {}", u.desk)),
        "{report}"
    );
    assert_eq!(helper.runs(), 1, "check-config fetched one token for both");

    let jan = jan_writes(&u.desk, "oauth-1@desk.test");
    wait_for_mail(&u.desk, 1, WAIT);
    let run = desk.run(&["run", "--once"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let replies = wait_for_mail(&jan, 1, WAIT);
    assert_eq!(
        header(&replies[0], "In-Reply-To").as_deref(),
        Some("<oauth-1@desk.test>")
    );
    // the start's check, the IMAP login and the SMTP login: one token, fetched once
    assert_eq!(helper.runs(), 2, "one more run for `run --once`");
    let log = stderr(&run);
    assert!(log.contains("OAuth2 token fetched"), "{log}");
    assert!(!log.contains("refused"), "{log}");
    helper.assert_not_in(&format!("{log}{report}{}", stderr(&check)));
}

#[test]
fn an_expired_token_is_refused_with_a_clear_log_line_and_the_mail_waits() {
    let Some((u, desk, helper)) = oauth_desk(&["-60"]) else {
        return;
    };
    let jan = jan_writes(&u.desk, "oauth-expired@desk.test");
    wait_for_mail(&u.desk, 1, WAIT);
    let run = desk.run(&["run", "--once"]);
    let log = stderr(&run);
    assert!(
        log.contains("the OAuth2 token helper printed a token that has already expired"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "IMAP server 127.0.0.1 refused the OAuth2 token for {} (OAUTHBEARER, status \
             invalid_token), also a freshly fetched one (check the token helper in \
             inbound.password_command",
            u.desk
        )),
        "{log}"
    );
    assert!(mailstack::inbox(&jan).is_empty(), "nothing was answered");
    // submission refuses it the same way
    let check = desk.run(&["check-config", "--connect"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "failed   AUTH XOAUTH2 as {0}: SMTP server 127.0.0.1:{1}: refused the OAuth2 token \
             for {0} (XOAUTH2, status 401), also a freshly fetched one",
            u.desk,
            mailstack::SUBMISSION_PORT
        )),
        "{report}"
    );
    helper.assert_not_in(&format!("{log}{report}{}", stderr(&check)));

    // with good tokens again, the waiting mail is answered
    helper.plan(&["3600"]);
    let run = desk.run(&["run", "--once"]);
    assert!(run.status.success(), "{}", stderr(&run));
    wait_for_mail(&jan, 1, WAIT);
}

#[test]
fn a_refused_token_is_replaced_by_a_fresh_one_and_the_login_goes_on() {
    let Some((u, desk, helper)) = oauth_desk(&["revoked", "3600"]) else {
        return;
    };
    let jan = jan_writes(&u.desk, "oauth-revoked@desk.test");
    wait_for_mail(&u.desk, 1, WAIT);
    let run = desk.run(&["run", "--once"]);
    let log = stderr(&run);
    assert!(run.status.success(), "{log}");
    wait_for_mail(&jan, 1, WAIT);
    assert!(
        log.contains("IMAP server refused the OAuth2 token; fetching a fresh one"),
        "{log}"
    );
    assert!(!log.contains("also a freshly fetched one"), "{log}");
    // the revoked token and the fresh one, which SMTP then used too
    assert_eq!(helper.runs(), 2, "{log}");
    helper.assert_not_in(&log);
}

#[test]
fn a_token_is_used_until_it_nears_its_expiry_and_then_fetched_afresh() {
    // 8 s: renewed in its last quarter, after 6 s
    let Some((u, desk, helper)) = oauth_desk(&["8"]) else {
        return;
    };
    let daemon = Daemon::start(&desk.config);
    let jan = jan_writes(&u.desk, "oauth-renew-1@desk.test");
    wait_for_mail(&jan, 1, WAIT);
    let before = helper.runs();
    // a new login within the token's life takes the held one
    if before == 1 {
        kick(&u.desk);
        std::thread::sleep(Duration::from_secs(2));
    }
    let held = helper.runs();
    std::thread::sleep(Duration::from_secs(7));
    // the server ends the session; the next login needs a token, and the held one is too old
    kick(&u.desk);
    let ann = jan_writes(&u.desk, "oauth-renew-2@desk.test");
    wait_for_mail(&ann, 1, WAIT);
    let (_, log) = daemon.stop();
    assert!(
        helper.runs() > held,
        "a fresh token for the new login\n{log}"
    );
    if before == 1 {
        assert_eq!(held, 1, "the held token served the second login\n{log}");
    }
    assert!(!log.contains("refused the OAuth2 token"), "{log}");
    assert!(
        log.matches("IMAP mailbox selected").count() >= 2,
        "logged in again\n{log}"
    );
    helper.assert_not_in(&log);
}

#[test]
fn a_server_offering_only_xoauth2_gets_an_xoauth2_login_and_the_mail_is_answered() {
    // Microsoft 365 offers XOAUTH2 only: the relay hides Dovecot's OAUTHBEARER. The first token
    // is one the endpoint never minted, so Dovecot's XOAUTH2 refusal is met as well.
    let Some(u) = desk_users() else {
        return;
    };
    let helper = TokenHelper::new(&u.desk, &["revoked", "3600"]);
    let relay = ImapRelay::hiding("OAUTHBEARER");
    let config = oauth_config(&u.desk, &u.portal, &u.agents, &helper).replace(
        &format!("port = {}\ntls = \"starttls\"", mailstack::IMAP_PORT),
        &format!("port = {}\ntls = \"none\"", relay.addr.port()),
    );
    assert!(
        config.contains(&format!("port = {}", relay.addr.port())),
        "{config}"
    );
    let desk = Desk::with_full_config(&config);
    let log_end = mailstack::dovecot_log_end();

    let check = desk.run(&["check-config", "--connect"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}\n{}", stderr(&check));
    assert!(
        report.contains(&format!("ok       AUTHENTICATE XOAUTH2 as {}", u.desk)),
        "{report}"
    );
    assert!(
        stderr(&check).contains("IMAP server refused the OAuth2 token; fetching a fresh one"),
        "{}",
        stderr(&check)
    );

    let jan = jan_writes(&u.desk, "oauth-xoauth2@desk.test");
    wait_for_mail(&u.desk, 1, WAIT);
    let run = desk.run(&["run", "--once"]);
    let log = stderr(&run);
    assert!(run.status.success(), "{log}");
    let replies = wait_for_mail(&jan, 1, WAIT);
    assert_eq!(
        header(&replies[0], "In-Reply-To").as_deref(),
        Some("<oauth-xoauth2@desk.test>")
    );
    // every login went by XOAUTH2: the refused one, its retry, and the run's
    assert_eq!(
        relay.authenticate_commands(),
        ["AUTHENTICATE XOAUTH2"; 3],
        "{log}"
    );
    // and Dovecot itself checked the token and let the desk in by that mechanism
    let dovecot = mailstack::dovecot_log_since(log_end);
    assert!(
        dovecot.contains(&format!("Login: user=<{}>, method=XOAUTH2", u.desk)),
        "no XOAUTH2 login of {} in Dovecot's log",
        u.desk
    );
    helper.assert_not_in(&format!("{log}{report}{}", stderr(&check)));
}
