//! Only a mail that proves itself steers: forged From lines, another ticket's token, a tampered
//! token, and (with a trusted authserv-id) `Authentication-Results` missing, failing or added by
//! the sender leave the ticket as it was and send nothing.

use crate::common::{Desk, Sent, agent_reply, reply_to};
use crate::{MONDAY_11, desk_with_ticket, new_ticket, show};

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
