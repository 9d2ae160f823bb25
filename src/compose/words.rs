//! The few words the templates need from code, in each language: dates as people write them,
//! a ticket's status and priority in words.

use crate::model::{Lang, Priority, Status};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

const NL_DAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const NL_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "donderdag 27 november 2026" / "Thursday 27 November 2026".
pub fn date(lang: Lang, d: NaiveDate) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    let m = d.month0() as usize;
    match lang {
        Lang::Nl => format!("{} {} {} {}", NL_DAYS[wd], d.day(), NL_MONTHS[m], d.year()),
        Lang::En => format!("{} {} {} {}", EN_DAYS[wd], d.day(), EN_MONTHS[m], d.year()),
    }
}

/// "donderdag 27 november 2026 om 14:00" / "Thursday 27 November 2026 at 14:00", in the desk's zone.
pub fn date_time(lang: Lang, t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    let day = date(lang, local.date_naive());
    let hm = local.format("%H:%M");
    match lang {
        Lang::Nl => format!("{day} om {hm}"),
        Lang::En => format!("{day} at {hm}"),
    }
}

/// Who reads a status in words: the requester ("waiting for your reply") or the agents
/// ("waiting for the requester").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    Requester,
    Agents,
}

pub fn status(lang: Lang, voice: Voice, s: &Status) -> &'static str {
    match (lang, voice, s) {
        (Lang::Nl, _, Status::Open) => "in behandeling",
        (Lang::Nl, Voice::Requester, Status::WaitingCustomer) => "wacht op jouw reactie",
        (Lang::Nl, Voice::Agents, Status::WaitingCustomer) => "wacht op de aanmelder",
        (Lang::Nl, _, Status::WaitingThirdParty) => "wacht op een derde partij",
        (Lang::Nl, _, Status::Resolved) => "opgelost",
        (Lang::Nl, _, Status::Closed) => "gesloten",
        (Lang::En, Voice::Requester, Status::Open) => "being worked on",
        (Lang::En, Voice::Agents, Status::Open) => "open",
        (Lang::En, Voice::Requester, Status::WaitingCustomer) => "waiting for your reply",
        (Lang::En, Voice::Agents, Status::WaitingCustomer) => "waiting for the requester",
        (Lang::En, _, Status::WaitingThirdParty) => "waiting for a third party",
        (Lang::En, _, Status::Resolved) => "resolved",
        (Lang::En, _, Status::Closed) => "closed",
    }
}

pub fn priority(lang: Lang, p: Priority) -> &'static str {
    match (lang, p) {
        (Lang::Nl, Priority::Low) => "laag",
        (Lang::Nl, Priority::Normal) => "normaal",
        (Lang::Nl, Priority::High) => "hoog",
        (Lang::Nl, Priority::Critical) => "kritiek",
        (Lang::En, p) => p.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(date(Lang::Nl, d), "donderdag 26 november 2026");
        assert_eq!(date(Lang::En, d), "Thursday 26 November 2026");
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(
            date_time(Lang::Nl, t, chrono_tz::Europe::Amsterdam),
            "woensdag 1 juli 2026 om 14:00"
        );
    }

    #[test]
    fn agents_read_a_wait_on_the_requester_as_agents() {
        let waiting = Status::WaitingCustomer;
        assert_eq!(
            status(Lang::Nl, Voice::Requester, &waiting),
            "wacht op jouw reactie"
        );
        assert_eq!(
            status(Lang::Nl, Voice::Agents, &waiting),
            "wacht op de aanmelder"
        );
        assert_eq!(
            status(Lang::En, Voice::Agents, &waiting),
            "waiting for the requester"
        );
    }
}
