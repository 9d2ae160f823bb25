//! Agents steer tickets by replying to deskmail's mails: commands at the top, text for the
//! requester below. Only a configured agent whose mail proves itself (the signed reply address
//! of that ticket, and where configured a passing `Authentication-Results` of the trusted
//! server) steers anything; forged, replayed and tampered mails are kept and change nothing.

mod common;
use common::{Desk, Sent, agent_reply, header, portal_mail, reply_to, shows_token};

const MONDAY_10: &str = "2026-11-23T10:00:00+01:00";
const MONDAY_11: &str = "2026-11-23T11:00:00+01:00";

/// A desk with one ticket from the portal; returns the agents' notice about it.
fn desk_with_ticket(extra: &str) -> (Desk, Sent) {
    let desk = Desk::with_config(extra);
    let notice = new_ticket(&desk, 0);
    (desk, notice)
}

/// Another ticket from the portal (`n` makes it distinct); returns the agents' notice.
fn new_ticket(desk: &Desk, n: usize) -> Sent {
    let before = desk.sent();
    desk.deliver(&portal_mail(
        &format!("form-{n}@portal.example.org"),
        &[
            ("Naam", "Fatima el Amrani"),
            ("E-mail", "fatima@example.com"),
            ("Categorie", "Hardware"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", &format!("Laptop {n} start niet")),
            ("Omschrijving", "Hij blijft hangen op het logo."),
        ],
    ));
    desk.run_once_at(MONDAY_10);
    desk.sent_since(&before)
        .into_iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("a notice to the agents' queue")
}

fn show(desk: &Desk, reference: &str) -> serde_json::Value {
    serde_json::from_str(&desk.ok(&["tickets", "show", reference, "--json"]))
        .expect("tickets show --json is JSON")
}

fn event_kinds(shown: &serde_json::Value) -> Vec<String> {
    shown["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_agents_notice_has_a_signed_reply_address_for_its_ticket() {
    let (desk, notice) = desk_with_ticket("");
    let address = reply_to(&notice);
    let (local, domain) = address.split_once('@').expect("an address");
    assert_eq!(domain, "example.org");
    let (base, tag) = local.split_once('+').expect("a plus-address");
    assert_eq!(base, "servicedesk");
    let (reference, token) = tag.rsplit_once('.').expect("REF.TOKEN");
    assert_eq!(reference, "SD-1000");
    assert_eq!(token.len(), 20, "{token}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    assert!(notice.subject.contains("[SD-1000]"), "{}", notice.subject);
    // another ticket, another token; the key survives a restart
    let second = new_ticket(&desk, 1);
    let second_address = reply_to(&second);
    assert!(second_address.contains("+SD-1001."), "{second_address}");
    assert_ne!(
        second_address.rsplit_once('.').map(|p| p.1.to_string()),
        Some(token.to_string())
    );
    // the requester's mails are not signed: only agents' mails carry a token
    let confirmation = desk
        .sent()
        .into_iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("confirmation");
    assert_eq!(
        header(&confirmation.raw, "Reply-To").as_deref(),
        Some("\"Servicedesk Test\" <servicedesk+SD-1000@example.org>")
    );
}

#[test]
fn an_agent_steers_the_ticket_and_answers_the_requester_by_replying() {
    let (desk, notice) = desk_with_ticket("");
    let to = reply_to(&notice);
    let before = desk.sent();
    desk.deliver(&agent_reply(
        &notice,
        &to,
        "",
        "#status waiting-third-party de leverancier\n#target 2026-12-10\n#next 2026-12-02\n\
         #assign me\n\nDe nieuwe voeding is besteld; de leverancier levert hem volgende week.\n\n\
         Groet,\nAnna\n--\nAnna Jansen | ICT | 06-12345678\n\n\
         Op ma 23 nov. 2026 om 10:00 schreef Servicedesk Test <servicedesk@example.org>:\n\
         > Nieuwe melding SD-1000 via het portaal.\n> Aanmelder: fatima@example.com",
    ));
    desk.run_once_at(MONDAY_11);

    let sent = desk.sent_since(&before);
    assert_eq!(sent.len(), 1, "one answer to the requester: {sent:#?}");
    let answer = &sent[0];
    assert_eq!(answer.to, ["fatima@example.com"]);
    assert!(answer.subject.contains("[SD-1000]"), "{}", answer.subject);
    assert!(answer.text.starts_with("Beste Fatima,"), "{}", answer.text);
    assert!(
        answer
            .text
            .contains("De nieuwe voeding is besteld; de leverancier levert hem volgende week."),
        "{}",
        answer.text
    );
    assert!(
        answer.text.contains("Anna Jansen"),
        "signed: {}",
        answer.text
    );
    assert!(
        answer.text.contains("We wachten nu op de leverancier"),
        "{}",
        answer.text
    );
    for hidden in [
        "anna@example.org",
        "#status",
        "> Nieuwe melding",
        "06-12345678",
    ] {
        assert!(
            !answer.raw.contains(hidden),
            "{hidden} leaked: {}",
            answer.raw
        );
    }
    assert_eq!(
        header(&answer.raw, "From").as_deref(),
        Some("\"Servicedesk Test\" <servicedesk@example.org>")
    );
    let confirmation = desk
        .sent()
        .into_iter()
        .find(|s| s.subject.ends_with("ontvangen"))
        .expect("confirmation");
    assert_eq!(
        answer.in_reply_to.as_deref(),
        Some(confirmation.message_id.as_str()),
        "threads under the requester's confirmation"
    );

    let shown = show(&desk, "SD-1000");
    let t = &shown["ticket"];
    assert_eq!(t["status"], "waiting_third_party", "{shown}");
    assert_eq!(t["waiting_reason"], "de leverancier");
    assert_eq!(t["assignee"], "anna@example.org");
    assert_eq!(t["next_contact"], "2026-12-02");
    assert_eq!(
        t["target"], "2026-12-10T16:00:00Z",
        "Thursday's closing time"
    );
    let kinds = event_kinds(&shown);
    for kind in ["status", "target", "next", "assign", "answer"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    let status = shown["events"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "status"))
        .expect("status event");
    assert_eq!(status["actor"], "anna@example.org");
    assert!(status["inbound_id"].is_i64(), "which mail: {status}");
    let text = desk.ok(&["tickets", "show", "SD-1000"]);
    let line = text
        .lines()
        .find(|l| l.contains("status → waiting on third party"))
        .unwrap_or_else(|| panic!("the status change in the history: {text}"));
    assert!(
        line.contains("anna@example.org") && line.contains("(mail #"),
        "who and which mail: {line}"
    );

    // the scheduler keeps the agent's promise and says what we wait for
    let before = desk.sent();
    desk.run_once_at("2026-12-01T12:00:00+01:00");
    assert!(
        desk.sent_since(&before).is_empty(),
        "nothing before the promised date"
    );
    desk.run_once_at("2026-12-02T10:00:00+01:00");
    let progress = desk.sent_since(&before);
    assert_eq!(progress.len(), 1, "{progress:#?}");
    assert!(
        progress[0].text.contains("We wachten op de leverancier"),
        "{}",
        progress[0].text
    );
}

#[test]
fn help_mistakes_and_internal_notes_reach_the_agent_only() {
    let (desk, notice) = desk_with_ticket("");
    let to = reply_to(&notice);

    let before = desk.sent();
    desk.deliver(&agent_reply(&notice, &to, "", "#help"));
    desk.run_once_at(MONDAY_11);
    let sent = desk.sent_since(&before);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].to, ["anna@example.org"]);
    for syntax in [
        "#status",
        "#resolve",
        "#target",
        "#next",
        "#assign",
        "#internal",
        "#opgelost",
    ] {
        assert!(sent[0].text.contains(syntax), "{syntax}: {}", sent[0].text);
    }

    let before = desk.sent();
    desk.deliver(&agent_reply(
        &notice,
        &to,
        "",
        "#resolve\n#interal\n\nDit is alleen voor collega's: de laptop is gestolen gemeld.",
    ));
    desk.run_once_at(MONDAY_11);
    let sent = desk.sent_since(&before);
    assert_eq!(sent.len(), 1, "only the agent hears: {sent:#?}");
    assert_eq!(sent[0].to, ["anna@example.org"]);
    assert!(sent[0].text.contains("#interal"), "{}", sent[0].text);
    assert_eq!(
        show(&desk, "SD-1000")["ticket"]["status"],
        "open",
        "nothing applied when a line is not understood"
    );

    let before = desk.sent();
    desk.deliver(&agent_reply(
        &notice,
        &to,
        "",
        "#intern\n\nDit is alleen voor collega's: de laptop is gestolen gemeld.",
    ));
    desk.run_once_at(MONDAY_11);
    assert!(
        desk.sent_since(&before).is_empty(),
        "an internal note goes nowhere"
    );
    let shown = show(&desk, "SD-1000");
    let note = shown["events"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "note"))
        .expect("note event");
    assert!(
        note["detail"]
            .as_str()
            .is_some_and(|d| d.contains("gestolen gemeld")),
        "{note}"
    );
}

/// The ticket as it was, and no mail at all: the unproven mail only left an event.
fn assert_not_steered(desk: &Desk, before: &[Sent], reference: &str, why: &str) {
    let sent = desk.sent_since(before);
    assert!(
        sent.is_empty(),
        "no mail to anyone (no backscatter): {sent:#?}"
    );
    let shown = show(desk, reference);
    assert_eq!(shown["ticket"]["status"], "open", "{why}: {shown}");
    let unproven = shown["events"]
        .as_array()
        .and_then(|e| e.iter().rev().find(|e| e["kind"] == "unproven"))
        .unwrap_or_else(|| panic!("{why}: an unproven event in {shown}"));
    assert!(
        unproven["detail"].as_str().is_some_and(|d| d.contains(why)),
        "{why}: {unproven}"
    );
}

#[test]
fn forged_replayed_and_tampered_mails_steer_nothing() {
    let (desk, notice) = desk_with_ticket("");
    let other = new_ticket(&desk, 1);
    let to = reply_to(&notice);

    // a forged From line to the plain desk address
    let before = desk.sent();
    desk.deliver(&agent_reply(
        &notice,
        "servicedesk@example.org",
        "",
        "#resolve\n\nOpgelost.",
    ));
    desk.run_once_at(MONDAY_11);
    assert_not_steered(
        &desk,
        &before,
        "SD-1000",
        "not sent to a signed reply address",
    );

    // the signed address of another ticket, replayed on this one
    desk.deliver(&agent_reply(&notice, &reply_to(&other), "", "#resolve"));
    desk.run_once_at(MONDAY_11);
    assert_not_steered(&desk, &before, "SD-1000", "SD-1001");
    assert_eq!(show(&desk, "SD-1001")["ticket"]["status"], "open");

    // a tampered token
    let mut tampered = to.clone();
    let at = tampered.find('@').expect("@");
    let last = tampered.as_bytes()[at - 1];
    tampered.replace_range(at - 1..at, if last == b'0' { "1" } else { "0" });
    desk.deliver(&agent_reply(&notice, &tampered, "", "#resolve"));
    desk.run_once_at(MONDAY_11);
    assert_not_steered(&desk, &before, "SD-1000", "tampered");

    // a requester (or anyone not an agent) with the right address only replies
    desk.deliver(
        &agent_reply(&notice, &to, "", "#resolve\n\nIk denk dat het klaar is.").replace(
            "Anna Jansen <anna@example.org>",
            "Fatima <fatima@example.com>",
        ),
    );
    desk.run_once_at(MONDAY_11);
    assert_eq!(show(&desk, "SD-1000")["ticket"]["status"], "open");
}

#[test]
fn with_a_trusted_authserv_id_the_mail_must_also_pass_dkim_or_spf() {
    let (desk, notice) = desk_with_ticket("");
    // the same desk, now trusting the receiving server's Authentication-Results
    let config = std::fs::read_to_string(&desk.config).expect("config");
    std::fs::write(
        &desk.config,
        config.replace(
            "addresses = [\"anna@example.org\"]",
            "addresses = [\"anna@example.org\"]\nauthserv_id = \"mx.example.org\"",
        ),
    )
    .expect("config");
    let to = reply_to(&notice);
    let before = desk.sent();

    desk.deliver(&agent_reply(&notice, &to, "", "#resolve"));
    desk.run_once_at(MONDAY_11);
    assert_not_steered(&desk, &before, "SD-1000", "mx.example.org");

    // the sender's own header below the server's failing one counts for nothing
    let forged = "Authentication-Results: mx.example.org; dkim=fail header.d=example.org; \
                  spf=fail smtp.mailfrom=evil.example\n\
                  Received: from evil.example by mx.example.org; Mon, 23 Nov 2026 10:30:01 +0100\n\
                  Authentication-Results: mx.example.org; dkim=pass header.d=example.org\n";
    desk.deliver(&agent_reply(&notice, &to, forged, "#resolve"));
    desk.run_once_at(MONDAY_11);
    assert_not_steered(&desk, &before, "SD-1000", "dkim=fail");

    let genuine = "Authentication-Results: mx.example.org; dkim=pass header.d=example.org \
                   header.s=2026; spf=pass smtp.mailfrom=anna@example.org\n";
    desk.deliver(&agent_reply(
        &notice,
        &to,
        genuine,
        "#resolve\n\nDe laptop is vervangen.",
    ));
    desk.run_once_at(MONDAY_11);
    let sent = desk.sent_since(&before);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(
        sent[0].text.contains("De laptop is vervangen."),
        "{}",
        sent[0].text
    );
    assert!(
        sent[0].text.contains("als opgelost afgesloten"),
        "{}",
        sent[0].text
    );
    assert_eq!(show(&desk, "SD-1000")["ticket"]["status"], "resolved");
}

#[test]
fn each_working_morning_agents_get_a_digest_of_late_tickets_worst_first() {
    let (desk, notice) = desk_with_ticket("");
    new_ticket(&desk, 1);
    desk.deliver(&agent_reply(&notice, &reply_to(&notice), "", "#assign me"));
    desk.run_once_at(MONDAY_11);
    // SD-1000 is Anna's, SD-1001 the queue's; both were due on Thursday 26 November
    let digests = |sent: Vec<Sent>| -> Vec<Sent> {
        sent.into_iter()
            .filter(|s| s.subject.contains("aandacht vandaag"))
            .collect()
    };

    let before = desk.sent();
    desk.run_once_at("2026-11-30T07:30:00+01:00");
    assert!(
        digests(desk.sent_since(&before)).is_empty(),
        "not before the window"
    );
    desk.run_once_at("2026-11-30T09:00:00+01:00");
    let morning = digests(desk.sent_since(&before));
    assert_eq!(morning.len(), 2, "{morning:#?}");
    let anna = morning
        .iter()
        .find(|s| s.to == ["anna@example.org"])
        .expect("Anna's digest");
    assert!(anna.text.contains("[SD-1000]"), "{}", anna.text);
    assert!(!anna.text.contains("[SD-1001]"), "only hers: {}", anna.text);
    assert!(anna.text.contains("2 werkdag(en) te laat"), "{}", anna.text);
    assert!(
        anna.text.contains("Bel de aanmelder vandaag"),
        "{}",
        anna.text
    );
    assert!(
        anna.text.contains("servicedesk+SD-1000."),
        "a reply address: {}",
        anna.text
    );
    let queue = morning
        .iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("the queue's digest");
    assert!(queue.text.contains("[SD-1001]"), "{}", queue.text);
    assert!(queue.text.contains("zonder behandelaar"), "{}", queue.text);
    // beside the requester's honest overdue mail, the assignee hears it too, with a reply address
    let passed: Vec<Sent> = desk
        .sent_since(&before)
        .into_iter()
        .filter(|s| s.subject.contains("Streefdatum verstreken"))
        .collect();
    assert_eq!(
        passed.len(),
        2,
        "{:?}",
        desk.sent_since(&before)
            .iter()
            .map(|s| (&s.to, &s.subject))
            .collect::<Vec<_>>()
    );
    let hers = passed
        .iter()
        .find(|s| s.to == ["anna@example.org"])
        .expect("Anna's notice");
    assert!(hers.subject.contains("[SD-1000]"), "{}", hers.subject);
    assert!(reply_to(hers).contains("+SD-1000."), "{}", reply_to(hers));

    // once a day
    let before = desk.sent();
    desk.run_once_at("2026-11-30T10:00:00+01:00");
    assert!(
        digests(desk.sent_since(&before)).is_empty(),
        "one digest a day"
    );
    // resolved tickets drop out; nothing to report, no mail
    desk.deliver(&agent_reply(&notice, &reply_to(&notice), "", "#resolve"));
    desk.run_once_at("2026-11-30T10:30:00+01:00");
    let before = desk.sent();
    desk.run_once_at("2026-12-01T09:00:00+01:00");
    let tuesday = digests(desk.sent_since(&before));
    assert_eq!(tuesday.len(), 1, "{tuesday:#?}");
    assert_eq!(tuesday[0].to, ["agents@example.org"]);
}

#[test]
fn bottom_posted_commands_count_and_no_token_or_agent_address_reaches_the_requester() {
    let (desk, notice) = desk_with_ticket("");
    let to = reply_to(&notice);
    let before = desk.sent();
    // Outlook's default From without a name; a bottom-posted reply that pastes the address
    desk.deliver(
        &agent_reply(
            &notice,
            &to,
            "",
            &format!(
                "Op ma 23 nov. 2026 om 10:00 schreef Servicedesk Test <servicedesk@example.org>:\n\
                 > Nieuwe melding SD-1000 via het portaal.\n\n\
                 #status waiting-customer een foto van het scherm\n\n\
                 Kun je een foto sturen? Mail gerust naar {to}."
            ),
        )
        .replace(
            "Anna Jansen <anna@example.org>",
            "\"anna@example.org\" <anna@example.org>",
        ),
    );
    desk.run_once_at(MONDAY_11);
    let sent = desk.sent_since(&before);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let answer = &sent[0];
    assert!(
        answer.text.contains("Kun je een foto sturen?"),
        "{}",
        answer.text
    );
    let local = to.split('@').next().unwrap_or_default();
    let token = local.rsplit_once('.').map(|p| p.1).unwrap_or_default();
    assert_eq!(token.len(), 20, "{to}");
    assert!(
        !answer.raw.contains(token),
        "the token leaked: {}",
        answer.raw
    );
    assert!(
        answer.text.contains("servicedesk+SD-1000@example.org"),
        "the address stays, unsigned: {}",
        answer.text
    );
    for hidden in ["anna@example.org", "#status"] {
        assert!(!answer.raw.contains(hidden), "{hidden}: {}", answer.raw);
    }
    assert!(
        answer
            .text
            .ends_with("Met vriendelijke groet,\nServicedesk Test")
            || answer.text.trim_end().ends_with("Servicedesk Test"),
        "signed by the desk: {}",
        answer.text
    );
    let t = show(&desk, "SD-1000");
    assert_eq!(t["ticket"]["status"], "waiting_customer", "{t}");
    // the next progress mail asks the requester, not some third party
    let before = desk.sent();
    desk.run_once_at("2026-11-25T10:00:00+01:00");
    let progress: Vec<Sent> = desk
        .sent_since(&before)
        .into_iter()
        .filter(|s| s.to == ["fatima@example.com"])
        .collect();
    assert_eq!(progress.len(), 1, "{progress:#?}");
    assert!(
        progress[0]
            .text
            .contains("We wachten op jouw reactie (een foto van het scherm)"),
        "{}",
        progress[0].text
    );
}

#[test]
fn a_requester_reply_reopens_a_resolved_ticket() {
    let (desk, notice) = desk_with_ticket("");
    desk.deliver(&agent_reply(
        &notice,
        &reply_to(&notice),
        "",
        "#opgelost\n\nDe laptop is vervangen.",
    ));
    desk.run_once_at(MONDAY_11);
    assert_eq!(show(&desk, "SD-1000")["ticket"]["status"], "resolved");
    desk.deliver(&common::person_mail(
        "Fatima <fatima@example.com>",
        "Re: [SD-1000] Laptop 0 start niet",
        "fatima-2@example.com",
        "Hij doet het helaas nog steeds niet.",
    ));
    desk.run_once_at("2026-11-23T12:00:00+01:00");
    let shown = show(&desk, "SD-1000");
    assert_eq!(shown["ticket"]["status"], "open", "{shown}");
    assert!(
        event_kinds(&shown)
            .iter()
            .filter(|k| *k == "status")
            .count()
            >= 2
    );

    // the next answer threads under what the requester wrote last
    let before = desk.sent();
    desk.deliver(&agent_reply(
        &notice,
        &reply_to(&notice),
        "",
        "Ik kom morgen langs.",
    ));
    desk.run_once_at("2026-11-23T13:00:00+01:00");
    let answer = desk
        .sent_since(&before)
        .into_iter()
        .find(|s| s.to == ["fatima@example.com"])
        .expect("the answer");
    assert_eq!(answer.in_reply_to.as_deref(), Some("fatima-2@example.com"));
    let confirmation = desk
        .sent()
        .into_iter()
        .find(|s| s.subject.ends_with("ontvangen"))
        .expect("confirmation");
    let references = header(&answer.raw, "References").unwrap_or_default();
    assert!(
        references.contains(&confirmation.message_id)
            && references.contains("fatima-2@example.com"),
        "{references}"
    );
}

#[test]
fn an_internal_note_behind_a_hash_look_alike_or_a_greeting_never_reaches_the_requester() {
    let (desk, notice) = desk_with_ticket("");
    for (n, body) in [
        "\u{ff03}internal\n\nGeheim {n}: de laptop is gestolen gemeld.",
        "\u{fe5f}internal\n\nGeheim {n}: de laptop is gestolen gemeld.",
        "\u{266f}internal\n\nGeheim {n}: de laptop is gestolen gemeld.",
        "\u{ff03}\u{ff49}\u{ff4e}\u{ff54}\u{ff45}\u{ff52}\u{ff4e}\n\nGeheim {n}: de laptop is gestolen gemeld.",
        "Hoi Anna,\n\n#internal\nGeheim {n}: de laptop is gestolen gemeld.",
        "Hoi Anna,\n  \u{ff03} intern\nGeheim {n}: de laptop is gestolen gemeld.",
        "Hoi Anna,\nGeheim {n}: de laptop is gestolen gemeld.\n#interal",
    ]
    .iter()
    .enumerate()
    {
        let body = body.replace("{n}", &n.to_string());
        for mail in reply_and_run(&desk, &notice, &body) {
            assert_ne!(mail.to, ["fatima@example.com"], "{body:?} reached the requester: {mail:#?}");
            assert!(!mail.raw.contains("fatima@example.com"), "{body:?}: {mail:#?}");
        }
    }
    let shown = show(&desk, "SD-1000");
    let notes = shown["events"]
        .as_array()
        .map_or(0, |e| e.iter().filter(|e| e["kind"] == "note").count());
    assert_eq!(notes, 6, "six notes kept, the typo refused: {shown}");
    // a hashtag in a sentence and "#1" are text, and do reach the requester
    let sent = reply_and_run(
        &desk,
        &notice,
        "Hoi Fatima,\n\nJe laptop heeft bij ons #1 prioriteit.\n#1 op de lijst, echt waar.",
    );
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].to, ["fatima@example.com"]);
    assert!(sent[0].text.contains("#1 op de lijst"), "{}", sent[0].text);
}

/// Anna replies `body` to `notice` at its signed address; what deskmail sent on the next run.
fn reply_and_run(desk: &Desk, notice: &Sent, body: &str) -> Vec<Sent> {
    let before = desk.sent();
    desk.deliver(&agent_reply(notice, &reply_to(notice), "", body));
    desk.run_once_at(MONDAY_11);
    desk.sent_since(&before)
}

/// The token of a signed reply address `desk+REF.TOKEN@domain`.
fn token_of(address: &str) -> String {
    let local = address.split('@').next().unwrap_or_default();
    let token = local.rsplit_once('.').map(|p| p.1).unwrap_or_default();
    assert_eq!(token.len(), 20, "{address}");
    token.to_string()
}

#[test]
fn no_reply_address_token_reaches_the_requester_in_any_form() {
    let (desk, notice) = desk_with_ticket("");
    let second = new_ticket(&desk, 1);
    let token = token_of(&reply_to(&notice));
    let other = token_of(&reply_to(&second));
    let (head, tail) = token.split_at(9);
    let forms = [
        format!("servicedesk%2BSD-1000.{token}%40example.org"),
        format!(
            "mailto:servicedesk%2bSD-1000.{}%40example.org",
            token.to_uppercase()
        ),
        format!("servicedesk+SD-1000.{token}@elders.nl"),
        format!("servicedesk+SD-1000.{head}\n{tail}@example.org"),
        format!("servicedesk+SD-1000.{head}=\n{tail}@example.org"),
        format!("1servicedesk+SD-1000.{token}@example.org"),
        format!("SD-1000.{token}"),
        format!("code 7{token}"),
        token.to_uppercase(),
        format!("servicedesk+SD-1001.{other}@example.org"),
        other.clone(),
    ];
    let body = format!(
        "#status waiting-third-party de leverancier, ref servicedesk+SD-1000.{token}@example.org \
         {other}\n\nHoi Fatima,\n\n{}\n\nGroet",
        forms.join("\n\n")
    );
    let sent = reply_and_run(&desk, &notice, &body);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let answer = &sent[0];
    assert_eq!(answer.to, ["fatima@example.com"]);
    for unsigned in [
        "servicedesk%2BSD-1000%40example.org",
        "servicedesk+SD-1000@elders.nl",
        "1servicedesk+SD-1000@example.org",
        "servicedesk+SD-1001@example.org",
    ] {
        assert!(
            answer.text.contains(unsigned),
            "{unsigned}: {}",
            answer.text
        );
    }
    for t in [&token, &other] {
        for part in [answer.text.as_str(), &answer.html, &answer.raw] {
            assert!(!shows_token(part, t), "{t} leaked: {part}");
        }
    }
    let shown = show(&desk, "SD-1000");
    assert_eq!(
        shown["ticket"]["waiting_reason"], "de leverancier, ref servicedesk+SD-1000@example.org",
        "{shown}"
    );
    for t in [&token, &other] {
        assert!(!shows_token(&shown.to_string(), t), "{t} stored: {shown}");
    }
    // the reason comes back in the next progress mail, still without a token
    let before = desk.sent();
    desk.run_once_at("2026-11-25T10:00:00+01:00");
    let progress: Vec<Sent> = desk
        .sent_since(&before)
        .into_iter()
        .filter(|s| s.to == ["fatima@example.com"] && s.subject.contains("[SD-1000]"))
        .collect();
    assert!(!progress.is_empty(), "a progress mail");
    for mail in &progress {
        assert!(mail.text.contains("de leverancier"), "{}", mail.text);
        for t in [&token, &other] {
            assert!(!shows_token(&mail.raw, t), "{t} leaked: {}", mail.raw);
            assert!(!shows_token(&mail.text, t), "{t} leaked: {}", mail.text);
        }
    }
}
