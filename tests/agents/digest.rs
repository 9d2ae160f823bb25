//! Each working morning the agents get one digest of the late tickets, worst first.

use crate::common::{Sent, agent_reply, reply_to};
use crate::{MONDAY_11, desk_with_ticket, new_ticket};

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
