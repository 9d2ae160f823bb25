//! What the requester gets from an agent's reply, and what never reaches them: a reply of theirs
//! reopens a resolved ticket; bottom-posted commands count; internal notes behind look-alikes or
//! a greeting, the reply-address token in any form and the agent's address stay with the desk.

use crate::common::{self, Desk, Sent, agent_reply, header, reply_to, shows_token};
use crate::{MONDAY_11, desk_with_ticket, event_kinds, new_ticket, show};

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

/// A new signing key (`agents.secret_file` set later): the tokens under it of tickets made
/// before, pasted by an agent, are still taken out — the desk's kept tags are made afresh.
#[test]
fn after_a_new_key_an_older_tickets_token_is_still_taken_out() {
    let (desk, notice) = desk_with_ticket("");
    // an agent's mail with a token in it: the tags are made under the stored key
    let own = token_of(&reply_to(&notice));
    let sent = reply_and_run(&desk, &notice, &format!("Hoi Fatima,\n\nCode {own}."));
    assert!(!shows_token(&sent[0].text, &own), "{}", sent[0].text);
    std::fs::write(desk.path("agents.key"), "a key the desk set later, 32 b").expect("key");
    let config = std::fs::read_to_string(&desk.config).expect("config");
    let queue = "queue = \"agents@example.org\"";
    let config = config.replace(queue, &format!("{queue}\nsecret_file = \"agents.key\""));
    std::fs::write(&desk.config, config).expect("config");
    // the requester writes again: the agents hear of SD-1000 under the new key
    let before = desk.sent();
    desk.deliver(&common::person_mail(
        "Fatima <fatima@example.com>",
        "Re: [SD-1000] Laptop 0 start niet",
        "fatima-again@example.com",
        "Hij doet het nog steeds niet.",
    ));
    desk.run_once_at(MONDAY_11);
    let told = desk
        .sent_since(&before)
        .into_iter()
        .find(|s| s.to == ["agents@example.org"])
        .expect("the agents hear of the reply");
    let renewed = token_of(&reply_to(&told));
    assert_ne!(renewed, own, "a token under the new key");
    // on another, newer ticket the agent pastes SD-1000's token of the new key
    let second = new_ticket(&desk, 1);
    let sent = reply_and_run(
        &desk,
        &second,
        &format!("Hoi Fatima,\n\nZie SD-1000.{renewed}."),
    );
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].text.contains("Zie SD-1000."), "{}", sent[0].text);
    for part in [sent[0].text.as_str(), &sent[0].html, &sent[0].raw] {
        assert!(!shows_token(part, &renewed), "{renewed} leaked: {part}");
    }
}
