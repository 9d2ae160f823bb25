//! Spans of business time and the arithmetic over them: `4h` counts only the hours the desk is
//! open, `3d` working days at the same local time of day. Parsed from the config, added to a
//! start (an SLA target), taken from an end (a reminder before it) and measured between two
//! instants, by walking the open spans of [`Calendar`] a day at a time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

use super::{Calendar, CalendarError, HORIZON_DAYS, MAX_WALK_DAYS};

/// A span of business time: hours count only while the desk is open; days count working days
/// (same local time of day, N working days later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessDuration {
    Hours(u32),
    Days(u32),
}

impl FromStr for BusinessDuration {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let bad = || CalendarError::BadDuration(trimmed.to_string());
        let mut chars = trimmed.chars();
        let unit = chars.next_back().ok_or_else(bad)?;
        let number = chars.as_str().trim_end();
        // Only plain digits: u32's parser would also take "+4", which no config should need.
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u32 = number.parse().map_err(|_| bad())?;
        match unit.to_ascii_lowercase() {
            'h' => Ok(BusinessDuration::Hours(n)),
            'd' => Ok(BusinessDuration::Days(n)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusinessDuration::Hours(n) => write!(f, "{n}h"),
            BusinessDuration::Days(n) => write!(f, "{n}d"),
        }
    }
}

impl Calendar {
    /// start + a business duration. Hours: counts only open time, starting from next_open(start);
    /// e.g. Friday 16:00 + 2h with 08:30–17:00 hours = Monday 09:30. Days: from next_open(start),
    /// the same local time of day n working days later (clamped into opening hours); 0 of either =
    /// next_open(start).
    ///
    /// Hours that run out exactly at closing time give the closing instant, not the next opening:
    /// "due by end of business" is what a requester expects to read.
    pub fn add_business(&self, start: DateTime<Utc>, d: BusinessDuration) -> DateTime<Utc> {
        match d {
            BusinessDuration::Hours(h) => {
                let mut left = hours(h);
                self.walk_forward(start, |s, e| {
                    if e - s >= left {
                        Some(s + left)
                    } else {
                        left -= e - s;
                        None
                    }
                })
            }
            BusinessDuration::Days(n) => {
                let from = self.next_open(start);
                if n == 0 {
                    return from;
                }
                let day = self.add_working_days(self.local_date(from), n);
                self.to_utc(day, self.wall_time(from))
            }
        }
    }

    /// The instant that lies the business duration before `end` (the inverse walk, used for "one
    /// business day before the target date"). Never returns a time after `end`.
    ///
    /// Mirrors `add_business`: the walk starts from the last business instant at or before `end`
    /// (`end` itself when open or exactly at closing, else the previous closing), and 0 of either
    /// gives that instant.
    pub fn sub_business(&self, end: DateTime<Utc>, d: BusinessDuration) -> DateTime<Utc> {
        let found = match d {
            BusinessDuration::Hours(h) => {
                let mut left = hours(h);
                self.walk_backward(end, |s, e| {
                    if e - s >= left {
                        Some(e - left)
                    } else {
                        left -= e - s;
                        None
                    }
                })
            }
            BusinessDuration::Days(n) => {
                let from = self.walk_backward(end, |_, e| Some(e));
                if n == 0 {
                    return from.min(end);
                }
                let day = self.step_working_days(self.local_date(from), n, false);
                self.to_utc(day, self.wall_time(from))
            }
        };
        found.min(end)
    }

    /// Business time between two instants (0 if b <= a), in whole minutes.
    ///
    /// Counts at most `MAX_WALK_DAYS` of dates from a.
    pub fn business_minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = TimeDelta::zero();
        self.walk_forward(a, |s, e| {
            if s >= b {
                return Some(s);
            }
            total += e.min(b) - s;
            (e >= b).then_some(e)
        });
        total.num_minutes()
    }

    /// The local time of day of `t`, kept inside opening hours, for stepping by whole days.
    /// Right after a spring-forward jump every skipped wall time resolves to `t`, so the earliest
    /// of them stands for it: a gap-delayed opening then stays an opening a week later, and
    /// `sub_business` stays at or before the start that `add_business` came from.
    fn wall_time(&self, t: DateTime<Utc>) -> NaiveTime {
        let second = TimeDelta::seconds(1);
        let local = t.with_timezone(&self.tz).naive_local();
        let just_before = t
            .checked_sub_signed(second)
            .and_then(|b| {
                b.with_timezone(&self.tz)
                    .naive_local()
                    .checked_add_signed(second)
            })
            .unwrap_or(local);
        let earliest = just_before
            .min(local)
            .max(local.date().and_time(NaiveTime::MIN));
        earliest.time().max(self.opens).min(self.closes)
    }

    /// Feeds `visit` each open span from `from` on, its start clipped to `from`, until `visit`
    /// answers. After `HORIZON_DAYS` closed dates in a row, answers the opening time of the date
    /// it stopped at. Also stops after `MAX_WALK_DAYS` dates.
    pub(super) fn walk_forward(
        &self,
        from: DateTime<Utc>,
        visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        self.walk(from, Way::Forward, visit)
    }

    /// Mirror of `walk_forward`: spans `(opening, closing]` at or before `to`, their end clipped
    /// to `to`, latest first.
    fn walk_backward(
        &self,
        to: DateTime<Utc>,
        visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        self.walk(to, Way::Backward, visit)
    }

    /// The walk both share: one date at a time from the date of `at`, the way `way` says.
    fn walk(
        &self,
        at: DateTime<Utc>,
        way: Way,
        mut visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        let mut day = self.local_date(at);
        let (mut closed_run, mut walked) = (0, 0);
        loop {
            walked += 1;
            match self.open_span(day) {
                Some((s, e)) => {
                    closed_run = 0;
                    let clipped = match way {
                        Way::Forward => (e > at).then(|| (s.max(at), e)),
                        Way::Backward => (s <= at).then(|| (s, e.min(at))),
                    };
                    if let Some((s, e)) = clipped
                        && let Some(answer) = visit(s, e)
                    {
                        return answer;
                    }
                }
                None => closed_run += 1,
            }
            if closed_run > HORIZON_DAYS || walked > MAX_WALK_DAYS {
                let edge = match way {
                    Way::Forward => self.opens,
                    Way::Backward => self.closes,
                };
                return self.to_utc(day, edge);
            }
            let next = match way {
                Way::Forward => day.succ_opt(),
                Way::Backward => day.pred_opt(),
            };
            match (next, way) {
                (Some(next), _) => day = next,
                (None, Way::Forward) => return DateTime::<Utc>::MAX_UTC,
                (None, Way::Backward) => return DateTime::<Utc>::MIN_UTC,
            }
        }
    }
}

/// Which way a walk over the open spans goes.
#[derive(Clone, Copy)]
enum Way {
    Forward,
    Backward,
}

fn hours(h: u32) -> TimeDelta {
    TimeDelta::try_hours(i64::from(h)).unwrap_or(TimeDelta::MAX)
}
