//! When does a requester hear from us next, and with which mail? Three moments, so nobody wonders whether anyone works on it: the
//! target date comes near, a promised contact date arrives, the target date passes. Mails go only
//! inside the sending window on working days, at most a few per ticket per day, never for a
//! resolved ticket — and a promise falling outside the window is kept by writing earlier. What
//! each mail promises is `promise`'s.

use super::calendar::Calendar;
use super::promise;
use crate::config::Schedule;
use crate::model::Ticket;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Which progress mail is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressKind {
    /// The target date has passed: be honest, explain the options.
    Overdue,
    /// The target date is near.
    TargetNear,
    /// A promised contact date has come.
    Promised,
}

impl From<ProgressKind> for crate::model::EventKind {
    fn from(kind: ProgressKind) -> Self {
        match kind {
            ProgressKind::Overdue => crate::model::EventKind::ProgressOverdue,
            ProgressKind::TargetNear => crate::model::EventKind::ProgressNear,
            ProgressKind::Promised => crate::model::EventKind::Progress,
        }
    }
}

impl ProgressKind {
    /// Template name of the mail.
    pub fn template(self) -> &'static str {
        match self {
            ProgressKind::Overdue => "progress_overdue",
            ProgressKind::TargetNear => "progress_near",
            ProgressKind::Promised => "progress",
        }
    }
}

/// The next progress mail of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub kind: ProgressKind,
}

/// What sending a progress mail at `at` changes on the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterSend {
    pub near_sent: bool,
    pub overdue_sent: bool,
    /// The new promise: the mail tells the requester this date.
    pub next_contact: NaiveDate,
}

/// Days we look ahead for a sending slot before giving up (a calendar of only holidays).
const MAX_DAYS_AHEAD: u32 = 800;

/// The next progress mail for a ticket, given the progress mails already sent (`sent`, any
/// order), or None when nothing more is due (resolved, closed).
pub fn next_due(t: &Ticket, sent: &[DateTime<Utc>], cal: &Calendar, s: &Schedule) -> Option<Due> {
    if t.status.is_done() {
        return None;
    }
    let mut candidates: Vec<Due> = Vec::new();
    if !t.overdue_sent {
        candidates.push(Due {
            at: t.target,
            kind: ProgressKind::Overdue,
        });
    }
    let near_start = cal.sub_business(t.target, s.near_before);
    // a ticket born inside the near window already told its target in the confirmation
    if !t.near_sent && !t.overdue_sent && t.created < near_start {
        candidates.push(Due {
            at: near_start,
            kind: ProgressKind::TargetNear,
        });
    }
    if let Some(by) = promise::keep_by(t) {
        candidates.push(Due {
            at: promise_slot(by, cal, s),
            kind: ProgressKind::Promised,
        });
    }
    let first = candidates.into_iter().min_by_key(|d| (d.at, d.kind))?;
    let at = first_allowed(first.at, sent, cal, s);
    // the mail is what its moment calls for: one mail covers a promise and a near target on the
    // same day, and a mail pushed past the target is the honest overdue one
    let kind = if at >= t.target && !t.overdue_sent {
        ProgressKind::Overdue
    } else if !t.near_sent
        && !t.overdue_sent
        && t.created < near_start
        && cal.local_date(at) >= cal.local_date(near_start)
    {
        ProgressKind::TargetNear
    } else {
        first.kind
    };
    Some(Due { at, kind })
}

/// The mail a due moment calls for when it actually goes out at `now`: a mail that was due
/// before the target but goes after it (deskmail was down, the window was closed) is the
/// honest overdue one, not "the target date is near".
pub fn kind_when_sent(t: &Ticket, due: Due, now: DateTime<Utc>) -> ProgressKind {
    if now >= t.target && !t.overdue_sent {
        ProgressKind::Overdue
    } else {
        due.kind
    }
}

/// What the ticket looks like after a progress mail went out at `at` (`sent`: the progress
/// mails before it).
pub fn after_send(
    t: &Ticket,
    at: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    cal: &Calendar,
    s: &Schedule,
) -> AfterSend {
    let near_start = cal.sub_business(t.target, s.near_before);
    AfterSend {
        near_sent: t.near_sent || cal.local_date(at) >= cal.local_date(near_start),
        overdue_sent: t.overdue_sent || at >= t.target,
        next_contact: promise::after_progress(t, at, sent, cal, s),
    }
}

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

#[cfg(test)]
mod tests;
