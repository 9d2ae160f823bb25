//! The desk the schedule's unit tests share: Amsterdam, 08:30–17:00 on weekdays, Christmas
//! Friday and the Monday after off, mails 08:00–18:00, a promise every two working days, one
//! progress mail a ticket a day.

use crate::schedule::calendar::{BusinessDuration, Calendar};
use crate::schedule::settings::Schedule;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Amsterdam;

pub fn cal() -> Calendar {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let holidays = [date(2026, 12, 25), date(2026, 12, 28)];
    Calendar::new(Amsterdam, hm(8, 30), hm(17, 0), &days, &holidays).unwrap()
}

pub fn sched() -> Schedule {
    Schedule {
        near_before: BusinessDuration::Days(1),
        update_every_days: 2,
        max_per_ticket_per_day: 1,
        send_from: hm(8, 0),
        send_until: hm(18, 0),
        tick_seconds: 60,
    }
}

pub fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Local Amsterdam time as an instant.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Amsterdam
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}
