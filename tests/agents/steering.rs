//! An agent steers a ticket by replying to the signed address of its notice: status, target,
//! next contact, assignee and an answer for the requester; `#help`, lines not understood and
//! internal notes reach the agent only.

use crate::common::{agent_reply, header, reply_to};
use crate::{MONDAY_11, desk_with_ticket, event_kinds, new_ticket, show};

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
