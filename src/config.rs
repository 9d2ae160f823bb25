//! The desk's configuration: one TOML file, read once at start (and again on reload).
//! Everything is checked here, so the rest of the program can trust it; every error names the
//! key and says how to fix it. Relative paths are relative to the config file's folder.

use crate::model::Lang;
use crate::schedule::calendar::{BusinessDuration, Calendar, CalendarError};
use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub const DEFAULT_PATH: &str = "/etc/deskmail/deskmail.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("config key `{key}`: {problem}; {fix}")]
    Invalid {
        key: String,
        problem: String,
        fix: String,
    },
}

fn invalid(key: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// The whole, checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (for messages and reload).
    pub file: PathBuf,
    pub desk: Desk,
    pub store: Store,
    pub inbound: Inbound,
    pub outbound: Outbound,
    pub portal: Portal,
    pub agents: Agents,
    pub tickets: Tickets,
    pub calendar: Calendar,
    pub sla: Sla,
    pub schedule: Schedule,
    pub templates: Templates,
}

#[derive(Debug, Clone)]
pub struct Desk {
    pub name: String,
    pub address: String,
    pub language: Lang,
    /// Domain of the Message-IDs we create; our own mails are recognised by it.
    pub message_id_domain: String,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub path: PathBuf,
}

/// What to do with a source message once its decision is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// Leave it where it is; the store's bookkeeping alone prevents a second pass.
    Keep,
    /// Mark it seen (Maildir: move to `cur/` with the `S` flag).
    Seen,
    /// Move it into a folder (Maildir: a sub-folder `.Name`).
    Move(String),
}

#[derive(Debug, Clone)]
pub enum Inbound {
    Maildir {
        path: PathBuf,
        processed: Processed,
        /// Folder name for mail that could not be processed.
        error_folder: String,
        max_message_bytes: usize,
        poll_seconds: u64,
    },
}

impl Inbound {
    pub fn max_message_bytes(&self) -> usize {
        match self {
            Inbound::Maildir {
                max_message_bytes, ..
            } => *max_message_bytes,
        }
    }

    pub fn poll_seconds(&self) -> u64 {
        match self {
            Inbound::Maildir { poll_seconds, .. } => *poll_seconds,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Outbound {
    Maildir { path: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Portal {
    pub form_url: String,
    pub senders: Vec<String>,
    pub excerpt_chars: usize,
    pub forms: Vec<FormRule>,
    pub fields: FieldNames,
    pub prefill: PrefillNames,
}

/// A category-specific portal form, chosen when a keyword occurs in the mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRule {
    pub category: String,
    pub url: String,
    pub keywords: Vec<String>,
}

/// Names of the `Field: value` lines in portal form mails (case-insensitive).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FieldNames {
    pub name: Vec<String>,
    pub email: Vec<String>,
    pub category: Vec<String>,
    pub priority: Vec<String>,
    pub subject: Vec<String>,
    pub description: Vec<String>,
}

impl Default for FieldNames {
    fn default() -> Self {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
        FieldNames {
            name: v(&["Name", "Naam"]),
            email: v(&["Email", "E-mail", "E-mailadres"]),
            category: v(&["Category", "Categorie"]),
            priority: v(&["Priority", "Prioriteit"]),
            subject: v(&["Subject", "Onderwerp"]),
            description: v(&["Description", "Omschrijving", "Beschrijving"]),
        }
    }
}

/// Query parameter names of the portal form's prefill.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrefillNames {
    pub email: String,
    pub name: String,
    pub subject: String,
    pub description: String,
}

impl Default for PrefillNames {
    fn default() -> Self {
        PrefillNames {
            email: "email".into(),
            name: "name".into(),
            subject: "subject".into(),
            description: "description".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Agents {
    pub queue: String,
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Tickets {
    pub ref_prefix: String,
    pub first_number: i64,
}

/// Target times per priority, with optional per-category overrides.
#[derive(Debug, Clone)]
pub struct Sla {
    pub low: BusinessDuration,
    pub normal: BusinessDuration,
    pub high: BusinessDuration,
    pub critical: BusinessDuration,
    pub rules: Vec<SlaRule>,
}

#[derive(Debug, Clone)]
pub struct SlaRule {
    pub category: String,
    pub priority: Option<crate::model::Priority>,
    pub target: BusinessDuration,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    /// How long before the target the "target date is near" mail goes.
    pub near_before: BusinessDuration,
    /// Working days between two promised contacts.
    pub update_every_days: u32,
    pub max_per_ticket_per_day: u32,
    /// Sending hours (local time, working days only).
    pub send_from: NaiveTime,
    pub send_until: NaiveTime,
    pub tick_seconds: u64,
}

#[derive(Debug, Clone)]
pub struct Templates {
    /// A folder with `nl/` and `en/` copies; None uses the built-in templates.
    pub path: Option<PathBuf>,
}

// ---- the file as written -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    desk: RawDesk,
    store: RawStore,
    inbound: RawInbound,
    outbound: RawOutbound,
    portal: RawPortal,
    agents: RawAgents,
    #[serde(default)]
    tickets: RawTickets,
    #[serde(default)]
    calendar: RawCalendar,
    #[serde(default)]
    sla: RawSla,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    templates: RawTemplates,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesk {
    name: String,
    address: String,
    timezone: String,
    language: String,
    message_id_domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInbound {
    kind: String,
    path: Option<PathBuf>,
    processed: Option<String>,
    error_folder: Option<String>,
    max_message_bytes: Option<usize>,
    poll_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutbound {
    kind: String,
    path: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPortal {
    form_url: String,
    senders: Vec<String>,
    excerpt_chars: Option<usize>,
    #[serde(default)]
    forms: Vec<FormRule>,
    #[serde(default)]
    fields: FieldNames,
    #[serde(default)]
    prefill: PrefillNames,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgents {
    queue: String,
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawTickets {
    ref_prefix: String,
    first_number: i64,
}

impl Default for RawTickets {
    fn default() -> Self {
        RawTickets {
            ref_prefix: "SD-".into(),
            first_number: 1000,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawCalendar {
    opens: String,
    closes: String,
    working_days: Vec<String>,
    holidays: Vec<String>,
}

impl Default for RawCalendar {
    fn default() -> Self {
        RawCalendar {
            opens: "08:30".into(),
            closes: "17:00".into(),
            working_days: ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            holidays: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSla {
    low: String,
    normal: String,
    high: String,
    critical: String,
    rules: Vec<RawSlaRule>,
}

impl Default for RawSla {
    fn default() -> Self {
        RawSla {
            low: "5d".into(),
            normal: "3d".into(),
            high: "1d".into(),
            critical: "4h".into(),
            rules: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlaRule {
    category: String,
    priority: Option<String>,
    target: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSchedule {
    near_before: String,
    update_every_days: u32,
    max_per_ticket_per_day: u32,
    send_from: String,
    send_until: String,
    tick_seconds: u64,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            near_before: "1d".into(),
            update_every_days: 2,
            max_per_ticket_per_day: 1,
            send_from: "08:00".into(),
            send_until: "18:00".into(),
            tick_seconds: 60,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTemplates {
    path: Option<PathBuf>,
}

// ---- loading and checking ------------------------------------------------------------------

impl Config {
    /// Read and check the config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Config::from_toml(&text, path, &base)
    }

    /// Check a config given as text; `base` is the folder relative paths start from.
    pub fn from_toml(text: &str, file: &Path, base: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: file.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let rel = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };

        let tz: Tz = raw.desk.timezone.parse().map_err(|_| {
            invalid(
                "desk.timezone",
                format!("{:?} is not a time zone", raw.desk.timezone),
                "use an IANA name such as \"Europe/Amsterdam\"",
            )
        })?;
        let language: Lang = raw
            .desk
            .language
            .parse()
            .map_err(|e: String| invalid("desk.language", e, "set it to \"nl\" or \"en\""))?;
        let address = email("desk.address", &raw.desk.address)?;
        let message_id_domain = match raw.desk.message_id_domain {
            Some(d) if !d.trim().is_empty() && !d.contains(['@', ' ', '<', '>']) => {
                d.trim().to_string()
            }
            Some(d) => {
                return Err(invalid(
                    "desk.message_id_domain",
                    format!("{d:?} is not a domain name"),
                    "write a plain domain such as \"desk.example.org\", or leave it out to use deskmail.<the desk address's domain>",
                ));
            }
            // a sub-domain of our own, so colleagues' mail from the same domain never looks like ours
            None => address
                .rsplit_once('@')
                .map(|(_, d)| format!("deskmail.{d}"))
                .unwrap_or_default(),
        };
        if raw.desk.name.trim().is_empty() {
            return Err(invalid(
                "desk.name",
                "is empty",
                "give the desk's name as requesters know it",
            ));
        }
        let desk = Desk {
            name: one_line(&raw.desk.name),
            address,
            language,
            message_id_domain,
        };

        let inbound = match raw.inbound.kind.as_str() {
            "maildir" => {
                let path = raw.inbound.path.as_deref().ok_or_else(|| {
                    invalid(
                        "inbound.path",
                        "is missing",
                        "name the Maildir folder to read (with cur/ new/ tmp/)",
                    )
                })?;
                Inbound::Maildir {
                    path: rel(path),
                    processed: processed(raw.inbound.processed.as_deref().unwrap_or("seen"))?,
                    error_folder: raw.inbound.error_folder.unwrap_or_else(|| "Error".into()),
                    max_message_bytes: raw.inbound.max_message_bytes.unwrap_or(25 * 1024 * 1024),
                    poll_seconds: raw.inbound.poll_seconds.unwrap_or(30).max(1),
                }
            }
            other => {
                return Err(invalid(
                    "inbound.kind",
                    format!("{other:?} is not a known source"),
                    "use kind = \"maildir\"",
                ));
            }
        };

        let outbound = match raw.outbound.kind.as_str() {
            "maildir" => {
                let path = raw.outbound.path.as_deref().ok_or_else(|| {
                    invalid(
                        "outbound.path",
                        "is missing",
                        "name the Maildir folder outgoing mail is written to",
                    )
                })?;
                Outbound::Maildir { path: rel(path) }
            }
            other => {
                return Err(invalid(
                    "outbound.kind",
                    format!("{other:?} is not a known transport"),
                    "use kind = \"maildir\"",
                ));
            }
        };

        let portal = Portal {
            form_url: url("portal.form_url", &raw.portal.form_url)?,
            senders: emails("portal.senders", &raw.portal.senders)?,
            excerpt_chars: raw.portal.excerpt_chars.unwrap_or(500).clamp(50, 4000),
            forms: raw
                .portal
                .forms
                .into_iter()
                .enumerate()
                .map(|(i, f)| {
                    url(&format!("portal.forms[{i}].url"), &f.url)?;
                    if f.keywords.iter().all(|k| k.trim().is_empty()) {
                        return Err(invalid(
                            &format!("portal.forms[{i}].keywords"),
                            "is empty",
                            "list the words that pick this form, e.g. [\"printer\", \"printen\"]",
                        ));
                    }
                    Ok(f)
                })
                .collect::<Result<_, _>>()?,
            fields: raw.portal.fields,
            prefill: raw.portal.prefill,
        };

        let agents = Agents {
            queue: email("agents.queue", &raw.agents.queue)?,
            addresses: emails("agents.addresses", &raw.agents.addresses)?,
        };

        if raw.tickets.ref_prefix.is_empty()
            || !raw
                .tickets
                .ref_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(
                "tickets.ref_prefix",
                format!(
                    "{:?} is not usable in a subject tag",
                    raw.tickets.ref_prefix
                ),
                "use letters, digits and '-', e.g. \"SD-\"",
            ));
        }
        let tickets = Tickets {
            ref_prefix: raw.tickets.ref_prefix,
            first_number: raw.tickets.first_number.max(1),
        };

        let calendar = calendar(tz, &raw.calendar)?;
        let sla = sla(&raw.sla)?;
        let schedule = schedule(&raw.schedule)?;
        let templates = Templates {
            path: raw.templates.path.as_deref().map(rel),
        };

        Ok(Config {
            file: file.to_path_buf(),
            desk,
            store: Store {
                path: rel(&raw.store.path),
            },
            inbound,
            outbound,
            portal,
            agents,
            tickets,
            calendar,
            sla,
            schedule,
            templates,
        })
    }

    /// Every address that is ours: mail from these is never answered.
    pub fn own_addresses(&self) -> Vec<String> {
        vec![self.desk.address.clone()]
    }

    pub fn is_agent(&self, email: &str) -> bool {
        let base = crate::model::base_address(email);
        self.agents
            .addresses
            .iter()
            .chain(std::iter::once(&self.agents.queue))
            .any(|a| a.eq_ignore_ascii_case(&base))
    }

    pub fn is_portal_sender(&self, email: &str) -> bool {
        let base = crate::model::base_address(email);
        self.portal
            .senders
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&base))
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn email(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    let ok = v.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty()
            && d.contains('.')
            && !v.contains(|c: char| c.is_whitespace() || "<>,;\"".contains(c))
    });
    if ok {
        Ok(v.to_string())
    } else {
        Err(invalid(
            key,
            format!("{value:?} is not an e-mail address"),
            "write a bare address such as \"servicedesk@example.org\"",
        ))
    }
}

fn emails(key: &str, values: &[String]) -> Result<Vec<String>, ConfigError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| email(&format!("{key}[{i}]"), v))
        .collect()
}

fn url(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if (v.starts_with("https://") || v.starts_with("http://"))
        && !v.contains(char::is_whitespace)
        && v.len() > 10
    {
        Ok(v.to_string())
    } else {
        Err(invalid(
            key,
            format!("{value:?} is not a web address"),
            "write the full address of the portal form, starting with https://",
        ))
    }
}

fn processed(value: &str) -> Result<Processed, ConfigError> {
    match value {
        "keep" => Ok(Processed::Keep),
        "seen" => Ok(Processed::Seen),
        v => match v.strip_prefix("move:") {
            Some(folder) if !folder.trim().is_empty() && !folder.contains(['/', '\\']) => {
                Ok(Processed::Move(folder.trim().to_string()))
            }
            _ => Err(invalid(
                "inbound.processed",
                format!("{value:?} is not a known way to mark mail"),
                "use \"seen\", \"keep\" or \"move:Folder\"",
            )),
        },
    }
}

fn time(key: &str, value: &str) -> Result<NaiveTime, ConfigError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| {
        invalid(
            key,
            format!("{value:?} is not a time of day"),
            "write it as HH:MM, e.g. \"08:30\"",
        )
    })
}

fn duration(key: &str, value: &str) -> Result<BusinessDuration, ConfigError> {
    BusinessDuration::from_str(value)
        .map_err(|e| invalid(key, e.to_string(), "e.g. \"4h\" or \"3d\""))
}

fn calendar(tz: Tz, raw: &RawCalendar) -> Result<Calendar, ConfigError> {
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

fn sla(raw: &RawSla) -> Result<Sla, ConfigError> {
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

fn schedule(raw: &RawSchedule) -> Result<Schedule, ConfigError> {
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
        tick_seconds: raw.tick_seconds.clamp(1, 3600),
    })
}

/// A small valid config for unit tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn test_config(extra: &str) -> Config {
    let text = format!("{}{extra}", tests::MINIMAL);
    match Config::from_toml(
        &text,
        Path::new("/etc/deskmail/deskmail.toml"),
        Path::new("/etc/deskmail"),
    ) {
        Ok(c) => c,
        Err(e) => panic!("test config refused: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINIMAL: &str = r#"
[desk]
name = "Servicedesk"
address = "servicedesk@example.org"
timezone = "Europe/Amsterdam"
language = "nl"
[store]
path = "var/deskmail.sqlite"
[inbound]
kind = "maildir"
path = "inbox"
[outbound]
kind = "maildir"
path = "var/outbox"
[portal]
form_url = "https://portal.example.org/form"
senders = ["portal@example.org"]
[agents]
queue = "agents@example.org"
addresses = ["anna@example.org"]
"#;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(
            text,
            Path::new("/etc/deskmail/deskmail.toml"),
            Path::new("/etc/deskmail"),
        )
    }

    fn key_of(e: ConfigError) -> String {
        match e {
            ConfigError::Invalid { key, .. } => key,
            other => format!("not an Invalid error: {other}"),
        }
    }

    #[test]
    fn minimal_config_loads_with_defaults_and_relative_paths() {
        let c = load(MINIMAL).unwrap();
        assert_eq!(
            c.store.path,
            PathBuf::from("/etc/deskmail/var/deskmail.sqlite")
        );
        assert_eq!(c.desk.message_id_domain, "deskmail.example.org");
        assert_eq!(c.tickets.ref_prefix, "SD-");
        assert_eq!(c.schedule.update_every_days, 2);
        assert!(matches!(
            &c.inbound,
            Inbound::Maildir {
                processed: Processed::Seen,
                ..
            }
        ));
        assert!(c.is_agent("Anna@Example.org"));
        assert!(c.is_portal_sender("portal+x@example.org"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("Europe/Amsterdam", "Mars/Olympus", "desk.timezone"),
            ("language = \"nl\"", "language = \"fr\"", "desk.language"),
            (
                "queue = \"agents@example.org\"",
                "queue = \"agents\"",
                "agents.queue",
            ),
            (
                "https://portal.example.org/form",
                "portal.example.org",
                "portal.form_url",
            ),
            (
                "kind = \"maildir\"\npath = \"inbox\"",
                "kind = \"pop3\"",
                "inbound.kind",
            ),
        ];
        for (from, to, key) in cases {
            let err = load(&MINIMAL.replacen(from, to, 1)).unwrap_err();
            assert_eq!(key_of(err), key, "replacing {from:?}");
        }
        let err = load(&format!("{MINIMAL}[schedule]\nsend_from = \"19:00\"\n")).unwrap_err();
        assert_eq!(key_of(err), "schedule.send_until");
        let err = load(&format!("{MINIMAL}[sla]\nhigh = \"soon\"\n")).unwrap_err();
        assert_eq!(key_of(err), "sla.high");
        let err = load(&format!(
            "{MINIMAL}[calendar]\nholidays = [\"25-12-2026\"]\n"
        ))
        .unwrap_err();
        assert_eq!(key_of(err), "calendar.holidays");
    }

    #[test]
    fn unknown_keys_and_syntax_errors_are_refused_with_the_name() {
        let err =
            load(&MINIMAL.replace("[agents]", "[agents]\nqueu = \"x@example.org\"")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("queu"), "{text}");
        assert!(matches!(
            load("[desk\nname=1"),
            Err(ConfigError::Syntax { .. })
        ));
    }
}
