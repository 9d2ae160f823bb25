//! What a requester is told about when they hear from us next, and how that promise is kept
//! (the rule: every date mailed to a requester is kept). A date once mailed is kept: the scheduler mails on
//! or before it unless the ticket is resolved, also when an agent moves the next contact later
//! without a word to the requester (that mail then names the agent's date). No mail names a
//! date that has passed, or one the sending window and the daily cap cannot keep. Pure: the
//! scheduler, an agent's plan and a requester's reply all ask here.

use super::calendar::Calendar;
use super::settings::Schedule;
use super::window::{first_allowed, promise_slot};
use crate::model::{Status, Ticket};
use chrono::{DateTime, NaiveDate, Utc};

/// The contact date a mail sent at `at` promises: `update_every_days` working days after the
/// working day it goes out on. A mail on a day off counts from the working day before it, so
/// a Saturday mail promises what a Friday-night one does (Monday is the first day counted).
pub fn first_promise(at: DateTime<Utc>, cal: &Calendar, s: &Schedule) -> NaiveDate {
    let day = cal.working_day_on_or_before(cal.local_date(at));
    cal.add_working_days(day, s.update_every_days)
}

/// The date the next mail to the requester must go by: the next contact, or the date they
/// were last told when that is earlier (an agent moved the next contact later untold).
pub fn keep_by(t: &Ticket) -> Option<NaiveDate> {
    match (t.next_contact, t.promised) {
        (Some(next), Some(told)) => Some(next.min(told)),
        (next, told) => next.or(told),
    }
}

/// The first date from `date` on that the scheduler can still keep when asked at `now`:
/// `date` itself when a progress mail can go on or before it (in the sending window, under the
/// daily cap given the progress mails `sent`), else the day of the first moment one can.
pub fn keepable(
    date: NaiveDate,
    now: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    cal: &Calendar,
    s: &Schedule,
) -> NaiveDate {
    let slot = promise_slot(date, cal, s).max(now);
    cal.local_date(first_allowed(slot, sent, cal, s)).max(date)
}

/// The date an agent's answer at `now` tells the requester: the ticket's next contact, or a new
/// promise from now when it has passed (or was never set), moved to the first date the
/// scheduler can keep.
pub fn to_tell(
    t: &Ticket,
    now: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    cal: &Calendar,
    s: &Schedule,
) -> NaiveDate {
    let date = t
        .next_contact
        .filter(|d| *d >= cal.local_date(now))
        .unwrap_or_else(|| first_promise(now, cal, s));
    keepable(date, now, sent, cal, s)
}

/// The date a progress mail sent at `at` promises (`sent`: the progress mails before it). When
/// an agent set a next contact later than the date last told, this mail keeps the old promise
/// and tells the agent's date; otherwise `update_every_days` working days on.
pub fn after_progress(
    t: &Ticket,
    at: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    cal: &Calendar,
    s: &Schedule,
) -> NaiveDate {
    let untold = t
        .next_contact
        .filter(|next| t.promised.is_some_and(|told| *next > told))
        .filter(|next| *next > cal.local_date(at));
    let date = untold.unwrap_or_else(|| first_promise(at, cal, s));
    let mut sent = sent.to_vec();
    sent.push(at);
    keepable(date, at, &sent, cal, s)
}

/// What a requester's reply at `now` changes, and why, if anything: it ends a wait on them;
/// after "resolved" it reopens the ticket (the resolution mail invites exactly that), and as
/// the resolution ended every promise, a new one runs from now. A closed ticket stays closed.
pub fn requester_replied(
    t: &Ticket,
    now: DateTime<Utc>,
    cal: &Calendar,
    s: &Schedule,
) -> Option<(Ticket, &'static str)> {
    let mut changed = Ticket {
        status: Status::Open,
        waiting_reason: None,
        ..t.clone()
    };
    match t.status {
        Status::WaitingCustomer => Some((changed, "open: the requester replied")),
        Status::Resolved => {
            changed.next_contact = Some(first_promise(now, cal, s));
            changed.promised = None;
            Some((
                changed,
                "reopened: the requester replied after it was resolved",
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
