//! Real mail, end to end: mail sent through Postfix to the desk's Dovecot mailbox is read by
//! deskmail over IMAP (STARTTLS, the test CA), and its answers go out through Postfix into the
//! requesters' mailboxes.

mod common;
use common::mailstack::{self, imap_config, new_user, smtp_send, wait_for_mail};
use common::{Daemon, Desk, header, person_mail, portal_mail};
use std::time::Duration;

use common::mailstack::{DeskUsers as Users, desk_users as users};

/// The portal mails the desk a form for `requester`.
fn send_form(u: &Users, message_id: &str, requester: &str, priority: &str) {
    let form = portal_mail(
        message_id,
        &[
            ("Naam", "Fatima el Amrani"),
            ("E-mail", requester),
            ("Categorie", "hardware"),
            ("Prioriteit", priority),
            ("Onderwerp", "Laptop start niet"),
            ("Omschrijving", "Blijft hangen op het logo."),
        ],
    )
    .replace("Portal <portal@example.org>", &u.portal);
    smtp_send(&u.portal, &[&u.desk], &form);
}

#[test]
fn a_persons_mail_is_answered_in_their_inbox_with_a_threaded_portal_reply() {
    let Some(u) = users() else { return };
    let jan = new_user("jan");
    let desk = Desk::with_full_config(&imap_config(&u.desk, &u.portal, &u.agents, ""));
    smtp_send(
        &jan,
        &[&u.desk],
        &person_mail(
            &format!("Jan de Vries <{jan}>"),
            "Printer kapot",
            "imap-1@desk.test",
            "De printer op 3 doet het niet meer.",
        ),
    );
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    let replies = wait_for_mail(&jan, 1, Duration::from_secs(20));
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(
        header(reply, "In-Reply-To").as_deref(),
        Some("<imap-1@desk.test>")
    );
    assert_eq!(
        header(reply, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert_eq!(
        header(reply, "Subject").as_deref(),
        Some("Re: Printer kapot")
    );
    assert!(reply.contains("Beste Jan,"), "{reply}");

    // marked at the source: \\Seen and our keyword
    let marked = mailstack::folder(&u.desk, "INBOX");
    let flags = marked[0].1.join(" ");
    assert!(
        flags.contains("Seen") && flags.contains("$Deskmail"),
        "{flags}"
    );

    // processed once: a second run answers nothing more
    desk.ok(&["run", "--once"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(mailstack::inbox(&jan).len(), 1);
}

#[test]
fn a_portal_form_by_mail_makes_a_ticket_and_the_confirmation_arrives() {
    let Some(u) = users() else { return };
    let fatima = new_user("fatima");
    let desk = Desk::with_full_config(&imap_config(
        &u.desk,
        &u.portal,
        &u.agents,
        "processed = \"move:Processed\"",
    ));
    send_form(&u, "form-imap-1@desk.test", &fatima, "hoog");
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    let confirmation = wait_for_mail(&fatima, 1, Duration::from_secs(20));
    assert!(
        header(&confirmation[0], "Subject").is_some_and(|s| s.contains("SD-1000")),
        "{}",
        confirmation[0]
    );
    let notice = wait_for_mail(&u.agents, 1, Duration::from_secs(20));
    assert!(
        notice[0].contains("Blijft hangen op het logo."),
        "{}",
        notice[0]
    );
    // moved out of the INBOX into Processed
    assert!(
        mailstack::inbox(&u.desk).is_empty(),
        "the form mail left the INBOX"
    );
    let tickets = desk.tickets_json();
    assert_eq!(tickets[0]["requester"], fatima.as_str());
}

#[test]
fn the_daemon_learns_of_new_mail_by_idle_and_stops_cleanly_on_sigterm() {
    let Some(u) = users() else { return };
    let ann = new_user("ann");
    // polling and ticks far slower than the wait below: only IDLE can answer in time
    let config = imap_config(&u.desk, &u.portal, &u.agents, "")
        .replace("poll_seconds = 1", "poll_seconds = 300")
        .replace("tick_seconds = 2", "tick_seconds = 300");
    let desk = Desk::with_full_config(&config);
    let daemon = Daemon::start(&desk.config);
    // let it connect and enter IDLE before the mail arrives
    std::thread::sleep(Duration::from_secs(2));
    smtp_send(
        &ann,
        &[&u.desk],
        &person_mail(
            &format!("Ann <{ann}>"),
            "VPN",
            "idle-1@desk.test",
            "The VPN refuses my password.",
        ),
    );
    wait_for_mail(&ann, 1, Duration::from_secs(30));
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("IMAP mailbox selected"), "{log}");
}

#[test]
fn a_reply_the_smtp_server_refuses_is_marked_failed_and_the_agents_are_told() {
    let Some(u) = users() else { return };
    let desk = Desk::with_full_config(&imap_config(&u.desk, &u.portal, &u.agents, ""));
    // Postfix here relays nothing: a reply to another domain is refused with a 5xx
    smtp_send(
        "visitor@example.com",
        &[&u.desk],
        &person_mail(
            "Visitor <visitor@example.com>",
            "Wifi",
            "perm-1@desk.test",
            "The guest wifi does not work.",
        ),
    );
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    let run = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("send failed for good"), "{log}");
    let outbox: serde_json::Value =
        serde_json::from_str(&desk.ok(&["outbox", "list", "--json"])).expect("JSON");
    let failed = outbox["mails"]
        .as_array()
        .and_then(|l| l.iter().find(|m| m["kind"] == "portal_reply"))
        .cloned()
        .expect("the refused reply");
    assert_eq!(failed["state"], "failed", "{outbox}");
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("554")),
        "{outbox}"
    );
    let notice = wait_for_mail(&u.agents, 1, Duration::from_secs(20));
    assert!(
        header(&notice[0], "Subject").is_some_and(|s| s.contains("Mail niet afgeleverd")),
        "{}",
        notice[0]
    );
    assert!(notice[0].contains("visitor@example.com"), "{}", notice[0]);
}

#[test]
fn implicit_tls_imap_and_authenticated_starttls_submission_work_with_password_files() {
    let Some(u) = users() else { return };
    let ann = new_user("ann");
    let desk = Desk::with_full_config(
        &imap_config(&u.desk, &u.portal, &u.agents, "")
            .replace(&format!("port = {}\ntls = \"starttls\"", mailstack::IMAP_PORT), &format!("port = {}\ntls = \"implicit\"", mailstack::IMAPS_PORT))
            .replace("password = \"secret\"", "password_file = \"imap-password\"")
            .replace(
                &format!("port = {}\ntls = \"none\"", mailstack::SMTP_PORT),
                &format!(
                    "port = {}\ntls = \"starttls\"\nusername = \"{}\"\npassword_command = \"cat smtp-password\"\nca_file = \"{}\"",
                    mailstack::SUBMISSION_PORT,
                    u.desk,
                    mailstack::ca_file().display()
                ),
            ),
    );
    std::fs::write(desk.path("imap-password"), "secret\n").expect("write");
    std::fs::write(desk.path("smtp-password"), "secret\n").expect("write");
    let config = std::fs::read_to_string(&desk.config).expect("config");
    let submission = format!(
        "port = {}\ntls = \"starttls\"\nusername",
        mailstack::SUBMISSION_PORT
    );
    assert!(
        config.contains("tls = \"implicit\"") && config.contains(&submission),
        "{config}"
    );
    // the password command runs in deskmail's working directory
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .current_dir(desk.dir.path())
        .args(["--config", "deskmail.toml", "run", "--once"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "nothing to do yet: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    smtp_send(
        &ann,
        &[&u.desk],
        &person_mail(
            &format!("Ann <{ann}>"),
            "Mouse",
            "tls-1@desk.test",
            "My mouse is broken.",
        ),
    );
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .current_dir(desk.dir.path())
        .args(["--config", "deskmail.toml", "run", "--once"])
        .output()
        .expect("run");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("sent message_id"), "{log}");
    wait_for_mail(&ann, 1, Duration::from_secs(20));
}

#[test]
fn an_oversized_mail_is_kept_in_quarantine_and_moved_to_the_error_folder() {
    let Some(u) = users() else { return };
    let bob = new_user("bob");
    let desk = Desk::with_full_config(&imap_config(
        &u.desk,
        &u.portal,
        &u.agents,
        "max_message_bytes = 2048",
    ));
    let big = "Dit is een lange mail met een grote bijlage erin geplakt. ".repeat(100);
    smtp_send(
        &bob,
        &[&u.desk],
        &person_mail(&format!("Bob <{bob}>"), "Groot", "big-1@desk.test", &big),
    );
    smtp_send(
        &bob,
        &[&u.desk],
        &person_mail(
            &format!("Bob <{bob}>"),
            "Klein",
            "small-1@desk.test",
            "Kort vraagje.",
        ),
    );
    wait_for_mail(&u.desk, 2, Duration::from_secs(20));
    let run = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("over the limit of 2048 bytes"), "{log}");
    let error = mailstack::folder(&u.desk, "Error");
    assert_eq!(error.len(), 1, "the big one is set aside");
    assert!(error[0].0.contains("big-1@desk.test"));
    let replies = wait_for_mail(&bob, 1, Duration::from_secs(20));
    assert!(
        header(&replies[0], "Subject").is_some_and(|s| s == "Re: Klein"),
        "the small one is answered"
    );
}

#[test]
fn a_group_with_an_unreadable_mail_inside_is_marked_after_its_commit_and_a_crash_before_the_marks_answers_nothing_twice()
 {
    let Some(u) = users() else { return };
    let carla = new_user("carla");
    // each plus-address stands for another person: the limits per person, which fold `+tags`,
    // are switched off so that each of them is answered
    let config = imap_config(&u.desk, &u.portal, &u.agents, "max_message_bytes = 2048").replace(
        &format!("senders = [\"{}\"]", u.portal),
        &format!("senders = [\"{}\"]\nreply_interval_hours = 0", u.portal),
    ) + "\n[limits]\nper_address_per_day = 0\n";
    assert!(config.contains("reply_interval_hours = 0"), "{config}");
    let desk = Desk::with_full_config(&config);
    let big = "Een bijlage die in de tekst is geplakt. ".repeat(100);
    for i in 0..5 {
        let (subject, body) = match i {
            2 => ("Groot".to_string(), big.as_str()),
            _ => (format!("Vraag {i}"), "Kort vraagje."),
        };
        let from = format!("Carla <{}>", carla.replacen('@', &format!("+{i}@"), 1));
        let id = format!("group-{i}@desk.test");
        smtp_send(&carla, &[&u.desk], &person_mail(&from, &subject, &id, body));
    }
    wait_for_mail(&u.desk, 5, Duration::from_secs(20));
    let first = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{log}");
    assert_eq!(log.matches("INFO decided ").count(), 4, "{log}");
    // the mail in the middle is set aside; the ones after it are not lost or redone with it
    let error = mailstack::folder(&u.desk, "Error");
    assert_eq!(error.len(), 1, "the big one is set aside");
    assert!(error[0].0.contains("group-2@desk.test"));
    let marked = |desk_user: &str| {
        mailstack::folder(desk_user, "INBOX")
            .iter()
            .filter(|(_, flags)| flags.iter().any(|f| f.contains("$Deskmail")))
            .count()
    };
    assert_eq!(marked(&u.desk), 4, "the four others marked processed");
    let replies = wait_for_mail(&carla, 4, Duration::from_secs(20));
    assert_eq!(replies.len(), 4);

    // as if deskmail had died after the group's commit and before its marks and cursor
    mailstack::unflag_all(&u.desk, "\\Seen $Deskmail");
    assert_eq!(marked(&u.desk), 0);
    let db = rusqlite::Connection::open(desk.path("var/deskmail.sqlite")).expect("database");
    db.execute("UPDATE source_cursor SET last_uid = 0", [])
        .expect("cursor back");
    drop(db);
    let again = desk.run(&["run", "--once"]);
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{log}");
    assert!(
        log.contains("read=4"),
        "the four in INBOX were read again:\n{log}"
    );
    assert!(
        !log.contains("INFO decided "),
        "nothing decided twice:\n{log}"
    );
    assert_eq!(marked(&u.desk), 4, "every mail marked again");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(mailstack::inbox(&carla).len(), 4, "nothing answered twice");
}

#[test]
fn smtps_with_implicit_tls_delivers() {
    let Some(u) = users() else { return };
    let cor = new_user("cor");
    let smtps = format!(
        "port = {}\ntls = \"implicit\"\nusername = \"{}\"\npassword = \"secret\"\nca_file = \"{}\"",
        mailstack::SMTPS_PORT,
        u.desk,
        mailstack::ca_file().display()
    );
    let config = imap_config(&u.desk, &u.portal, &u.agents, "").replace(
        &format!("port = {}\ntls = \"none\"", mailstack::SMTP_PORT),
        &smtps,
    );
    assert!(config.contains(&smtps), "{config}");
    let desk = Desk::with_full_config(&config);
    smtp_send(
        &cor,
        &[&u.desk],
        &person_mail(
            &format!("Cor <{cor}>"),
            "Beeld",
            "smtps-1@desk.test",
            "Mijn beeld flikkert.",
        ),
    );
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    wait_for_mail(&cor, 1, Duration::from_secs(20));
}

#[test]
fn an_agents_reply_to_the_signed_address_comes_back_through_the_servers_and_answers_the_requester()
{
    let Some(u) = users() else { return };
    let anna = new_user("anna");
    let fatima = new_user("fatima");
    let config = imap_config(&u.desk, &u.portal, &u.agents, "").replace(
        &format!("queue = \"{}\"", u.agents),
        &format!("queue = \"{}\"\naddresses = [\"{anna}\"]", u.agents),
    );
    let desk = Desk::with_full_config(&config);
    send_form(&u, "form-agent-1@desk.test", &fatima, "normaal");
    wait_for_mail(&u.desk, 1, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    let notice = wait_for_mail(&u.agents, 1, Duration::from_secs(20)).remove(0);
    let reply_to = header(&notice, "Reply-To").expect("Reply-To");
    let address = reply_to
        .rsplit_once('<')
        .and_then(|(_, a)| a.strip_suffix('>'))
        .expect("an address in the Reply-To")
        .to_string();
    assert!(address.contains("+SD-1000."), "{address}");
    wait_for_mail(&fatima, 1, Duration::from_secs(20));

    // Anna replies from her mail client; Postfix and Dovecot deliver the plus-address to the desk
    let reply = format!(
        "From: Anna Jansen <{anna}>\nTo: {address}\nSubject: Re: {}\nMessage-ID: <agent-1@desk.test>\n\
         In-Reply-To: {}\nDate: Mon, 23 Nov 2026 11:00:00 +0100\nContent-Type: text/plain; charset=utf-8\n\n\
         #assign me\n\nDe nieuwe voeding is besteld.\n\nOp 23 nov. 2026 schreef Servicedesk:\n> Nieuwe melding\n",
        header(&notice, "Subject").unwrap_or_default(),
        header(&notice, "Message-ID").unwrap_or_default(),
    );
    smtp_send(&anna, &[&address], &reply);
    wait_for_mail(&u.desk, 2, Duration::from_secs(20));
    desk.ok(&["run", "--once"]);
    let mails = wait_for_mail(&fatima, 2, Duration::from_secs(20));
    let answer = mails
        .iter()
        .find(|m| m.contains("De nieuwe voeding is besteld."))
        .expect("the agent's answer");
    assert!(answer.contains("Anna Jansen"), "{answer}");
    assert!(
        !answer.contains(&anna),
        "the agent's address stays hidden: {answer}"
    );
    assert!(!answer.contains("> Nieuwe melding"), "{answer}");
    let tickets = desk.tickets_json();
    assert_eq!(tickets[0]["assignee"], anna.as_str());
}
