use super::*;
use crate::schedule::fixtures::{at, cal, date, sched};
use crate::schedule::progress::{after_send, next_due};

fn ticket(next_contact: NaiveDate, promised: Option<NaiveDate>) -> Ticket {
    Ticket {
        next_contact: Some(next_contact),
        promised,
        near_sent: true,
        ..Ticket::for_test(1, at(2026, 11, 23, 9, 0), at(2026, 12, 18, 17, 0))
    }
}

#[test]
fn a_saturday_mail_promises_what_a_friday_night_one_does() {
    let (c, s) = (cal(), sched());
    let friday_night = first_promise(at(2026, 11, 27, 23, 0), &c, &s);
    assert_eq!(friday_night, date(2026, 12, 1), "Tuesday");
    for day_off in [at(2026, 11, 28, 11, 0), at(2026, 11, 29, 15, 0)] {
        assert_eq!(first_promise(day_off, &c, &s), friday_night, "{day_off}");
    }
    // Christmas: Saturday 26 counts from Thursday 24, past Friday 25 and Monday 28
    assert_eq!(
        first_promise(at(2026, 12, 26, 10, 0), &c, &s),
        date(2026, 12, 30)
    );
}

#[test]
fn a_date_once_mailed_is_kept_when_next_moves_later_untold() {
    let (c, s) = (cal(), sched());
    // told "by Wednesday 25"; an agent's bare #next moved the next contact to 2 December
    let t = ticket(date(2026, 12, 2), Some(date(2026, 11, 25)));
    assert_eq!(keep_by(&t), Some(date(2026, 11, 25)));
    let due = next_due(&t, &[], &c, &s).expect("a mail is due");
    assert_eq!(due.at, at(2026, 11, 25, 8, 0), "on the day told");
    // that mail keeps the old promise and tells the agent's date
    let after = after_send(&t, due.at, &[], &c, &s);
    assert_eq!(after.next_contact, date(2026, 12, 2));
    // an earlier #next is simply the earlier date
    let t = ticket(date(2026, 11, 24), Some(date(2026, 11, 25)));
    assert_eq!(keep_by(&t), Some(date(2026, 11, 24)));
}

#[test]
fn a_promise_for_today_cannot_be_kept_once_todays_mail_went_or_the_window_closed() {
    let (c, s) = (cal(), sched());
    let thursday = date(2026, 11, 26);
    let morning_mail = [at(2026, 11, 26, 9, 0)];
    assert_eq!(
        keepable(thursday, at(2026, 11, 26, 13, 0), &[], &c, &s),
        thursday
    );
    assert_eq!(
        keepable(thursday, at(2026, 11, 26, 13, 0), &morning_mail, &c, &s),
        date(2026, 11, 27),
        "the daily cap: Friday"
    );
    assert_eq!(
        keepable(thursday, at(2026, 11, 26, 19, 0), &[], &c, &s),
        date(2026, 11, 27),
        "after sending hours"
    );
    // a Sunday promise made on Friday evening: Friday's window has closed, Monday it is
    assert_eq!(
        keepable(date(2026, 11, 29), at(2026, 11, 27, 19, 0), &[], &c, &s),
        date(2026, 11, 30)
    );
    assert_eq!(
        keepable(date(2026, 11, 29), at(2026, 11, 27, 10, 0), &[], &c, &s),
        date(2026, 11, 29),
        "kept on Friday"
    );
}

#[test]
fn an_answer_never_tells_a_date_that_has_passed() {
    let (c, s) = (cal(), sched());
    // the next contact of a ticket resolved long ago, answered on Sunday night
    let t = ticket(date(2026, 12, 2), None);
    let sunday_night = at(2026, 12, 6, 21, 0);
    assert_eq!(to_tell(&t, sunday_night, &[], &c, &s), date(2026, 12, 8));
    // a date still ahead stays; one the cap cannot keep moves to the first that can be kept
    let t = ticket(date(2026, 12, 9), None);
    assert_eq!(to_tell(&t, sunday_night, &[], &c, &s), date(2026, 12, 9));
    let t = ticket(date(2026, 12, 7), None);
    let monday = at(2026, 12, 7, 13, 0);
    assert_eq!(
        to_tell(&t, monday, &[at(2026, 12, 7, 9, 0)], &c, &s),
        date(2026, 12, 8)
    );
}

#[test]
fn reopening_a_resolved_ticket_sets_a_new_promise_from_now() {
    let (c, s) = (cal(), sched());
    let resolved = Ticket {
        status: Status::Resolved,
        ..ticket(date(2026, 12, 2), None)
    };
    let (t, why) = requester_replied(&resolved, at(2026, 12, 6, 19, 0), &c, &s)
        .expect("a reply reopens a resolved ticket");
    assert_eq!(t.status, Status::Open);
    assert!(why.starts_with("reopened"), "{why}");
    assert_eq!(
        t.next_contact,
        Some(date(2026, 12, 8)),
        "Sunday: from Friday"
    );
    assert_eq!(t.promised, None, "nothing told yet");
    let waiting = Ticket {
        status: Status::WaitingCustomer,
        waiting_reason: Some("een foto".into()),
        ..ticket(date(2026, 12, 9), Some(date(2026, 12, 9)))
    };
    let (t, _) = requester_replied(&waiting, at(2026, 12, 7, 10, 0), &c, &s).expect("open");
    assert_eq!((t.status, t.waiting_reason), (Status::Open, None));
    assert_eq!(
        t.next_contact,
        Some(date(2026, 12, 9)),
        "the promise stands"
    );
    let closed = Ticket {
        status: Status::Closed,
        ..waiting
    };
    assert!(requester_replied(&closed, at(2026, 12, 7, 10, 0), &c, &s).is_none());
}
