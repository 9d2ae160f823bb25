//! The desk's business calendar: working weekdays, opening hours in the desk's time zone and
//! holidays, and where a local wall-clock time falls on a DST change. The SLA clock and the
//! progress-mail scheduler ask it when the desk is open and which date is the next working day;
//! spans of business time (`4h`, `3d`) and the walks that add, subtract and measure them are in
//! `duration`.

mod duration;
#[cfg(test)]
mod tests;

pub use duration::BusinessDuration;

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// How many consecutive dates without an open desk a search walks before it gives up.
///
/// `new` refuses a calendar without working weekdays, but the holiday list can still cover every
/// date. Rather than spin, a search stops after three years of closed dates and answers with the
/// date (or that date's opening/closing instant) where it stopped: a deadline three years out makes
/// a misconfigured holiday list visible without hanging the bot.
const HORIZON_DAYS: u32 = 3 * 366;

/// How far any walk goes at all, so that a typo like "999999999h" costs milliseconds, not
/// minutes; the walk answers where it stopped. No SLA comes near a century.
const MAX_WALK_DAYS: u32 = 36_525;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error(
        "{0:?} is not a business duration: write a whole number followed by h (business hours) \
         or d (working days), e.g. \"4h\" or \"3d\""
    )]
    BadDuration(String),
    #[error(
        "opening time {} is not before closing time {}: opening hours must lie within one day, \
         e.g. opens 08:30, closes 17:00",
        .opens.format("%H:%M"), .closes.format("%H:%M")
    )]
    OpensNotBeforeCloses { opens: NaiveTime, closes: NaiveTime },
    #[error(
        "no working days configured: list at least one weekday the desk is open, \
         e.g. Mon, Tue, Wed, Thu, Fri"
    )]
    NoWorkingDays,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    opens: NaiveTime,
    closes: NaiveTime,
    /// Indexed by `Weekday::num_days_from_monday`.
    working: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(
        tz: Tz,
        opens: NaiveTime,
        closes: NaiveTime,
        working_days: &[Weekday],
        holidays: &[NaiveDate],
    ) -> Result<Calendar, CalendarError> {
        if opens >= closes {
            return Err(CalendarError::OpensNotBeforeCloses { opens, closes });
        }
        if working_days.is_empty() {
            return Err(CalendarError::NoWorkingDays);
        }
        let mut working = [false; 7];
        for day in working_days {
            working[day.num_days_from_monday() as usize] = true;
        }
        Ok(Calendar {
            tz,
            opens,
            closes,
            working,
            holidays: holidays.iter().copied().collect(),
        })
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn opens(&self) -> NaiveTime {
        self.opens
    }

    pub fn closes(&self) -> NaiveTime {
        self.closes
    }

    /// The working weekdays, Monday first (for `config show`).
    pub fn working_days(&self) -> Vec<Weekday> {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .filter(|d| self.working[d.num_days_from_monday() as usize])
        .collect()
    }

    /// The holidays, in order (for `config show`).
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// Working weekday and not a holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.working[d.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&d)
    }

    /// The desk's local date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Is the desk open at t (working day, opens <= local time < closes)?
    ///
    /// Decided on the instants `opening_on`/`closing_on`, so on a fall-back night the repeated
    /// local hour after closing does not reopen the desk, and the walks in `duration` agree with
    /// this.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.open_span(self.local_date(t))
            .is_some_and(|(s, e)| s <= t && t < e)
    }

    /// Opening instant of a date, None if not a working day.
    pub fn opening_on(&self, d: NaiveDate) -> Option<DateTime<Utc>> {
        self.is_working_day(d).then(|| self.to_utc(d, self.opens))
    }

    /// Closing instant of a date, None if not a working day.
    pub fn closing_on(&self, d: NaiveDate) -> Option<DateTime<Utc>> {
        self.is_working_day(d).then(|| self.to_utc(d, self.closes))
    }

    /// t itself if the desk is open at t, else the next opening instant.
    pub fn next_open(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.walk_forward(t, |s, _| Some(s))
    }

    /// The first working day on or after d.
    pub fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        self.seek_working_day(d, true)
    }

    /// The first working day on or before d.
    pub fn working_day_on_or_before(&self, d: NaiveDate) -> NaiveDate {
        self.seek_working_day(d, false)
    }

    /// d plus n working days (n = 0: d itself if working, else the next working day).
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.step_working_days(d, n, true)
    }

    /// The instant a local wall-clock time on `d` denotes. A time skipped by a spring-forward gap
    /// becomes the first instant after the gap; a repeated fall-back time takes its earlier instant.
    fn to_utc(&self, d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
        let local = d.and_time(t);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(x) => x.to_utc(),
            LocalResult::Ambiguous(a, b) => a.min(b).to_utc(),
            LocalResult::None => self.end_of_gap(local),
        }
    }

    /// Bisects for the first instant whose local clock reads at least `local`: that is where the
    /// gap ends. ±26 h around `local`-read-as-UTC brackets it since UTC offsets stay within
    /// -12..+14 h. Bisection assumes no second offset change within a day of the gap; were there
    /// one, the answer could be off but the loop still ends.
    fn end_of_gap(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let guess = local.and_utc();
        let reached = |secs: i64| {
            DateTime::from_timestamp(secs, 0)
                .map(|t| (t, t.with_timezone(&self.tz).naive_local() >= local))
        };
        // Whole seconds, because tzdb transitions fall on them.
        let (mut lo, mut hi) = (guess.timestamp() - 26 * 3600, guess.timestamp() + 26 * 3600);
        let mut found = guess;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match reached(mid) {
                Some((t, true)) => (hi, found) = (mid, t),
                Some((_, false)) => lo = mid,
                None => return guess,
            }
        }
        found
    }

    /// The open span `[opening, closing)` of a date, None on closed dates and on dates where
    /// a DST gap swallows all of the opening hours.
    fn open_span(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let s = self.opening_on(d)?;
        let e = self.to_utc(d, self.closes);
        (s < e).then_some((s, e))
    }

    /// The nearest working day from `d` in one direction, `d` included; gives up after
    /// `HORIZON_DAYS` and returns the date it stopped at.
    fn seek_working_day(&self, d: NaiveDate, forward: bool) -> NaiveDate {
        let mut day = d;
        for _ in 0..HORIZON_DAYS {
            if self.is_working_day(day) {
                return day;
            }
            match step(day, forward) {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    fn step_working_days(&self, d: NaiveDate, n: u32, forward: bool) -> NaiveDate {
        let mut day = self.seek_working_day(d, forward);
        for _ in 0..n.min(MAX_WALK_DAYS) {
            // A failed seek already sits three years away; more steps would only drift further.
            let Some(next) = step(day, forward).filter(|_| self.is_working_day(day)) else {
                return day;
            };
            day = self.seek_working_day(next, forward);
        }
        day
    }
}

fn step(d: NaiveDate, forward: bool) -> Option<NaiveDate> {
    if forward { d.succ_opt() } else { d.pred_opt() }
}
