//! The desk's configuration: one TOML file, read once at start (and again on reload).
//! Everything is checked here, so the rest of the program can trust it; every error names the
//! key and says how to fix it. Relative paths are relative to the config file's folder.
//!
//! Which way imports go: a domain that needs only its own settings owns their types and config
//! builds them from the file (`schedule::settings`, `schedule::calendar`), so config depends on
//! it. A domain that needs the desk as a whole (who is an agent, the desk's address, the
//! portal) takes `&Config`, and its settings are config's types (`Limits`, `Since` for
//! `classify`), so it depends on config. No domain does both.

mod check;
mod error;
mod location;
mod mail;
mod raw;
mod secrets;
mod show;
mod status;
mod warnings;
mod web;

pub use error::ConfigError;
use error::invalid;
pub use location::Location;
pub use warnings::{Warning, warnings};
pub use web::{DEFAULT_ADMIN_LISTEN, DEFAULT_HEADER_TIMEOUT, WebSettings};

pub use mail::{
    AuthMechanism, Imap, InboundKind, InboundSettings, Outbound, Processed, Since, Smtp, TlsMode,
    is_loopback,
};
pub use secrets::{IMAP_CREDENTIAL, SMTP_CREDENTIAL, Secret};

use crate::model::Lang;
use crate::schedule::calendar::Calendar;
use crate::schedule::settings::{Schedule, Sla};
use check::*;
use chrono_tz::Tz;
use raw::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_PATH: &str = "/etc/deskmail/deskmail.toml";

/// Less than a quarantined mail keeps would lose the headers and text of ordinary mail.
fn max_raw_bytes(value: Option<usize>) -> Result<usize, ConfigError> {
    let min = crate::store::inbound::QUARANTINE_PREFIX;
    match value {
        None => Ok(DEFAULT_MAX_RAW_BYTES),
        Some(n) if n >= min => Ok(n),
        Some(n) => Err(invalid(
            "store.max_raw_bytes",
            format!("{n} bytes is too little to keep a mail's headers and text"),
            format!("set it to at least {min} (the default is {DEFAULT_MAX_RAW_BYTES})"),
        )),
    }
}

/// The whole, checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (for messages and reload).
    pub file: PathBuf,
    pub desk: Desk,
    pub store: StoreSettings,
    pub inbound: InboundSettings,
    pub outbound: Outbound,
    /// The emergency brake: sending pauses when more than this many mails went out in an hour
    /// (0: no brake).
    pub max_per_hour: u32,
    pub portal: Portal,
    pub agents: Agents,
    pub tickets: Tickets,
    pub calendar: Calendar,
    pub sla: Sla,
    pub schedule: Schedule,
    pub templates: TemplateSettings,
    /// Loops and floods stop here, per address and per ticket, before the brake.
    pub limits: Limits,
    /// `[status]`: when `deskmail status` warns, and when an away mailbox is told to agents.
    pub status: crate::status::thresholds::Thresholds,
    /// `[web]`: the requester's pages and the operations endpoints; `None`: nothing listens.
    pub web: Option<WebSettings>,
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
pub struct StoreSettings {
    pub path: PathBuf,
    /// At most this much of a decided mail is kept in the database (its first bytes: headers
    /// and text); the mailbox is the archive of attachments, not the desk's database.
    pub max_raw_bytes: usize,
    /// How long raw mail is kept once it is no longer needed (`store.keep_raw_days`).
    pub keep_raw: crate::retention::KeepRaw,
}

/// `store.max_raw_bytes` when the config has none.
pub const DEFAULT_MAX_RAW_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Portal {
    pub form_url: String,
    pub senders: Vec<String>,
    pub excerpt_chars: usize,
    /// At most one portal reply per sender address in this many hours (0: no limit).
    pub reply_interval_hours: u32,
    pub forms: Vec<FormRule>,
    pub fields: FieldNames,
    pub prefill: PrefillNames,
}

/// A category-specific portal form, chosen when a keyword occurs in the mail.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormRule {
    pub category: String,
    pub url: String,
    pub keywords: Vec<String>,
}

/// Names of the `Field: value` lines in portal form mails (case-insensitive).
#[derive(Debug, Clone, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
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
    /// The key that signs the reply addresses of mails to agents; `None`: deskmail keeps a
    /// generated one in its database.
    pub secret: Option<Vec<u8>>,
    /// The file `secret` came from (`agents.secret_file`).
    pub secret_file: Option<PathBuf>,
    /// The `authserv-id` of the receiving mail server whose `Authentication-Results` header is
    /// trusted; when set, agents' mails must also pass DKIM, SPF or DMARC for their domain.
    pub authserv_id: Option<String>,
    /// A morning digest of late and nearly late tickets to each agent.
    pub digest: bool,
}

#[derive(Debug, Clone)]
pub struct Tickets {
    pub ref_prefix: String,
    pub first_number: i64,
}

#[derive(Debug, Clone)]
pub struct TemplateSettings {
    /// A folder with `nl/` and `en/` copies; None uses the built-in templates.
    pub path: Option<PathBuf>,
}

/// `[limits]` (0 switches a limit off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Mails to one address (base address) in 24 hours.
    pub per_address_per_day: u32,
    /// Mails about one ticket (to the requester and to the agents) in 24 hours.
    pub per_ticket_per_day: u32,
    /// Portal replies to anyone in one hour (default half of `outbound.max_per_hour`):
    /// strangers cannot use up the brake's budget.
    pub portal_replies_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_address_per_day: 20,
            per_ticket_per_day: 40,
            portal_replies_per_hour: 500,
        }
    }
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
        Config::check(raw, file, base).map_err(|e| e.located(file, text))
    }

    fn check(raw: RawConfig, file: &Path, base: &Path) -> Result<Config, ConfigError> {
        // the package's conffile says so until it is edited: an unedited install must not run
        // against example.org (or, with a typo'd host, against nobody's mailbox)
        if raw.example == Some(true) {
            return Err(invalid(
                "example",
                format!(
                    "{} is the packaged example, not yet your desk's configuration",
                    file.display()
                ),
                "describe your desk in it (desk, inbound, outbound, portal, agents), write the mail passwords, then delete the line `example = true`",
            ));
        }
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
            name: crate::text::fold_whitespace(&raw.desk.name),
            address,
            language,
            message_id_domain,
        };

        let inbound = mail::inbound(&raw.inbound, &rel)?;
        let outbound = mail::outbound(&raw.outbound, &rel)?;

        let portal = Portal {
            form_url: url("portal.form_url", &raw.portal.form_url)?,
            senders: portal_senders(&raw.portal.senders)?,
            excerpt_chars: in_range(
                "portal.excerpt_chars",
                raw.portal.excerpt_chars,
                500,
                50,
                Some(4000),
                "characters",
            )?,
            reply_interval_hours: in_range(
                "portal.reply_interval_hours",
                raw.portal.reply_interval_hours,
                24,
                0,
                Some(24 * 30),
                "hours",
            )?,
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
            secret: raw
                .agents
                .secret_file
                .as_deref()
                .map(|p| agent_secret(&rel(p)))
                .transpose()?,
            secret_file: raw.agents.secret_file.as_deref().map(rel),
            authserv_id: raw
                .agents
                .authserv_id
                .as_deref()
                .map(authserv_id)
                .transpose()?,
            digest: raw.agents.digest.unwrap_or(true),
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
            first_number: in_range(
                "tickets.first_number",
                Some(raw.tickets.first_number),
                1000,
                1,
                None,
                "",
            )?,
        };

        let calendar = calendar(tz, &raw.calendar)?;
        let sla = sla(&raw.sla)?;
        let schedule = schedule(&raw.schedule)?;
        let status = status::status(&raw.status, schedule.tick_seconds)?;
        let web = web::web(raw.web.as_ref())?;
        let templates = TemplateSettings {
            path: raw.templates.path.as_deref().map(rel),
        };

        let defaults = Limits::default();
        let limits = Limits {
            per_address_per_day: raw
                .limits
                .per_address_per_day
                .unwrap_or(defaults.per_address_per_day),
            per_ticket_per_day: raw
                .limits
                .per_ticket_per_day
                .unwrap_or(defaults.per_ticket_per_day),
            // by default half the brake's budget: strangers alone can never trip the brake
            // that would stop the mail of real requesters too
            portal_replies_per_hour: raw.limits.portal_replies_per_hour.unwrap_or(
                match raw.outbound.max_per_hour.unwrap_or(1000) {
                    0 => 0,
                    brake => (brake / 2).max(1),
                },
            ),
        };
        Ok(Config {
            file: file.to_path_buf(),
            limits,
            desk,
            store: StoreSettings {
                path: rel(&raw.store.path),
                max_raw_bytes: max_raw_bytes(raw.store.max_raw_bytes)?,
                keep_raw: crate::retention::KeepRaw::from_days(raw.store.keep_raw_days)
                    .map_err(|e| invalid("store.keep_raw_days", e.problem, e.fix))?,
            },
            inbound,
            outbound,
            max_per_hour: raw.outbound.max_per_hour.unwrap_or(1000),
            portal,
            agents,
            tickets,
            calendar,
            sla,
            schedule,
            templates,
            status,
            web,
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
mod tests;
