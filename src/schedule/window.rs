//! When mail to a requester may go: inside the sending window (working days, between
//! `send_from` and `send_until`, local time) and under the daily cap per ticket. Progress mails
//! are timed by it, and a promise is only made for a day it can be kept on.

use super::calendar::Calendar;
use super::settings::Schedule;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Days we look ahead for a sending slot before giving up (a calendar of only holidays).
const MAX_DAYS_AHEAD: u32 = 800;

/// The sending slot that keeps a promise: the window's opening on the promised day, or on the
/// last working day before it when the promised day is not one.
pub fn promise_slot(promise: NaiveDate, cal: &Calendar, s: &Schedule) -> DateTime<Utc> {
    let day = cal.working_day_on_or_before(promise);
    local_instant(cal, day, s.send_from)
}

/// Is `t` inside the sending window (a working day, send_from ≤ local time < send_until)?
pub fn in_window(t: DateTime<Utc>, cal: &Calendar, s: &Schedule) -> bool {
    let local = t.with_timezone(&cal.tz());
    let time = local.time();
    cal.is_working_day(local.date_naive()) && time >= s.send_from && time < s.send_until
}

/// `t` if it is inside the window, else the window's next opening.
pub fn next_window(t: DateTime<Utc>, cal: &Calendar, s: &Schedule) -> DateTime<Utc> {
    if in_window(t, cal, s) {
        return t;
    }
    let mut day = cal.local_date(t);
    for _ in 0..MAX_DAYS_AHEAD {
        if cal.is_working_day(day) {
            let open = local_instant(cal, day, s.send_from);
            if open >= t {
                return open;
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    t
}

/// The first moment at or after `at` that is in the window and under the daily cap.
pub fn first_allowed(
    at: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    cal: &Calendar,
    s: &Schedule,
) -> DateTime<Utc> {
    let mut t = next_window(at, cal, s);
    for _ in 0..MAX_DAYS_AHEAD {
        let day = cal.local_date(t);
        let today = sent.iter().filter(|x| cal.local_date(**x) == day).count();
        if today < s.max_per_ticket_per_day as usize {
            return t;
        }
        let next_day = day.succ_opt().unwrap_or(day);
        t = next_window(local_instant(cal, next_day, s.send_from), cal, s);
    }
    t
}

/// A local date and time in the desk's zone as an instant (DST gaps move forward).
fn local_instant(cal: &Calendar, day: NaiveDate, time: chrono::NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    let tz = cal.tz();
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc)),
    }
}
