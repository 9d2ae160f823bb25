//! `[status]`: the thresholds of `deskmail status` and of the notice that the mailbox is away.
//! Out-of-range values are refused, never clamped, naming the key.

use super::raw::RawStatus;
use super::{ConfigError, invalid};
use crate::status::{Level, thresholds::MB, thresholds::Thresholds};
use chrono::Duration;

pub(super) fn status(raw: &RawStatus, tick_seconds: u64) -> Result<Thresholds, ConfigError> {
    let d = Thresholds::default();
    let minutes = |key: &str, value: Option<u32>, default: Duration, min: u32| match value {
        None => Ok(default),
        Some(n) if n >= min => Ok(Duration::minutes(i64::from(n))),
        Some(n) => Err(invalid(
            &format!("status.{key}"),
            format!("{n} is below {min}"),
            format!(
                "set it to {min} or more (the default is {})",
                default.num_minutes()
            ),
        )),
    };
    let ordered = |warning: (&str, i64), critical: (&str, i64), unit: &str| {
        if warning.1 < critical.1 {
            return Ok(());
        }
        Err(invalid(
            &format!("status.{}", warning.0),
            format!(
                "{} {unit} is not below status.{} ({} {unit}): the warning would never come first",
                warning.1, critical.0, critical.1
            ),
            format!(
                "make status.{} smaller than status.{}",
                warning.0, critical.0
            ),
        ))
    };
    let pair = |name: &str, raw: (Option<u32>, Option<u32>), default: (Duration, Duration)| {
        let keys = (
            format!("{name}_warning_minutes"),
            format!("{name}_critical_minutes"),
        );
        let warning = minutes(&keys.0, raw.0, default.0, 1)?;
        let critical = minutes(&keys.1, raw.1, default.1, 1)?;
        ordered(
            (&keys.0, warning.num_minutes()),
            (&keys.1, critical.num_minutes()),
            "minutes",
        )?;
        Ok::<_, ConfigError>((warning, critical))
    };
    let (fetch_warning, fetch_critical) = pair(
        "fetch",
        (raw.fetch_warning_minutes, raw.fetch_critical_minutes),
        (d.fetch_warning, d.fetch_critical),
    )?;
    let (pending_warning, pending_critical) = pair(
        "pending",
        (raw.pending_warning_minutes, raw.pending_critical_minutes),
        (d.pending_warning, d.pending_critical),
    )?;
    let free_warning = raw
        .free_space_warning_mb
        .map_or(d.free_space_warning_bytes, |mb| mb.saturating_mul(MB));
    let free_critical = raw
        .free_space_critical_mb
        .map_or(d.free_space_critical_bytes, |mb| mb.saturating_mul(MB));
    // less free space is worse: the critical level is the lower one
    ordered(
        ("free_space_critical_mb", (free_critical / MB) as i64),
        ("free_space_warning_mb", (free_warning / MB) as i64),
        "MB",
    )?;
    let failed = match raw.failed_is.as_deref() {
        None => d.failed,
        Some("ok") => Level::Ok,
        Some("warning") => Level::Warning,
        Some("critical") => Level::Critical,
        Some(other) => {
            return Err(invalid(
                "status.failed_is",
                format!("{other:?} is not a level"),
                "write \"ok\", \"warning\" or \"critical\"",
            ));
        }
    };
    let heartbeat = minutes("heartbeat_minutes", raw.heartbeat_minutes, d.heartbeat, 1)?;
    // the daemon writes its heartbeat once a pass, and passes come every schedule.tick_seconds
    let needed = (2 * tick_seconds).div_ceil(60).max(1);
    if (heartbeat.num_minutes() as u64) < needed {
        return Err(invalid(
            "status.heartbeat_minutes",
            format!(
                "{} minutes is less than two scheduler ticks (schedule.tick_seconds = {tick_seconds}): a healthy daemon would read as hung",
                heartbeat.num_minutes()
            ),
            format!("set it to at least {needed}"),
        ));
    }
    let mailbox_down_notice = minutes(
        "mailbox_down_notice_minutes",
        raw.mailbox_down_notice_minutes,
        d.mailbox_down_notice,
        0,
    )?;
    Ok(Thresholds {
        fetch_warning,
        fetch_critical,
        pending_warning,
        pending_critical,
        failed,
        free_space_warning_bytes: free_warning,
        free_space_critical_bytes: free_critical,
        heartbeat,
        mailbox_down_notice,
    })
}

impl super::Config {
    /// What `deskmail status` and `/healthz` look at and judge by.
    pub fn status_desk(&self) -> crate::status::probe::Desk<'_> {
        crate::status::probe::Desk {
            database: &self.store.path,
            thresholds: &self.status,
            max_per_hour: self.max_per_hour,
            calendar: &self.calendar,
            schedule: &self.schedule,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::test_config;

    fn refused(extra: &str) -> String {
        let text = format!("{}{extra}", super::super::tests::MINIMAL);
        match crate::config::Config::from_toml(
            &text,
            std::path::Path::new("/etc/deskmail/deskmail.toml"),
            std::path::Path::new("/etc/deskmail"),
        ) {
            Ok(_) => panic!("accepted: {extra}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_and_values_are_taken() {
        let c = test_config("");
        assert_eq!(c.status.fetch_warning.num_minutes(), 10);
        assert_eq!(c.status.mailbox_down_notice.num_minutes(), 15);
        let c = test_config(
            "\n[status]\nfetch_warning_minutes = 5\nfailed_is = \"critical\"\nfree_space_warning_mb = 2000\nmailbox_down_notice_minutes = 0\n",
        );
        assert_eq!(c.status.fetch_warning.num_minutes(), 5);
        assert_eq!(c.status.failed, crate::status::Level::Critical);
        assert_eq!(c.status.free_space_warning_bytes, 2000 * super::MB);
        assert!(c.status.mailbox_down_notice.is_zero());
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = refused("\n[status]\nfetch_warning_minutes = 0\n");
        assert!(e.contains("status.fetch_warning_minutes"), "{e}");
        let e = refused("\n[status]\nfetch_warning_minutes = 90\n");
        assert!(
            e.contains("status.fetch_warning_minutes")
                && e.contains("status.fetch_critical_minutes"),
            "{e}"
        );
        let e = refused("\n[status]\nfree_space_critical_mb = 800\n");
        assert!(e.contains("status.free_space_critical_mb"), "{e}");
        let e = refused("\n[status]\nfailed_is = \"bad\"\n");
        assert!(
            e.contains("status.failed_is") && e.contains("\"warning\""),
            "{e}"
        );
        let e = refused("\n[schedule]\ntick_seconds = 600\n[status]\nheartbeat_minutes = 5\n");
        assert!(
            e.contains("status.heartbeat_minutes") && e.contains("at least 20"),
            "{e}"
        );
        let e = refused("\n[status]\nfetch_minutes = 5\n");
        assert!(e.contains("fetch_minutes"), "unknown keys are refused: {e}");
    }
}
