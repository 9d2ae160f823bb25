//! Real mail when things go wrong: deskmail killed with SIGKILL in the middle of a backlog,
//! Dovecot restarted under a running deskmail, Postfix away while mail waits in the outbox, and
//! a wrong password. These tests stop and start the shared test servers, so they run one at a
//! time and leave the servers up.

mod common;
use common::mailstack::{self, imap_config, new_user, smtp_send, wait_for_mail};
use common::{Daemon, Desk, header, person_mail};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One outage at a time: they share the servers.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Setup {
    desk_user: String,
    desk: Desk,
}

fn setup(extra_inbound: &str) -> Setup {
    mailstack::up();
    let desk_user = new_user("desk");
    let portal = new_user("portal");
    let agents = new_user("agents");
    let desk = Desk::with_full_config(&imap_config(&desk_user, &portal, &agents, extra_inbound));
    Setup { desk_user, desk }
}

/// `user@desk.test` → `user+N@desk.test`: another sender, the same mailbox.
fn plus(user: &str, n: usize) -> String {
    user.replacen('@', &format!("+{n}@"), 1)
}

#[test]
fn sigkill_during_a_backlog_loses_nothing_and_answers_nothing_twice() {
    let _serial = serial();
    let s = setup("");
    let requesters: Vec<String> = (0..3).map(|i| new_user(&format!("req{i}"))).collect();
    let per_requester = 100;
    for (r, requester) in requesters.iter().enumerate() {
        for i in 0..per_requester {
            smtp_send(
                requester,
                &[&s.desk_user],
                &person_mail(
                    // a plus-address per mail: the per-sender rate limit must not hide answers
                    &format!("Requester {r} <{}>", plus(requester, i)),
                    &format!("Question {i}"),
                    &format!("backlog-{r}-{i}@desk.test"),
                    "My computer does not start, could you help me please?",
                ),
            );
        }
    }
    let total = requesters.len() * per_requester;
    wait_for_mail(&s.desk_user, total, Duration::from_secs(60));

    // kill it at several points while it works through the backlog
    for delay_ms in [400u64, 900, 250, 1300, 600, 150] {
        let daemon = Daemon::start(&s.desk.config);
        std::thread::sleep(Duration::from_millis(delay_ms));
        daemon.crash();
    }
    // then let it finish
    s.desk.ok(&["run", "--once"]);

    for requester in &requesters {
        let replies = wait_for_mail(requester, per_requester, Duration::from_secs(60));
        // give a duplicate (if any) the chance to arrive before counting
        std::thread::sleep(Duration::from_secs(1));
        let replies = if replies.len() > per_requester {
            replies
        } else {
            mailstack::inbox(requester)
        };
        let mut by_original: HashMap<String, Vec<String>> = HashMap::new();
        for reply in &replies {
            let original = header(reply, "In-Reply-To").expect("In-Reply-To");
            let id = header(reply, "Message-ID").expect("Message-ID");
            by_original.entry(original).or_default().push(id);
        }
        assert_eq!(
            by_original.len(),
            per_requester,
            "every mail of {requester} answered"
        );
        for (original, ids) in &by_original {
            // a copy is only allowed from the send/commit window, and then it is the same mail
            assert!(
                ids.iter().all(|id| id == &ids[0]),
                "{original} answered by different mails: {ids:?}"
            );
        }
    }
}

#[test]
fn dovecot_restarted_under_a_running_deskmail_is_reconnected_to() {
    let _serial = serial();
    let s = setup("");
    let ann = new_user("ann");
    let daemon = Daemon::start(&s.desk.config);
    smtp_send(
        &ann,
        &[&s.desk_user],
        &person_mail(
            &format!("Ann <{ann}>"),
            "One",
            "r-1@desk.test",
            "First question.",
        ),
    );
    wait_for_mail(&ann, 1, Duration::from_secs(30));

    mailstack::mailstack(&["stop", "dovecot"]);
    std::thread::sleep(Duration::from_secs(3));
    mailstack::mailstack(&["up"]);
    smtp_send(
        &ann,
        &[&s.desk_user],
        &person_mail(
            &format!("Ann <{}>", plus(&ann, 2)),
            "Two",
            "r-2@desk.test",
            "Second question.",
        ),
    );
    wait_for_mail(&ann, 2, Duration::from_secs(60));

    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("reconnecting later"),
        "it said what it waits for: {log}"
    );
    assert!(log.contains("IMAP connection back"), "{log}");
}

#[test]
fn with_postfix_away_the_outbox_waits_and_delivers_when_it_returns() {
    let _serial = serial();
    let s = setup("");
    let jan = new_user("jan");
    smtp_send(
        &jan,
        &[&s.desk_user],
        &person_mail(
            &format!("Jan <{jan}>"),
            "Scherm",
            "pf-1@desk.test",
            "Mijn scherm blijft zwart.",
        ),
    );
    wait_for_mail(&s.desk_user, 1, Duration::from_secs(20));

    mailstack::mailstack(&["stop", "postfix"]);
    let first = s
        .desk
        .run(&["--now", "2026-11-23T10:00:00+01:00", "run", "--once"]);
    mailstack::mailstack(&["up"]);
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{log}");
    assert!(log.contains("send failed, will retry"), "{log}");
    let queued: serde_json::Value =
        serde_json::from_str(&s.desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    assert_eq!(queued[0]["state"], "pending", "{queued}");
    assert_eq!(queued[0]["attempts"], 1, "{queued}");
    assert!(
        queued[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("SMTP server 127.0.0.1")),
        "{queued}"
    );

    // before the retry time nothing is sent; after it, the mail goes
    s.desk
        .ok(&["--now", "2026-11-23T10:00:20+01:00", "run", "--once"]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        mailstack::inbox(&jan).is_empty(),
        "retry waits for its time"
    );
    s.desk
        .ok(&["--now", "2026-11-23T10:02:00+01:00", "run", "--once"]);
    let replies = wait_for_mail(&jan, 1, Duration::from_secs(20));
    assert_eq!(replies.len(), 1);
    let sent: serde_json::Value =
        serde_json::from_str(&s.desk.ok(&["outbox", "list", "--json", "--all"])).expect("JSON");
    assert_eq!(sent[0]["state"], "sent", "{sent}");
}

#[test]
fn a_wrong_password_gives_a_clear_error_and_no_busy_loop() {
    let _serial = serial();
    let s = setup("");
    let config = std::fs::read_to_string(&s.desk.config).expect("config");
    std::fs::write(
        &s.desk.config,
        config.replace("password = \"secret\"", "password = \"wrong\""),
    )
    .expect("write");

    let once = s.desk.run(&["run", "--once"]);
    assert_eq!(
        once.status.code(),
        Some(1),
        "a one-shot run that cannot log in fails"
    );
    let err = String::from_utf8_lossy(&once.stderr);
    assert!(
        err.contains("refused login") && err.contains("check inbound.username and the password"),
        "{err}"
    );

    let started = Instant::now();
    let daemon = Daemon::start(&s.desk.config);
    std::thread::sleep(Duration::from_secs(6));
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "still running, and stops cleanly: {log}");
    let attempts = log.matches("retry_in_s=").count();
    let elapsed = started.elapsed().as_secs();
    // backoff 1 s, 2 s, 4 s, …: a handful of attempts in six seconds, not hundreds
    assert!(
        (1..=6).contains(&attempts),
        "{attempts} login attempts in {elapsed} s: {log}"
    );
    assert!(log.contains("refused login"), "{log}");
}
