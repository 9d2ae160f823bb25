//! Checks of single values: each turns text from the file into a typed value, or an error that
//! names the key and says how to fix it.

use super::raw::{RawCalendar, RawSchedule, RawSla};
use super::{ConfigError, invalid};
use crate::schedule::calendar::{BusinessDuration, Calendar, CalendarError};
use crate::schedule::settings::{Schedule, Sla, SlaRule};
use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use std::str::FromStr;

pub(super) fn email(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if crate::model::valid_address(v) {
        Ok(v.to_string())
    } else {
        Err(invalid(
            key,
            format!("{value:?} is not an e-mail address"),
            "write a bare address such as \"servicedesk@example.org\"",
        ))
    }
}

pub(super) fn emails(key: &str, values: &[String]) -> Result<Vec<String>, ConfigError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| email(&format!("{key}[{i}]"), v))
        .collect()
}

/// Without a portal sender no form mail ever becomes a ticket: every mail would get a portal
/// reply and nothing more.
pub(super) fn portal_senders(values: &[String]) -> Result<Vec<String>, ConfigError> {
    if values.is_empty() {
        return Err(invalid(
            "portal.senders",
            "is empty, so no form mail would ever become a ticket",
            "list the address(es) the portal's form mails come from, e.g. [\"portal@example.org\"]",
        ));
    }
    emails("portal.senders", values)
}

/// A number the desk can work with: out of range is refused with the range, never clamped
/// behind the admin's back. `max` None: no upper bound.
pub(super) fn in_range<T>(
    key: &str,
    value: Option<T>,
    default: T,
    min: T,
    max: Option<T>,
    unit: &str,
) -> Result<T, ConfigError>
where
    T: PartialOrd + Copy + std::fmt::Display,
{
    let Some(v) = value else { return Ok(default) };
    if v >= min && max.is_none_or(|max| v <= max) {
        return Ok(v);
    }
    let shown = if unit.is_empty() {
        v.to_string()
    } else {
        format!("{v} {unit}")
    };
    let range = match max {
        Some(max) => format!("from {min} to {max}"),
        None => format!("of at least {min}"),
    };
    Err(invalid(
        key,
        format!("{shown} is out of range"),
        format!("give a value {range} (the default is {default})"),
    ))
}

pub(super) fn url(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    // the parser the prefilled link is built with (portal::prefill_url)
    let web = url::Url::parse(v)
        .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if web && !v.contains(char::is_whitespace) {
        Ok(v.to_string())
    } else {
        Err(invalid(
            key,
            format!("{value:?} is not a web address"),
            "write the full address of the portal form, starting with https://",
        ))
    }
}

pub(super) fn time(key: &str, value: &str) -> Result<NaiveTime, ConfigError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| {
        invalid(
            key,
            format!("{value:?} is not a time of day"),
            "write it as HH:MM, e.g. \"08:30\"",
        )
    })
}

pub(super) fn duration(key: &str, value: &str) -> Result<BusinessDuration, ConfigError> {
    BusinessDuration::from_str(value)
        .map_err(|e| invalid(key, e.to_string(), "e.g. \"4h\" or \"3d\""))
}

pub(super) fn calendar(tz: Tz, raw: &RawCalendar) -> Result<Calendar, ConfigError> {
    let opens = time("calendar.opens", &raw.opens)?;
    let closes = time("calendar.closes", &raw.closes)?;
    let days = raw
        .working_days
        .iter()
        .map(|d| {
            d.parse::<Weekday>().map_err(|_| {
                invalid(
                    "calendar.working_days",
                    format!("{d:?} is not a weekday"),
                    "use mon, tue, wed, thu, fri, sat, sun",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let holidays = raw
        .holidays
        .iter()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                invalid(
                    "calendar.holidays",
                    format!("{d:?} is not a date"),
                    "write dates as YYYY-MM-DD, e.g. \"2026-12-25\"",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Calendar::new(tz, opens, closes, &days, &holidays).map_err(|e: CalendarError| {
        invalid(
            "calendar",
            e.to_string(),
            "check opens < closes and at least one working day",
        )
    })
}

pub(super) fn sla(raw: &RawSla) -> Result<Sla, ConfigError> {
    let rules = raw
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let priority = match &r.priority {
                Some(p) => Some(p.parse().map_err(|e: String| {
                    invalid(
                        &format!("sla.rules[{i}].priority"),
                        e,
                        "or leave it out to match every priority",
                    )
                })?),
                None => None,
            };
            Ok(SlaRule {
                category: r.category.trim().to_lowercase(),
                priority,
                target: duration(&format!("sla.rules[{i}].target"), &r.target)?,
            })
        })
        .collect::<Result<_, ConfigError>>()?;
    Ok(Sla {
        low: duration("sla.low", &raw.low)?,
        normal: duration("sla.normal", &raw.normal)?,
        high: duration("sla.high", &raw.high)?,
        critical: duration("sla.critical", &raw.critical)?,
        rules,
    })
}

pub(super) fn schedule(raw: &RawSchedule) -> Result<Schedule, ConfigError> {
    let send_from = time("schedule.send_from", &raw.send_from)?;
    let send_until = time("schedule.send_until", &raw.send_until)?;
    if send_from >= send_until {
        return Err(invalid(
            "schedule.send_until",
            "is not after schedule.send_from",
            "give a window such as send_from = \"08:00\", send_until = \"18:00\"",
        ));
    }
    if raw.update_every_days == 0 {
        return Err(invalid(
            "schedule.update_every_days",
            "is 0",
            "give the number of working days between progress mails, e.g. 2",
        ));
    }
    if raw.max_per_ticket_per_day == 0 {
        return Err(invalid(
            "schedule.max_per_ticket_per_day",
            "is 0, which would break every promise",
            "set it to 1 or more",
        ));
    }
    Ok(Schedule {
        near_before: duration("schedule.near_before", &raw.near_before)?,
        update_every_days: raw.update_every_days,
        max_per_ticket_per_day: raw.max_per_ticket_per_day,
        send_from,
        send_until,
        tick_seconds: in_range(
            "schedule.tick_seconds",
            Some(raw.tick_seconds),
            60,
            1,
            Some(3600),
            "seconds",
        )?,
    })
}

/// The agents' signing key: at least 16 bytes, from a file only root and deskmail can read.
pub(super) fn agent_secret(path: &std::path::Path) -> Result<Vec<u8>, ConfigError> {
    let key = "agents.secret_file";
    let text = std::fs::read(path).map_err(|e| {
        invalid(
            key,
            format!("cannot read {}: {e}", path.display()),
            "create it, e.g. `head -c 32 /dev/urandom | base64 > FILE`, readable by deskmail",
        )
    })?;
    let secret = text.trim_ascii().to_vec();
    if secret.len() < 16 {
        return Err(invalid(
            key,
            format!("{} holds {} bytes", path.display(), secret.len()),
            "use at least 16 random bytes, e.g. `head -c 32 /dev/urandom | base64 > FILE`",
        ));
    }
    Ok(secret)
}

/// An `authserv-id` as RFC 8601 writes it: one token, usually the receiving server's host name.
pub(super) fn authserv_id(value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == ';') {
        return Err(invalid(
            "agents.authserv_id",
            format!("{value:?} is not an authserv-id"),
            "use the first word of the Authentication-Results header your own mail server \
             adds, e.g. \"mx.example.org\"",
        ));
    }
    Ok(v.to_string())
}
