//! Unit tests of the business calendar and of business-time arithmetic, on an Amsterdam desk
//! (08:30–17:00 Mon–Fri, Christmas off) and a night desk whose opening falls in DST changes.

use super::*;
use chrono::TimeDelta;
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
