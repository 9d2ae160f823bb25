//! Real mail when things go wrong: deskmail killed with SIGKILL in the middle of a backlog,
//! Dovecot restarted under a running deskmail, Postfix away while mail waits in the outbox, and
//! a wrong password. These tests stop and start the shared test servers, so they run one at a
//! time and leave the servers up.

mod common;
use common::mailstack::{self, imap_config, new_user, smtp_send, wait_for_mail};
use common::notify::NotifySocket;
use common::{Daemon, Desk, header, person_mail, portal_mail};
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
    portal: String,
    agents: String,
    desk: Desk,
}

/// The desk's mailboxes and config, or `None` (the test skips) when the servers cannot be had.
fn setup(extra_inbound: &str) -> Option<Setup> {
    mailstack::up()?;
    let desk_user = new_user("desk");
    let portal = new_user("portal");
    let agents = new_user("agents");
    // each plus-address stands for another person in these tests (one mailbox receives all
    // their answers): the limits per person, which fold `+tags`, are switched off here, and so
    // is the hourly cap on portal replies (the backlog holds more than its 500)
    let config = imap_config(&desk_user, &portal, &agents, extra_inbound).replace(
        &format!("senders = [\"{portal}\"]"),
        &format!("senders = [\"{portal}\"]\nreply_interval_hours = 0"),
    ) + "\n[limits]\nper_address_per_day = 0\nportal_replies_per_hour = 0\n";
    assert!(config.contains("reply_interval_hours = 0"), "{config}");
    let desk = Desk::with_full_config(&config);
    Some(Setup {
        desk_user,
        portal,
        agents,
        desk,
    })
}

/// `user@desk.test` → `user+N@desk.test`: another sender, the same mailbox.
fn plus(user: &str, n: usize) -> String {
    user.replacen('@', &format!("+{n}@"), 1)
}

/// A small xorshift generator: the kill points differ per run, and a failing run can be
/// repeated with its seed (`DESKMAIL_KILL_SEED`).
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Rng {
        let seed = std::env::var("DESKMAIL_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            .max(1);
        eprintln!("kill points from DESKMAIL_KILL_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Wait until `user`'s INBOX holds a mail for each of `want` keys (copies arrive too, and
/// must not be mistaken for the last ones), then a moment for late copies; returns them all.
fn wait_for_distinct(user: &str, key: impl Fn(&str) -> String, want: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let mails = mailstack::inbox(user);
        let distinct: std::collections::HashSet<String> = mails.iter().map(|m| key(m)).collect();
        if distinct.len() >= want {
            std::thread::sleep(Duration::from_secs(1));
            return mailstack::inbox(user);
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{user}: {} of {want} after 90 s\n{}",
            distinct.len(),
            mailstack::logs()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Group mails by what they answer; every group must be one mail, possibly delivered twice
/// (the send/commit window: killed after the server took it, before the store said so).
fn assert_once_per_key(
    mails: &[String],
    key: impl Fn(&str) -> String,
    want: usize,
    who: &str,
) -> usize {
    let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
    for mail in mails {
        let id = header(mail, "Message-ID").expect("Message-ID");
        by_key.entry(key(mail)).or_default().push(id);
    }
    assert_eq!(by_key.len(), want, "{who}: every mail answered once");
    let mut copies = 0;
    for (k, ids) in &by_key {
        assert!(
            ids.iter().all(|id| id == &ids[0]),
            "{who}: {k} answered by different mails: {ids:?}"
        );
        copies += ids.len() - 1;
    }
    copies
}

#[test]
fn sigkill_at_random_points_in_a_backlog_loses_nothing_and_answers_nothing_twice() {
    let _serial = serial();
    let Some(s) = setup("") else { return };
    let requesters: Vec<String> = (0..3).map(|i| new_user(&format!("req{i}"))).collect();
    let form_requester = new_user("formreq");
    let agents = s.agents.clone();
    // long enough that a dozen kills land amid the work (a group commit drains it fast), and
    // under the emergency brake's 1,000 mails an hour with the confirmations and notices
    let per_requester = 250;
    let forms = 90;
    let person = |r: usize, requester: &str, i: usize| {
        smtp_send(
            requester,
            &[&s.desk_user],
            &person_mail(
                // a plus-address per mail: another sender each time (see setup)
                &format!("Requester {r} <{}>", plus(requester, i)),
                &format!("Question {i}"),
                &format!("backlog-{r}-{i}@desk.test"),
                "My computer does not start, could you help me please?",
            ),
        )
    };
    // forms and person mails mixed, then the rest of the person mails
    for i in 0..per_requester {
        if i < forms {
            let form = portal_mail(
                &format!("kill-form-{i}@desk.test"),
                &[
                    ("Naam", "Fatima el Amrani"),
                    ("E-mail", &plus(&form_requester, i)),
                    ("Categorie", "hardware"),
                    ("Prioriteit", "normaal"),
                    ("Onderwerp", &format!("Laptop {i}")),
                    ("Omschrijving", "Blijft hangen op het logo."),
                ],
            )
            .replace("Portal <portal@example.org>", &s.portal);
            smtp_send(&s.portal, &[&s.desk_user], &form);
        }
        for (r, requester) in requesters.iter().enumerate() {
            person(r, requester, i);
        }
    }
    let total = requesters.len() * per_requester + forms;
    wait_for_mail(&s.desk_user, total, Duration::from_secs(60));

    // kill it at random points while it works through the backlog: before it connects, in the
    // middle of a batch, while it sends; until the work is done. The checks between kills read
    // only: a writer closing the database would tidy up the killed daemon's WAL for it.
    let db_path = s.desk.path("var/deskmail.sqlite");
    let read_only = || {
        rusqlite::Connection::open_with_flags(&db_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    };
    let state = || -> (i64, i64, i64) {
        let Ok(db) = read_only() else {
            return (0, 0, 0);
        };
        let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
        (
            count("SELECT count(*) FROM inbound"),
            count("SELECT count(*) FROM outbox WHERE state = 'sent'"),
            count("SELECT count(*) FROM outbox WHERE state != 'sent'"),
        )
    };
    let mut rng = Rng::from_env_or_clock();
    let (mut kills, mut working) = (0, 0);
    let mut last = state();
    while kills < 60 {
        let daemon = Daemon::start(&s.desk.config);
        std::thread::sleep(Duration::from_millis(30 + rng.below(400)));
        daemon.crash();
        kills += 1;
        let now = state();
        if now != last {
            working += 1; // it got something done in this run: the kill came amid work
        }
        last = now;
        if now.0 >= total as i64 && now.2 == 0 {
            break;
        }
    }
    let before = last.0;
    assert!(
        working >= 10,
        "only {working} of {kills} kills came while deskmail was working; make the backlog longer"
    );
    // then let it finish
    s.desk.ok(&["run", "--once"]);

    // every inbound mail recorded exactly once, and marked at the source
    let db = read_only().expect("database");
    let (rows, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT message_id) FROM inbound",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count inbound");
    assert_eq!(
        (rows, distinct),
        (total as i64, total as i64),
        "each mail processed once"
    );
    let tickets = s.desk.tickets_json();
    let decisions: Vec<(String, String, i64)> = db
        .prepare("SELECT decision, reason, count(*) FROM inbound GROUP BY 1, 2")
        .and_then(|mut q| {
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .expect("decisions");
    assert_eq!(
        tickets.as_array().map(Vec::len),
        Some(forms),
        "one ticket per form; decisions: {decisions:?}"
    );
    let unsent: i64 = db
        .query_row(
            "SELECT count(*) FROM outbox WHERE state != 'sent'",
            [],
            |r| r.get(0),
        )
        .expect("count outbox");
    assert_eq!(unsent, 0, "every decided mail sent");

    let unmarked = mailstack::folder(&s.desk_user, "INBOX")
        .iter()
        .filter(|(_, flags)| !flags.iter().any(|f| f.contains("$Deskmail")))
        .count();
    assert_eq!(unmarked, 0, "every mail marked processed at the source");

    // every decided mail arrived, and nothing was answered by two different mails
    let in_reply_to = |m: &str| header(m, "In-Reply-To").expect("In-Reply-To");
    let mut copies = 0;
    for requester in &requesters {
        let mails = wait_for_distinct(requester, in_reply_to, per_requester);
        copies += assert_once_per_key(&mails, in_reply_to, per_requester, requester);
    }
    let ticket_ref = |m: &str| {
        let subject = header(m, "Subject").expect("Subject");
        let start = subject.find("SD-").expect("ticket tag in the subject");
        subject[start..]
            .chars()
            .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
            .collect()
    };
    let confirmations = wait_for_distinct(&form_requester, ticket_ref, forms);
    copies += assert_once_per_key(&confirmations, ticket_ref, forms, "confirmations");
    let notices = wait_for_distinct(&agents, ticket_ref, forms);
    copies += assert_once_per_key(&notices, ticket_ref, forms, "agent notices");
    // a copy needs a kill in the window between the server's yes and the store's mark
    assert!(copies <= kills, "{copies} copies from {kills} kills");
    eprintln!(
        "{kills} kills ({working} amid work); {before} of {total} mails processed under them; \
         {copies} mails delivered twice from the send/commit window"
    );
}

#[test]
fn dovecot_restarted_under_a_running_deskmail_is_reconnected_to() {
    let _serial = serial();
    let Some(s) = setup("") else { return };
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

/// A mail from a new user Jan, taken in by a run at `now` with Postfix away: its answer waits
/// in the outbox (Postfix is back on return). Jan's address.
fn answer_waiting_for_postfix(s: &Setup, now: &str) -> String {
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
    let first = s.desk.run(&["--now", now, "run", "--once"]);
    mailstack::mailstack(&["up"]);
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{log}");
    assert!(log.contains("send failed, will retry"), "{log}");
    jan
}

#[test]
fn with_postfix_away_the_outbox_waits_and_delivers_when_it_returns() {
    let _serial = serial();
    let Some(s) = setup("") else { return };
    let jan = answer_waiting_for_postfix(&s, "2026-11-23T10:00:00+01:00");
    let queued: serde_json::Value =
        serde_json::from_str(&s.desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    let queued = &queued["mails"];
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
    let sent = &sent["mails"];
    assert_eq!(sent[0]["state"], "sent", "{sent}");
}

#[test]
fn a_wrong_password_gives_a_clear_error_and_no_busy_loop() {
    let _serial = serial();
    let Some(s) = setup("") else { return };
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

#[test]
fn with_dovecot_down_at_start_the_daemon_is_ready_sends_and_takes_mail_when_it_returns() {
    let _serial = serial();
    let Some(s) = setup("") else { return };
    // the answer waits in the outbox: Postfix was away at a run an hour ago
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    answer_waiting_for_postfix(&s, &an_hour_ago);

    // the IMAP server is down when the service starts
    mailstack::mailstack(&["stop", "dovecot"]);
    let mut systemd = NotifySocket::bind();
    let started = Instant::now();
    let daemon = Daemon::start_with_env(&s.desk.config, &[systemd.env()]);
    let ready = systemd.wait_for("READY=1", Duration::from_secs(10));
    let ready_after = started.elapsed();
    let away = systemd.wait_for_status("not reachable", Duration::from_secs(10));
    // the waiting answer goes out through Postfix while IMAP is away
    let sent = (0..150).any(|_| {
        let all: serde_json::Value =
            serde_json::from_str(&s.desk.ok(&["outbox", "list", "--json", "--all"])).expect("JSON");
        std::thread::sleep(Duration::from_millis(200));
        all["mails"]
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|m| m["state"] == "sent"))
    });
    mailstack::mailstack(&["up"]);
    assert!(
        ready.is_some(),
        "READY=1 while Dovecot is down: {:?}",
        systemd.received
    );
    assert!(
        ready_after < Duration::from_secs(5),
        "READY=1 after {ready_after:?}"
    );
    let away = away.unwrap_or_else(|| panic!("no status: {:?}", systemd.received));
    assert!(away.contains("IMAP"), "{away}");
    assert!(
        sent,
        "the queued answer was taken by Postfix while IMAP was away"
    );

    // back: new mail is taken, and systemd hears that the mailbox is read again
    let ann = new_user("ann");
    smtp_send(
        &ann,
        &[&s.desk_user],
        &person_mail(
            &format!("Ann <{ann}>"),
            "Scherm",
            "boot-2@desk.test",
            "Mijn scherm blijft zwart.",
        ),
    );
    // (Jan's answer, taken by Postfix while Dovecot was down, waits in Postfix's queue)
    wait_for_mail(&ann, 1, Duration::from_secs(60));
    assert!(
        systemd
            .wait_for_status("reading IMAP", Duration::from_secs(10))
            .is_some(),
        "{:?}",
        systemd.received
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("IMAP connection back"), "{log}");
}
