//! `deskmail config show`: the configuration in effect, every default filled in, as TOML that
//! loads back to the same configuration (like `postconf -n` / `doveconf -n`). Passwords are
//! never written: a file or command is named by its key (`password_file`, `password_command`),
//! a password written in the config shows as [`HIDDEN`], a systemd credential as a comment.
//! Built from the file's own structures, so a key added there cannot be forgotten here.

use super::raw::*;
use super::{Config, InboundKind, Outbound, Processed, Secret, Since};
use crate::schedule::calendar::Calendar;
use crate::schedule::settings::{Schedule, Sla};

/// What a password written in the config file shows as.
pub const HIDDEN: &str = "(hidden)";

/// Where a secret comes from, as the keys `password`, `password_file`, `password_command`.
type SecretKeys = (Option<String>, Option<std::path::PathBuf>, Option<String>);

fn secret_keys(secret: Option<&Secret>) -> SecretKeys {
    match secret {
        Some(Secret::Password(_)) => (Some(HIDDEN.into()), None, None),
        Some(Secret::File(path)) => (None, Some(path.clone()), None),
        Some(Secret::Command(command)) => (None, None, Some(command.clone())),
        // no key at all is what makes deskmail look for the credential
        Some(Secret::Credential(_)) | None => (None, None, None),
    }
}

fn processed(p: &Processed) -> String {
    p.to_string()
}

fn since(s: Since) -> String {
    match s {
        Since::FirstStart => "first_start".into(),
        Since::All => "all".into(),
        Since::Date(d) => d.format("%Y-%m-%d").to_string(),
    }
}

fn hhmm(t: chrono::NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn inbound(c: &Config) -> RawInbound {
    let i = &c.inbound;
    let mut raw = RawInbound {
        kind: String::new(),
        path: None,
        host: None,
        port: None,
        tls: None,
        username: None,
        password: None,
        password_file: None,
        password_command: None,
        auth: None,
        mailbox: None,
        ca_file: None,
        idle: None,
        processed: Some(processed(&i.processed)),
        error_folder: Some(i.error_folder.clone()),
        max_message_bytes: Some(i.max_message_bytes),
        poll_seconds: Some(i.poll_seconds),
        since: Some(since(i.since)),
        max_age_days: Some(i.max_age_days),
    };
    match &i.kind {
        InboundKind::Maildir { path } => {
            raw.kind = "maildir".into();
            raw.path = Some(path.clone());
        }
        InboundKind::Imap(imap) => {
            raw.kind = "imap".into();
            raw.host = Some(imap.host.clone());
            raw.port = Some(imap.port);
            raw.tls = Some(imap.tls.as_str().into());
            raw.username = Some(imap.username.clone());
            (raw.password, raw.password_file, raw.password_command) =
                secret_keys(Some(&imap.secret));
            raw.auth = Some(imap.auth.as_str().into());
            raw.mailbox = Some(imap.mailbox.clone());
            raw.ca_file = imap.ca_file.clone();
            raw.idle = Some(imap.idle);
        }
    }
    raw
}

fn outbound(c: &Config) -> RawOutbound {
    let mut raw = RawOutbound {
        kind: String::new(),
        path: None,
        host: None,
        port: None,
        tls: None,
        username: None,
        password: None,
        password_file: None,
        password_command: None,
        auth: None,
        ca_file: None,
        timeout_seconds: None,
        max_per_hour: Some(c.max_per_hour),
    };
    match &c.outbound {
        Outbound::Maildir { path } => {
            raw.kind = "maildir".into();
            raw.path = Some(path.clone());
        }
        Outbound::Smtp(smtp) => {
            raw.kind = "smtp".into();
            raw.host = Some(smtp.host.clone());
            raw.port = Some(smtp.port);
            raw.tls = Some(smtp.tls.as_str().into());
            raw.username = smtp.login.as_ref().map(|(user, _)| user.clone());
            (raw.password, raw.password_file, raw.password_command) =
                secret_keys(smtp.login.as_ref().map(|(_, s)| s));
            raw.auth = smtp.login.as_ref().map(|_| smtp.auth.as_str().into());
            raw.ca_file = smtp.ca_file.clone();
            raw.timeout_seconds = Some(smtp.timeout_seconds);
        }
    }
    raw
}

fn calendar(cal: &Calendar) -> RawCalendar {
    RawCalendar {
        opens: hhmm(cal.opens()),
        closes: hhmm(cal.closes()),
        working_days: cal
            .working_days()
            .iter()
            .map(|d| d.to_string().to_lowercase())
            .collect(),
        holidays: cal
            .holidays()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect(),
    }
}

fn sla(sla: &Sla) -> RawSla {
    RawSla {
        low: sla.low.to_string(),
        normal: sla.normal.to_string(),
        high: sla.high.to_string(),
        critical: sla.critical.to_string(),
        rules: sla
            .rules
            .iter()
            .map(|r| RawSlaRule {
                category: r.category.clone(),
                priority: r.priority.map(|p| p.as_str().into()),
                target: r.target.to_string(),
            })
            .collect(),
    }
}

fn schedule(s: &Schedule) -> RawSchedule {
    RawSchedule {
        near_before: s.near_before.to_string(),
        update_every_days: s.update_every_days,
        max_per_ticket_per_day: s.max_per_ticket_per_day,
        send_from: hhmm(s.send_from),
        send_until: hhmm(s.send_until),
        tick_seconds: s.tick_seconds,
    }
}

/// The file's structures, filled from `c`.
fn raw(c: &Config) -> RawConfig {
    RawConfig {
        example: None,
        desk: RawDesk {
            name: c.desk.name.clone(),
            address: c.desk.address.clone(),
            timezone: c.calendar.tz().name().into(),
            language: c.desk.language.code().into(),
            message_id_domain: Some(c.desk.message_id_domain.clone()),
        },
        store: RawStore {
            path: c.store.path.clone(),
            max_raw_bytes: Some(c.store.max_raw_bytes),
            keep_raw_days: Some(match c.store.keep_raw {
                crate::retention::KeepRaw::Forever => 0,
                crate::retention::KeepRaw::Days(n) => i64::from(n),
            }),
        },
        inbound: inbound(c),
        outbound: outbound(c),
        portal: RawPortal {
            form_url: c.portal.form_url.clone(),
            senders: c.portal.senders.clone(),
            excerpt_chars: Some(c.portal.excerpt_chars),
            reply_interval_hours: Some(c.portal.reply_interval_hours),
            forms: c.portal.forms.clone(),
            fields: c.portal.fields.clone(),
            prefill: c.portal.prefill.clone(),
        },
        agents: RawAgents {
            queue: c.agents.queue.clone(),
            addresses: c.agents.addresses.clone(),
            secret_file: c.agents.secret_file.clone(),
            authserv_id: c.agents.authserv_id.clone(),
            digest: Some(c.agents.digest),
        },
        tickets: RawTickets {
            ref_prefix: c.tickets.ref_prefix.clone(),
            first_number: c.tickets.first_number,
        },
        calendar: calendar(&c.calendar),
        sla: sla(&c.sla),
        schedule: schedule(&c.schedule),
        templates: RawTemplates {
            path: c.templates.path.clone(),
        },
        limits: RawLimits {
            per_address_per_day: Some(c.limits.per_address_per_day),
            per_ticket_per_day: Some(c.limits.per_ticket_per_day),
            portal_replies_per_hour: Some(c.limits.portal_replies_per_hour),
        },
        status: status(&c.status),
        web: c.web.as_ref().map(|w| RawWeb {
            listen: w.listen.to_string(),
            base_url: w.base_url.to_string(),
            admin_listen: Some(w.admin_listen.to_string()),
            header_timeout_seconds: Some(w.header_timeout.as_secs()),
        }),
    }
}

fn status(t: &crate::status::thresholds::Thresholds) -> RawStatus {
    use crate::status::Level;
    let minutes = |d: chrono::Duration| Some(u32::try_from(d.num_minutes()).unwrap_or(u32::MAX));
    let mb = |bytes: u64| Some(bytes / crate::status::thresholds::MB);
    RawStatus {
        fetch_warning_minutes: minutes(t.fetch_warning),
        fetch_critical_minutes: minutes(t.fetch_critical),
        pending_warning_minutes: minutes(t.pending_warning),
        pending_critical_minutes: minutes(t.pending_critical),
        failed_is: Some(
            match t.failed {
                Level::Ok | Level::Unknown => "ok",
                Level::Warning => "warning",
                Level::Critical => "critical",
            }
            .into(),
        ),
        free_space_warning_mb: mb(t.free_space_warning_bytes),
        free_space_critical_mb: mb(t.free_space_critical_bytes),
        heartbeat_minutes: minutes(t.heartbeat),
        mailbox_down_notice_minutes: minutes(t.mailbox_down_notice),
    }
}

impl Config {
    /// The effective configuration as TOML, passwords never written (see the module's words).
    pub fn show(&self) -> Result<String, toml::ser::Error> {
        let mut out = format!(
            "# the configuration in effect from {}, every default filled in\n\
             # (deskmail config show); passwords are never shown\n",
            self.file.display()
        );
        for (section, secret, _) in self.secrets() {
            let note = match secret {
                Secret::Password(_) => format!("{section}.password: {secret}, shown as {HIDDEN:?}"),
                Secret::Credential(_) => format!("{section} password: {secret}"),
                Secret::File(_) | Secret::Command(_) => continue,
            };
            out.push_str(&format!("# {note}\n"));
        }
        out.push('\n');
        out.push_str(&toml::to_string(&raw(self))?);
        Ok(out)
    }
}
