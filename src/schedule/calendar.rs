//! The desk's business calendar: working weekdays, opening hours in the desk's time zone and
//! holidays. The SLA clock and the progress-mail scheduler ask it when the desk is open and what
//! instant lies a number of business hours or working days before or after another.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
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
    /// local hour after closing does not reopen the desk, and the walks below agree with this.
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
    fn walk_forward(
        &self,
        from: DateTime<Utc>,
        mut visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        let mut day = self.local_date(from);
        let (mut closed_run, mut walked) = (0, 0);
        loop {
            walked += 1;
            match self.open_span(day) {
                Some((s, e)) => {
                    closed_run = 0;
                    if e > from
                        && let Some(answer) = visit(s.max(from), e)
                    {
                        return answer;
                    }
                }
                None => closed_run += 1,
            }
            if closed_run > HORIZON_DAYS || walked > MAX_WALK_DAYS {
                return self.to_utc(day, self.opens);
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
    }

    /// Mirror of `walk_forward`: spans `(opening, closing]` at or before `to`, their end clipped
    /// to `to`, latest first.
    fn walk_backward(
        &self,
        to: DateTime<Utc>,
        mut visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        let mut day = self.local_date(to);
        let (mut closed_run, mut walked) = (0, 0);
        loop {
            walked += 1;
            match self.open_span(day) {
                Some((s, e)) => {
                    closed_run = 0;
                    if s <= to
                        && let Some(answer) = visit(s, e.min(to))
                    {
                        return answer;
                    }
                }
                None => closed_run += 1,
            }
            if closed_run > HORIZON_DAYS || walked > MAX_WALK_DAYS {
                return self.to_utc(day, self.closes);
            }
            match day.pred_opt() {
                Some(prev) => day = prev,
                None => return DateTime::<Utc>::MIN_UTC,
            }
        }
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

fn hours(h: u32) -> TimeDelta {
    TimeDelta::try_hours(i64::from(h)).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    use chrono_tz::Europe::Amsterdam;

    use BusinessDuration::{Days, Hours};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    /// An Amsterdam wall-clock time, which the tests only use where it is unambiguous.
    fn ams(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Amsterdam
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("unambiguous")
            .to_utc()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid utc")
    }

    /// 08:30–17:00 Mon–Fri, with Christmas Friday and the following Monday off.
    fn desk() -> Calendar {
        Calendar::new(
            Amsterdam,
            time(8, 30),
            time(17, 0),
            &[Mon, Tue, Wed, Thu, Fri],
            &[date(2026, 12, 25), date(2026, 12, 28)],
        )
        .expect("valid calendar")
    }

    #[test]
    fn hours_within_a_day_and_across_the_evening() {
        let c = desk();
        // Tuesday 2026-06-09.
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 9, 0), Hours(3)),
            ams(2026, 6, 9, 12, 0)
        );
        // Running out exactly at closing lands on closing, not the next morning.
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 9, 0), Hours(8)),
            ams(2026, 6, 9, 17, 0)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 15, 0), Hours(4)),
            ams(2026, 6, 10, 10, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 11, 0), Hours(0)),
            ams(2026, 6, 9, 11, 0)
        );
    }

    #[test]
    fn friday_afternoon_to_monday() {
        let c = desk();
        assert_eq!(
            c.add_business(ams(2026, 6, 12, 16, 0), Hours(2)),
            ams(2026, 6, 15, 9, 30)
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let c = desk();
        // Thursday 24 Dec; Friday 25 and Monday 28 are holidays.
        assert_eq!(
            c.add_business(ams(2026, 12, 24, 16, 0), Hours(2)),
            ams(2026, 12, 29, 9, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 12, 24, 10, 0), Days(1)),
            ams(2026, 12, 29, 10, 0)
        );
        assert_eq!(
            c.next_open(ams(2026, 12, 25, 10, 0)),
            ams(2026, 12, 29, 8, 30)
        );
        assert!(!c.is_working_day(date(2026, 12, 25)));
        assert_eq!(c.opening_on(date(2026, 12, 28)), None);
        assert_eq!(
            c.closing_on(date(2026, 12, 29)),
            Some(ams(2026, 12, 29, 17, 0))
        );
        assert_eq!(
            c.working_day_on_or_after(date(2026, 12, 25)),
            date(2026, 12, 29)
        );
        assert_eq!(
            c.working_day_on_or_before(date(2026, 12, 28)),
            date(2026, 12, 24)
        );
        assert_eq!(
            c.add_working_days(date(2026, 12, 23), 2),
            date(2026, 12, 29)
        );
        assert_eq!(
            c.add_working_days(date(2026, 12, 26), 0),
            date(2026, 12, 29)
        );
    }

    #[test]
    fn start_outside_opening_hours() {
        let c = desk();
        // Before opening, in the evening, at closing sharp, at the weekend.
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 7, 0), Hours(1)),
            ams(2026, 6, 9, 9, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 20, 0), Hours(1)),
            ams(2026, 6, 10, 9, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 9, 17, 0), Hours(0)),
            ams(2026, 6, 10, 8, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 13, 11, 0), Hours(2)),
            ams(2026, 6, 15, 10, 30)
        );
        assert_eq!(
            c.add_business(ams(2026, 6, 13, 11, 0), Days(1)),
            ams(2026, 6, 16, 8, 30)
        );
        assert!(c.is_open(ams(2026, 6, 9, 8, 30)));
        assert!(!c.is_open(ams(2026, 6, 9, 17, 0)));
        assert!(!c.is_open(ams(2026, 6, 13, 11, 0)));
        assert_eq!(
            c.next_open(ams(2026, 6, 9, 11, 15)),
            ams(2026, 6, 9, 11, 15)
        );
    }

    #[test]
    fn days_across_weekend_and_holiday() {
        let c = desk();
        assert_eq!(
            c.add_business(ams(2026, 6, 11, 14, 45), Days(2)),
            ams(2026, 6, 15, 14, 45)
        );
        assert_eq!(
            c.add_business(ams(2026, 12, 23, 9, 0), Days(3)),
            ams(2026, 12, 30, 9, 0)
        );
        assert_eq!(
            c.sub_business(ams(2026, 12, 29, 10, 0), Days(1)),
            ams(2026, 12, 24, 10, 0)
        );
        assert_eq!(
            c.sub_business(ams(2026, 6, 15, 9, 0), Days(1)),
            ams(2026, 6, 12, 9, 0)
        );
    }

    #[test]
    fn dst_spring_forward_week() {
        let c = desk();
        // 10:00 CET is 09:00 UTC; 10:00 CEST the next Monday is 08:00 UTC.
        let friday = ams(2026, 3, 27, 10, 0);
        assert_eq!(friday, utc(2026, 3, 27, 9, 0));
        assert_eq!(c.add_business(friday, Days(1)), utc(2026, 3, 30, 8, 0));
        assert_eq!(
            c.add_business(ams(2026, 3, 27, 16, 0), Hours(2)),
            ams(2026, 3, 30, 9, 30)
        );
        assert_eq!(
            c.opening_on(date(2026, 3, 30)),
            Some(utc(2026, 3, 30, 6, 30))
        );
        assert_eq!(c.sub_business(utc(2026, 3, 30, 8, 0), Days(1)), friday);
        assert_eq!(
            c.business_minutes_between(ams(2026, 3, 27, 16, 0), ams(2026, 3, 30, 9, 30)),
            120
        );
    }

    #[test]
    fn dst_fall_back_week() {
        let c = desk();
        let friday = ams(2026, 10, 23, 10, 0);
        assert_eq!(friday, utc(2026, 10, 23, 8, 0));
        assert_eq!(c.add_business(friday, Days(1)), utc(2026, 10, 26, 9, 0));
        assert_eq!(
            c.add_business(ams(2026, 10, 23, 16, 0), Hours(2)),
            ams(2026, 10, 26, 9, 30)
        );
        assert_eq!(
            c.sub_business(ams(2026, 10, 26, 9, 30), Hours(2)),
            ams(2026, 10, 23, 16, 0)
        );
    }

    /// Opens 02:30–05:00 on Sundays only, which puts the opening inside the spring-forward gap
    /// and the fall-back repeat.
    fn night_desk() -> Calendar {
        Calendar::new(Amsterdam, time(2, 30), time(5, 0), &[Sun], &[]).expect("valid calendar")
    }

    #[test]
    fn dst_gap_at_opening_moves_to_end_of_gap() {
        let c = night_desk();
        // 02:30 does not exist on 2026-03-29; the desk opens at 03:00 CEST = 01:00 UTC.
        assert_eq!(
            c.opening_on(date(2026, 3, 29)),
            Some(utc(2026, 3, 29, 1, 0))
        );
        assert_eq!(
            c.closing_on(date(2026, 3, 29)),
            Some(utc(2026, 3, 29, 3, 0))
        );
        assert!(!c.is_open(utc(2026, 3, 29, 0, 59)));
        assert!(c.is_open(utc(2026, 3, 29, 1, 0)));
        assert_eq!(c.next_open(ams(2026, 3, 28, 12, 0)), utc(2026, 3, 29, 1, 0));
        // Only two open hours that night, so a third spills into the next Sunday.
        assert_eq!(
            c.add_business(ams(2026, 3, 28, 12, 0), Hours(3)),
            ams(2026, 4, 5, 3, 30)
        );
        assert_eq!(
            c.sub_business(ams(2026, 4, 5, 3, 30), Hours(3)),
            utc(2026, 3, 29, 1, 0)
        );
        assert_eq!(
            c.add_business(ams(2026, 3, 22, 2, 30), Days(1)),
            utc(2026, 3, 29, 1, 0)
        );
        // A week on, the gap-delayed opening is an opening again (02:30 CEST), not 03:00.
        assert_eq!(
            c.add_business(ams(2026, 3, 28, 12, 0), Days(1)),
            ams(2026, 4, 5, 2, 30)
        );
        assert_eq!(
            c.sub_business(ams(2026, 4, 5, 2, 30), Days(1)),
            utc(2026, 3, 29, 1, 0)
        );
        assert_eq!(
            c.sub_business(utc(2026, 3, 29, 1, 0), Days(1)),
            ams(2026, 3, 22, 2, 30)
        );
        // Samoa skipped all of Friday 2011-12-30: both times fall in the gap, the desk never opens.
        let apia = Calendar::new(
            chrono_tz::Pacific::Apia,
            time(8, 30),
            time(17, 0),
            &[Fri],
            &[],
        )
        .expect("valid calendar");
        let midnight = Some(utc(2011, 12, 30, 10, 0));
        assert_eq!(apia.opening_on(date(2011, 12, 30)), midnight);
        assert_eq!(apia.closing_on(date(2011, 12, 30)), midnight);
        assert_eq!(
            apia.next_open(utc(2011, 12, 29, 0, 0)),
            utc(2012, 1, 5, 18, 30)
        );
    }

    #[test]
    fn dst_ambiguous_opening_takes_earlier_instant() {
        let c = night_desk();
        // 02:30 happens twice on 2026-10-25; the first time is 02:30 CEST = 00:30 UTC, and the
        // desk then stays open until 05:00 CET = 04:00 UTC: three and a half hours.
        assert_eq!(
            c.opening_on(date(2026, 10, 25)),
            Some(utc(2026, 10, 25, 0, 30))
        );
        let week = c.business_minutes_between(ams(2026, 10, 24, 0, 0), ams(2026, 10, 26, 0, 0));
        assert_eq!(week, 210);
        assert!(c.is_open(utc(2026, 10, 25, 1, 30)));
    }

    fn assert_inverse(c: &Calendar, starts: &[DateTime<Utc>]) {
        let durations = [Hours(0), Hours(1), Hours(3), Hours(8), Hours(9), Hours(40)];
        for &t in starts {
            let position = c.next_open(t);
            for d in durations
                .into_iter()
                .chain([Days(0), Days(1), Days(5), Days(23)])
            {
                let end = c.add_business(t, d);
                let back = c.sub_business(end, d);
                // The contract is "at or before"; on these calendars the walk is exact.
                assert_eq!(back, position, "{d} from {t}");
                assert!(back <= end);
                if let Hours(h) = d {
                    assert_eq!(c.business_minutes_between(back, end), i64::from(h) * 60);
                }
            }
        }
    }

    #[test]
    fn sub_business_inverts_add_business() {
        let starts = [
            ams(2026, 6, 9, 9, 0),
            ams(2026, 6, 9, 7, 0),
            ams(2026, 6, 9, 17, 0),
            ams(2026, 6, 9, 23, 0),
            ams(2026, 6, 13, 11, 0),
            ams(2026, 12, 24, 16, 30),
            ams(2026, 12, 25, 12, 0),
            ams(2026, 3, 27, 16, 0),
            ams(2026, 10, 23, 9, 15),
        ];
        assert_inverse(&desk(), &starts);
        let nights = [
            ams(2026, 3, 22, 2, 30),
            ams(2026, 3, 22, 4, 0),
            ams(2026, 3, 28, 12, 0),
            utc(2026, 3, 29, 2, 0),
            ams(2026, 10, 24, 12, 0),
            utc(2026, 10, 25, 3, 0),
        ];
        assert_inverse(&night_desk(), &nights);
    }

    #[test]
    fn sub_business_never_passes_end() {
        let c = desk();
        // Saturday: the last business instant is Friday's closing.
        let saturday = ams(2026, 6, 13, 11, 0);
        assert_eq!(c.sub_business(saturday, Hours(0)), ams(2026, 6, 12, 17, 0));
        assert_eq!(c.sub_business(saturday, Days(0)), ams(2026, 6, 12, 17, 0));
        assert_eq!(c.sub_business(saturday, Hours(1)), ams(2026, 6, 12, 16, 0));
        assert_eq!(c.sub_business(saturday, Days(1)), ams(2026, 6, 11, 17, 0));
        // At opening sharp the walk continues into the previous day.
        assert_eq!(
            c.sub_business(ams(2026, 6, 9, 8, 30), Hours(1)),
            ams(2026, 6, 8, 16, 0)
        );
        assert_eq!(
            c.sub_business(ams(2026, 6, 9, 8, 30), Hours(0)),
            ams(2026, 6, 9, 8, 30)
        );
    }

    #[test]
    fn business_minutes() {
        let c = desk();
        assert_eq!(
            c.business_minutes_between(ams(2026, 6, 9, 9, 0), ams(2026, 6, 9, 9, 45)),
            45
        );
        assert_eq!(
            c.business_minutes_between(ams(2026, 6, 9, 9, 0), ams(2026, 6, 9, 8, 0)),
            0
        );
        // A whole week is five days of 8½ hours.
        let week = c.business_minutes_between(ams(2026, 6, 8, 0, 0), ams(2026, 6, 15, 0, 0));
        assert_eq!(week, 5 * 510);
        // Christmas week loses its Friday.
        let xmas = c.business_minutes_between(ams(2026, 12, 21, 0, 0), ams(2026, 12, 28, 23, 0));
        assert_eq!(xmas, 4 * 510);
        let seconds = ams(2026, 6, 9, 9, 0) + TimeDelta::seconds(119);
        assert_eq!(
            c.business_minutes_between(ams(2026, 6, 9, 9, 0), seconds),
            1
        );
    }

    #[test]
    fn searches_and_walks_are_bounded() {
        let first = date(2026, 1, 1);
        let all: Vec<NaiveDate> = first.iter_days().take(4000).collect();
        let c = Calendar::new(Amsterdam, time(8, 30), time(17, 0), &[Mon, Sat], &all)
            .expect("valid calendar");
        let stop = date(2026, 1, 5) + chrono::Days::new(u64::from(HORIZON_DAYS));
        assert_eq!(c.working_day_on_or_after(date(2026, 1, 5)), stop);
        assert!(c.next_open(ams(2026, 1, 5, 9, 0)) > ams(2028, 12, 1, 0, 0));
        assert!(c.add_business(ams(2026, 1, 5, 9, 0), Days(3)) > ams(2028, 12, 1, 0, 0));
        assert!(c.add_business(ams(2026, 1, 5, 9, 0), Hours(3)) > ams(2028, 12, 1, 0, 0));
        let end = ams(2030, 1, 1, 12, 0);
        assert!(c.sub_business(end, Hours(3)) <= end);
        assert!(c.sub_business(end, Days(3)) <= end);
        assert_eq!(c.business_minutes_between(ams(2026, 1, 5, 9, 0), end), 0);
        // An absurd duration stops at the walk limit a century on instead of grinding for minutes.
        let far = desk().add_business(ams(2026, 6, 9, 9, 0), Hours(u32::MAX));
        assert!(
            far > ams(2120, 1, 1, 0, 0) && far < ams(2130, 1, 1, 0, 0),
            "{far}"
        );
        let far_back = desk().sub_business(ams(2026, 6, 9, 9, 0), Days(u32::MAX));
        assert!(far_back < ams(1930, 1, 1, 0, 0), "{far_back}");
    }

    #[test]
    fn parse_and_display_durations() {
        assert_eq!("4h".parse(), Ok(Hours(4)));
        assert_eq!("3d".parse(), Ok(Days(3)));
        assert_eq!("0h".parse(), Ok(Hours(0)));
        assert_eq!(" 8 h ".parse(), Ok(Hours(8)));
        assert_eq!("2D".parse(), Ok(Days(2)));
        assert_eq!(Hours(4).to_string(), "4h");
        assert_eq!(Days(3).to_string(), "3d");
        for bad in [
            "3x",
            "",
            "h",
            "4",
            "-1h",
            "+4h",
            "1.5h",
            "4 hours",
            "99999999999h",
            "4é",
        ] {
            let err = bad.parse::<BusinessDuration>();
            assert!(
                matches!(err, Err(CalendarError::BadDuration(_))),
                "{bad:?}: {err:?}"
            );
        }
        let err = "3x".parse::<BusinessDuration>().expect_err("bad duration");
        assert_eq!(
            err.to_string(),
            "\"3x\" is not a business duration: write a whole number followed by h (business \
             hours) or d (working days), e.g. \"4h\" or \"3d\""
        );
    }

    #[test]
    fn new_refuses_unusable_calendars() {
        let err = Calendar::new(Amsterdam, time(17, 0), time(8, 30), &[Mon], &[]);
        assert_eq!(
            err.as_ref().map(|_| ()),
            Err(&CalendarError::OpensNotBeforeCloses {
                opens: time(17, 0),
                closes: time(8, 30)
            })
        );
        let msg = err.expect_err("refused").to_string();
        assert!(
            msg.starts_with("opening time 17:00 is not before closing time 08:30"),
            "{msg}"
        );
        assert!(Calendar::new(Amsterdam, time(9, 0), time(9, 0), &[Mon], &[]).is_err());
        let none = Calendar::new(Amsterdam, time(8, 30), time(17, 0), &[], &[]);
        assert_eq!(none.expect_err("refused"), CalendarError::NoWorkingDays);
        let c = desk();
        assert_eq!(
            (c.tz(), c.opens(), c.closes()),
            (Amsterdam, time(8, 30), time(17, 0))
        );
        assert_eq!(c.local_date(utc(2026, 6, 9, 22, 30)), date(2026, 6, 10));
    }
}
