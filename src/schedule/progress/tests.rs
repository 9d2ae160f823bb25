use super::*;
use crate::model::Status;
use crate::schedule::calendar::BusinessDuration;
use crate::schedule::fixtures::{at, cal, date, hm, sched};
use crate::schedule::promise::first_promise;
use crate::schedule::settings::Schedule;
use crate::schedule::window::{in_window, next_window, promise_slot};
use chrono::TimeZone;

fn ticket(
    created: DateTime<Utc>,
    target: DateTime<Utc>,
    next_contact: Option<NaiveDate>,
) -> Ticket {
    Ticket {
        next_contact,
        ..Ticket::for_test(1, created, target)
    }
}

/// Walk the schedule as the daemon would: send each mail when due, apply its effect.
fn timeline(mut t: Ticket, until: DateTime<Utc>) -> Vec<(DateTime<Utc>, ProgressKind, NaiveDate)> {
    let (c, s) = (cal(), sched());
    let mut sent = Vec::new();
    let mut out = Vec::new();
    while let Some(due) = next_due(&t, &sent, &c, &s) {
        if due.at > until {
            break;
        }
        let after = after_send(&t, due.at, &sent, &c, &s);
        out.push((due.at, due.kind, after.next_contact));
        t.near_sent = after.near_sent;
        t.overdue_sent = after.overdue_sent;
        t.next_contact = Some(after.next_contact);
        t.promised = Some(after.next_contact);
        sent.push(due.at);
        assert!(out.len() < 50, "runaway schedule");
    }
    out
}

#[test]
fn a_normal_ticket_hears_on_the_promised_day_near_the_target_and_when_late() {
    let (c, s) = (cal(), sched());
    // Monday 23 Nov 10:00, three working days: target Thursday 10:00
    let created = at(2026, 11, 23, 10, 0);
    let target = c.add_business(created, BusinessDuration::Days(3));
    assert_eq!(target, at(2026, 11, 26, 10, 0));
    let promise = first_promise(created, &c, &s);
    assert_eq!(promise, date(2026, 11, 25));
    let got = timeline(
        ticket(created, target, Some(promise)),
        at(2026, 12, 4, 18, 0),
    );
    assert_eq!(
        got,
        vec![
            // the promised Wednesday is also the day the target comes near: one mail says both
            (
                at(2026, 11, 25, 8, 0),
                ProgressKind::TargetNear,
                date(2026, 11, 27)
            ),
            (
                at(2026, 11, 26, 10, 0),
                ProgressKind::Overdue,
                date(2026, 11, 30)
            ),
            (
                at(2026, 11, 30, 8, 0),
                ProgressKind::Promised,
                date(2026, 12, 2)
            ),
            (
                at(2026, 12, 2, 8, 0),
                ProgressKind::Promised,
                date(2026, 12, 4)
            ),
            (
                at(2026, 12, 4, 8, 0),
                ProgressKind::Promised,
                date(2026, 12, 8)
            ),
        ]
    );
}

#[test]
fn a_promise_falling_on_a_weekend_or_holiday_is_kept_the_working_day_before() {
    let (c, s) = (cal(), sched());
    let far = at(2027, 1, 29, 10, 0);
    let t = ticket(at(2026, 11, 2, 9, 0), far, Some(date(2026, 11, 28))); // a Saturday
    assert_eq!(
        next_due(&t, &[], &c, &s).map(|d| d.at),
        Some(at(2026, 11, 27, 8, 0))
    );
    let t = ticket(at(2026, 11, 2, 9, 0), far, Some(date(2026, 12, 28))); // holiday Monday
    let due = next_due(&t, &[], &c, &s).unwrap();
    assert_eq!(
        due.at,
        at(2026, 12, 24, 8, 0),
        "Thursday before Christmas Friday and the weekend"
    );
    assert_eq!(due.kind, ProgressKind::Promised);
}

#[test]
fn promises_skip_weekends_and_holidays() {
    let (c, s) = (cal(), sched());
    assert_eq!(
        first_promise(at(2026, 11, 27, 15, 0), &c, &s),
        date(2026, 12, 1)
    ); // Fri → Tue
    assert_eq!(
        first_promise(at(2026, 12, 23, 9, 0), &c, &s),
        date(2026, 12, 29)
    ); // Wed → Tue after Christmas
}

#[test]
fn a_target_in_quiet_hours_gets_its_mail_at_the_next_opening() {
    let (c, s) = (cal(), sched());
    let quiet = Schedule {
        send_until: hm(16, 0),
        ..s
    };
    // target Friday 16:30: after the window, so the overdue mail goes Monday 08:00
    let t = ticket(at(2026, 11, 2, 9, 0), at(2026, 11, 27, 16, 30), None);
    let t = Ticket {
        near_sent: true,
        ..t
    };
    let due = next_due(&t, &[], &c, &quiet).unwrap();
    assert_eq!(
        (due.at, due.kind),
        (at(2026, 11, 30, 8, 0), ProgressKind::Overdue)
    );
    assert!(!in_window(at(2026, 11, 28, 10, 0), &c, &s), "Saturday");
    assert!(!in_window(at(2026, 11, 27, 7, 59), &c, &s));
    assert!(in_window(at(2026, 11, 27, 17, 59), &c, &s));
    assert_eq!(
        next_window(at(2026, 11, 27, 19, 0), &c, &s),
        at(2026, 11, 30, 8, 0)
    );
}

#[test]
fn sending_hours_follow_the_clock_change() {
    let (c, s) = (cal(), sched());
    // the slot is 08:00 local: 07:00 UTC in winter time, 06:00 UTC after 29 March 2026
    let before = promise_slot(date(2026, 3, 27), &c, &s);
    let after = promise_slot(date(2026, 3, 30), &c, &s);
    assert_eq!(before, Utc.with_ymd_and_hms(2026, 3, 27, 7, 0, 0).unwrap());
    assert_eq!(after, Utc.with_ymd_and_hms(2026, 3, 30, 6, 0, 0).unwrap());
    // and back on 25 October
    assert_eq!(
        promise_slot(date(2026, 10, 26), &c, &s),
        Utc.with_ymd_and_hms(2026, 10, 26, 7, 0, 0).unwrap()
    );
}

#[test]
fn never_more_than_the_daily_cap() {
    let (c, s) = (cal(), sched());
    let t = ticket(
        at(2026, 11, 2, 9, 0),
        at(2026, 11, 25, 11, 0),
        Some(date(2026, 11, 25)),
    );
    let t = Ticket {
        near_sent: true,
        ..t
    };
    // the promise mail went at 08:00; the overdue one waits for the next day
    let due = next_due(&t, &[at(2026, 11, 25, 8, 0)], &c, &s).unwrap();
    assert_eq!(
        (due.at, due.kind),
        (at(2026, 11, 26, 8, 0), ProgressKind::Overdue)
    );
    let two = Schedule {
        max_per_ticket_per_day: 2,
        ..s
    };
    let due = next_due(&t, &[at(2026, 11, 25, 8, 0)], &c, &two).unwrap();
    assert_eq!(due.at, at(2026, 11, 25, 8, 0));
}

#[test]
fn nothing_for_resolved_tickets_and_no_near_mail_for_tickets_born_near() {
    let (c, s) = (cal(), sched());
    let mut t = ticket(at(2026, 11, 23, 9, 0), at(2026, 11, 23, 13, 0), None);
    let due = next_due(&t, &[], &c, &s).unwrap();
    assert_eq!(
        (due.at, due.kind),
        (at(2026, 11, 23, 13, 0), ProgressKind::Overdue)
    );
    t.status = Status::Resolved;
    assert_eq!(next_due(&t, &[], &c, &s), None);
    t.status = Status::Closed;
    assert_eq!(next_due(&t, &[], &c, &s), None);
}

#[test]
fn a_near_mail_that_goes_out_after_the_target_is_the_overdue_one() {
    let t = ticket(at(2026, 11, 23, 10, 0), at(2026, 11, 26, 10, 0), None);
    let due = Due {
        at: at(2026, 11, 25, 10, 0),
        kind: ProgressKind::TargetNear,
    };
    assert_eq!(
        kind_when_sent(&t, due, at(2026, 11, 25, 10, 0)),
        ProgressKind::TargetNear
    );
    // deskmail was down until Monday: the mail that goes now says we are late
    assert_eq!(
        kind_when_sent(&t, due, at(2026, 11, 30, 9, 0)),
        ProgressKind::Overdue
    );
    let told = Ticket {
        overdue_sent: true,
        ..t
    };
    let promised = Due {
        kind: ProgressKind::Promised,
        ..due
    };
    assert_eq!(
        kind_when_sent(&told, promised, at(2026, 11, 30, 9, 0)),
        ProgressKind::Promised
    );
}
