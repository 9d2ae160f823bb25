//! When does a requester hear from us next, and with which mail? Three moments, so nobody wonders whether anyone works on it: the
//! target date comes near, a promised contact date arrives, the target date passes. Mails go only
//! inside the sending window on working days, at most a few per ticket per day, never for a
//! resolved ticket — and a promise falling outside the window is kept by writing earlier. What
//! each mail promises is `promise`'s; the window and the daily cap are `window`'s.

use super::calendar::Calendar;
use super::promise;
use super::settings::Schedule;
use super::window::{first_allowed, promise_slot};
use crate::model::Ticket;
use chrono::{DateTime, NaiveDate, Utc};

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
    pub const ALL: [ProgressKind; 3] = [
        ProgressKind::Overdue,
        ProgressKind::TargetNear,
        ProgressKind::Promised,
    ];

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

#[cfg(test)]
mod tests;
