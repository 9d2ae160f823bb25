//! Keep the requester informed, end to end: the daemon, run at successive moments, sends each
//! progress mail once, inside sending hours, and keeps the promise each mail makes.

mod common;
use common::{Desk, portal_mail};

fn form(id: &str) -> String {
    portal_mail(
        id,
        &[
            ("Naam", "Jan de Vries"),
            ("E-mail", "jan@example.com"),
            ("Categorie", "printer"),
            ("Prioriteit", "normaal"),
            ("Onderwerp", "Printer 3e verdieping"),
            ("Omschrijving", "De printer geeft een papierstoring."),
        ],
    )
}

/// Run at `now` and return the mails to the requester it produced.
fn step(desk: &Desk, now: &str) -> Vec<common::Sent> {
    let before = desk.sent();
    desk.run_once_at(now);
    desk.sent_since(&before)
        .into_iter()
        .filter(|s| s.to == ["jan@example.com"])
        .collect()
}

#[test]
fn progress_mails_come_near_the_target_when_late_and_on_every_promised_day() {
    let desk = Desk::new();
    desk.deliver(&form("form-1@portal.example.org"));
    // Monday 10:00: target Thursday 10:00, first promise Wednesday
    let confirmation = step(&desk, "2026-11-23T10:00:00+01:00");
    assert_eq!(confirmation.len(), 1);
    let thread = confirmation[0].message_id.clone();

    assert!(
        step(&desk, "2026-11-24T12:00:00+01:00").is_empty(),
        "Tuesday: nothing due"
    );
    assert!(
        step(&desk, "2026-11-25T07:30:00+01:00").is_empty(),
        "Wednesday before sending hours"
    );

    let near = step(&desk, "2026-11-25T08:05:00+01:00");
    assert_eq!(
        near.len(),
        1,
        "the promised Wednesday, also the day before the target"
    );
    assert_eq!(
        near[0].subject,
        "[SD-1000] Printer 3e verdieping – bijna de streefdatum"
    );
    assert!(
        near[0].text.contains("donderdag 26 november 2026 om 10:00"),
        "{}",
        near[0].text
    );
    assert!(
        near[0]
            .text
            .contains("uiterlijk vrijdag 27 november 2026 weer contact"),
        "new promise: {}",
        near[0].text
    );
    assert_eq!(
        near[0].in_reply_to.as_deref(),
        Some(thread.as_str()),
        "threads under the confirmation"
    );
    assert_eq!(
        near[0].header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        step(&desk, "2026-11-25T15:00:00+01:00").is_empty(),
        "at most one a day, and nothing else due"
    );

    let late = step(&desk, "2026-11-26T10:30:00+01:00");
    assert_eq!(late.len(), 1);
    assert!(
        late[0].subject.ends_with("later dan we hadden gehoopt"),
        "{}",
        late[0].subject
    );
    assert!(
        late[0].text.contains("niet gelukt"),
        "honest: {}",
        late[0].text
    );
    assert!(
        late[0].text.contains("uiterlijk maandag 30 november 2026"),
        "{}",
        late[0].text
    );

    assert!(
        step(&desk, "2026-11-28T10:00:00+01:00").is_empty(),
        "no mail on Saturday"
    );
    assert!(
        step(&desk, "2026-11-27T20:00:00+01:00").is_empty(),
        "nor in the evening"
    );
    let promised = step(&desk, "2026-11-30T08:00:00+01:00");
    assert_eq!(promised.len(), 1, "the promise of Monday is kept");
    assert!(
        promised[0].subject.ends_with("stand van zaken"),
        "{}",
        promised[0].subject
    );
    assert!(
        promised[0].text.contains("streefdatum"),
        "still honest about being late: {}",
        promised[0].text
    );
    assert!(
        promised[0]
            .text
            .contains("uiterlijk woensdag 2 december 2026"),
        "{}",
        promised[0].text
    );

    let show = desk.ok(&["tickets", "show", "SD-1000"]);
    assert_eq!(
        show.matches("next contact promised by").count(),
        3,
        "three progress events: {show}"
    );
    assert_eq!(
        show.matches("sent     jan@example.com").count(),
        4,
        "confirmation and three progress mails: {show}"
    );
}

#[test]
fn schedule_preview_shows_the_timeline_without_sending() {
    let desk = Desk::new();
    desk.deliver(&form("form-1@portal.example.org"));
    desk.run_once_at("2026-11-23T10:00:00+01:00");
    let before = desk.sent().len();
    let out = desk.ok(&[
        "--now",
        "2026-11-23T12:00:00+01:00",
        "schedule",
        "preview",
        "--days",
        "9",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("Wed 2026-11-25 08:00  SD-1000    progress_near"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("Thu 2026-11-26 10:00  SD-1000    progress_overdue"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("Mon 2026-11-30 08:00  SD-1000    progress "),
        "{out}"
    );
    assert!(
        lines[3].starts_with("Wed 2026-12-02 08:00  SD-1000    progress "),
        "{out}"
    );
    assert!(
        lines[0].contains("promises vrijdag 27 november 2026"),
        "{out}"
    );
    assert_eq!(desk.sent().len(), before, "a preview sends nothing");
}
