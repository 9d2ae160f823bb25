//! Target dates from the SLA policy: a business duration per priority, overridden per category.

use super::calendar::{BusinessDuration, Calendar};
use super::settings::Sla;
use crate::model::Priority;
use chrono::{DateTime, Utc};

/// The target span for a ticket: the first category rule that matches (and whose priority, if it
/// names one, matches), else the priority's default.
pub fn target_span(sla: &Sla, priority: Priority, category: &str) -> BusinessDuration {
    let category = category.trim().to_lowercase();
    sla.rules
        .iter()
        .find(|r| r.category == category && r.priority.is_none_or(|p| p == priority))
        .map(|r| r.target)
        .unwrap_or(match priority {
            Priority::Low => sla.low,
            Priority::Normal => sla.normal,
            Priority::High => sla.high,
            Priority::Critical => sla.critical,
        })
}

/// When a ticket created at `created` should be done, counted in business time.
pub fn target_at(
    calendar: &Calendar,
    sla: &Sla,
    created: DateTime<Utc>,
    priority: Priority,
    category: &str,
) -> DateTime<Utc> {
    calendar.add_business(created, target_span(sla, priority, category))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::settings::SlaRule;

    fn sla() -> Sla {
        Sla {
            low: BusinessDuration::Days(5),
            normal: BusinessDuration::Days(3),
            high: BusinessDuration::Days(1),
            critical: BusinessDuration::Hours(4),
            rules: vec![
                SlaRule {
                    category: "account".into(),
                    priority: None,
                    target: BusinessDuration::Hours(2),
                },
                SlaRule {
                    category: "printer".into(),
                    priority: Some(Priority::Low),
                    target: BusinessDuration::Days(10),
                },
            ],
        }
    }

    #[test]
    fn category_rules_override_priority_defaults() {
        let s = sla();
        assert_eq!(
            target_span(&s, Priority::Normal, "network"),
            BusinessDuration::Days(3)
        );
        assert_eq!(
            target_span(&s, Priority::Critical, "network"),
            BusinessDuration::Hours(4)
        );
        assert_eq!(
            target_span(&s, Priority::Low, "Account"),
            BusinessDuration::Hours(2)
        );
        assert_eq!(
            target_span(&s, Priority::Low, "printer"),
            BusinessDuration::Days(10)
        );
        assert_eq!(
            target_span(&s, Priority::High, "printer"),
            BusinessDuration::Days(1)
        );
    }
}
