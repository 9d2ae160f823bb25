//! The configuration file as written: serde structures with the defaults of every optional key.
//! `deny_unknown_fields` everywhere, so a typo is an error, not a silent default. The same
//! structures, filled from a checked config, are what `config show` writes.

use super::{FieldNames, FormRule, PrefillNames};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    /// `example = true`: the packaged example, not yet describing a desk (refused until removed).
    #[serde(default, skip_serializing)]
    pub(super) example: Option<bool>,
    pub(super) desk: RawDesk,
    pub(super) store: RawStore,
    pub(super) inbound: RawInbound,
    pub(super) outbound: RawOutbound,
    pub(super) portal: RawPortal,
    pub(super) agents: RawAgents,
    #[serde(default)]
    pub(super) tickets: RawTickets,
    #[serde(default)]
    pub(super) calendar: RawCalendar,
    #[serde(default)]
    pub(super) sla: RawSla,
    #[serde(default)]
    pub(super) schedule: RawSchedule,
    #[serde(default)]
    pub(super) templates: RawTemplates,
    #[serde(default)]
    pub(super) limits: RawLimits,
    #[serde(default)]
    pub(super) status: RawStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) web: Option<RawWeb>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    pub(super) listen: String,
    pub(super) base_url: String,
    pub(super) admin_listen: Option<String>,
    pub(super) header_timeout_seconds: Option<u64>,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatus {
    pub(super) fetch_warning_minutes: Option<u32>,
    pub(super) fetch_critical_minutes: Option<u32>,
    pub(super) pending_warning_minutes: Option<u32>,
    pub(super) pending_critical_minutes: Option<u32>,
    pub(super) failed_is: Option<String>,
    pub(super) free_space_warning_mb: Option<u64>,
    pub(super) free_space_critical_mb: Option<u64>,
    pub(super) heartbeat_minutes: Option<u32>,
    pub(super) mailbox_down_notice_minutes: Option<u32>,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) per_address_per_day: Option<u32>,
    pub(super) per_ticket_per_day: Option<u32>,
    pub(super) portal_replies_per_hour: Option<u32>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDesk {
    pub(super) name: String,
    pub(super) address: String,
    pub(super) timezone: String,
    pub(super) language: String,
    pub(super) message_id_domain: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub(super) path: PathBuf,
    pub(super) max_raw_bytes: Option<usize>,
    pub(super) keep_raw_days: Option<i64>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInbound {
    pub(super) kind: String,
    pub(super) path: Option<PathBuf>,
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) password_file: Option<PathBuf>,
    pub(super) password_command: Option<String>,
    pub(super) auth: Option<String>,
    pub(super) mailbox: Option<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) idle: Option<bool>,
    pub(super) processed: Option<String>,
    pub(super) error_folder: Option<String>,
    pub(super) max_message_bytes: Option<usize>,
    pub(super) poll_seconds: Option<u64>,
    pub(super) since: Option<String>,
    pub(super) max_age_days: Option<u32>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutbound {
    pub(super) kind: String,
    pub(super) path: Option<PathBuf>,
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) tls: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) password_file: Option<PathBuf>,
    pub(super) password_command: Option<String>,
    pub(super) auth: Option<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) timeout_seconds: Option<u64>,
    pub(super) max_per_hour: Option<u32>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPortal {
    pub(super) form_url: String,
    pub(super) senders: Vec<String>,
    pub(super) excerpt_chars: Option<usize>,
    pub(super) reply_interval_hours: Option<u32>,
    #[serde(default)]
    pub(super) forms: Vec<FormRule>,
    #[serde(default)]
    pub(super) fields: FieldNames,
    #[serde(default)]
    pub(super) prefill: PrefillNames,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgents {
    pub(super) queue: String,
    #[serde(default)]
    pub(super) addresses: Vec<String>,
    pub(super) secret_file: Option<PathBuf>,
    pub(super) authserv_id: Option<String>,
    pub(super) digest: Option<bool>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawTickets {
    pub(super) ref_prefix: String,
    pub(super) first_number: i64,
}

impl Default for RawTickets {
    fn default() -> Self {
        RawTickets {
            ref_prefix: "SD-".into(),
            first_number: 1000,
        }
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawCalendar {
    pub(super) opens: String,
    pub(super) closes: String,
    pub(super) working_days: Vec<String>,
    pub(super) holidays: Vec<String>,
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

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSla {
    pub(super) low: String,
    pub(super) normal: String,
    pub(super) high: String,
    pub(super) critical: String,
    pub(super) rules: Vec<RawSlaRule>,
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

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlaRule {
    pub(super) category: String,
    pub(super) priority: Option<String>,
    pub(super) target: String,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSchedule {
    pub(super) near_before: String,
    pub(super) update_every_days: u32,
    pub(super) max_per_ticket_per_day: u32,
    pub(super) send_from: String,
    pub(super) send_until: String,
    pub(super) tick_seconds: u64,
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

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    pub(super) path: Option<PathBuf>,
}
