//! The schedule's own settings: SLA target times and the rules of progress mail. `config`
//! reads them from the `[sla]` and `[schedule]` tables and checks them; the schedule trusts them.

use super::calendar::BusinessDuration;
use crate::model::Priority;
use chrono::NaiveTime;

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
    pub priority: Option<Priority>,
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
