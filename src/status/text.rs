//! The status report for people and for Nagios-style monitoring: the first line is
//! `DESKMAIL <VERDICT> - <summary> | <performance data>`, the lines after it the details.

use super::{Facts, Report};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// A span of time in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn span(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => match (s % 3600) / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        _ => match (s % 86400) / 3600 {
            0 => format!("{} d", s / 86400),
            h => format!("{} d {h} h", s / 86400),
        },
    }
}

/// `12 min ago`.
pub fn ago(d: Duration) -> String {
    format!("{} ago", span(d))
}

/// `1 mail`, `3 mails`.
pub fn mails(n: u32) -> String {
    if n == 1 {
        "1 mail".into()
    } else {
        format!("{n} mails")
    }
}

/// `512 KB`, `1.2 MB`, `20.3 GB`.
pub fn bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K * K {
        format!("{:.0} KB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MB", f / K / K)
    } else {
        format!("{:.1} GB", f / K / K / K)
    }
}

/// The summary when nothing is wrong.
pub(super) fn healthy(f: &Facts, running: bool, now: DateTime<Utc>) -> String {
    let d = &f.daemon;
    let who = match (running, d.pid) {
        (true, Some(pid)) => format!("running (pid {pid})"),
        _ => match d.stopped.or(d.heartbeat) {
            Some(t) => format!("last run --once {}", ago(now - t)),
            None => "not running".into(),
        },
    };
    let fetched = d.last_fetch.map_or_else(
        || "mailbox not read yet".into(),
        |t| format!("mailbox read {}", ago(now - t)),
    );
    format!(
        "{who}, {fetched}, {} waiting, {} failed",
        f.outbox.pending, f.outbox.failed
    )
}

/// The whole report as text.
pub fn render(r: &Report, tz: Tz) -> String {
    let now = r.checked;
    let when = |t: DateTime<Utc>| {
        format!(
            "{} ({})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S"),
            ago(now - t)
        )
    };
    let mut out = format!("DESKMAIL {} - {}", r.verdict.word(), r.summary);
    if let Some(perf) = perfdata(r) {
        out.push_str(&format!(" | {perf}"));
    }
    out.push('\n');
    let mut line = |label: &str, text: String| out.push_str(&format!("{label:<13} {text}\n"));
    for p in &r.problems {
        line(
            &format!("{}:", p.level.word()),
            format!("[{}] {}", p.section, p.text),
        );
    }
    if let Some(d) = &r.daemon {
        let mut s = match (d.running, d.pid) {
            (true, Some(pid)) => format!("running, pid {pid}"),
            (_, Some(pid)) => format!("not running (last pid {pid})"),
            _ => "not running".into(),
        };
        if let Some(mode) = d.mode {
            s.push_str(match mode {
                super::Mode::Daemon => ", as a daemon (deskmail run)",
                super::Mode::Once => ", one pass at a time (deskmail run --once)",
            });
        }
        if let Some(t) = d.started {
            s.push_str(&format!("; started {}", when(t)));
        }
        if let Some(t) = d.heartbeat {
            s.push_str(&format!("; heartbeat {}", when(t)));
        }
        if let Some(t) = d.stopped {
            s.push_str(&format!("; stopped {}", when(t)));
        }
        line("daemon:", s);
    }
    if let Some(m) = &r.mailbox {
        let mut s = m.source.clone().unwrap_or_else(|| "(not read yet)".into());
        s.push_str(if m.connected {
            ", connected"
        } else {
            ", not connected"
        });
        match m.last_fetch {
            Some(t) => s.push_str(&format!("; last fetch {}", when(t))),
            None => s.push_str("; no fetch yet"),
        }
        if let (Some(e), Some(since)) = (&m.error, m.error_since) {
            s.push_str(&format!("; failing since {}: {e}", when(since)));
        }
        if let Some(t) = m.agents_told {
            s.push_str(&format!("; agents told {}", when(t)));
        }
        line("mailbox:", s);
    }
    if let Some(o) = &r.outbox {
        let mut s = format!(
            "{} waiting, {} failed, {} dismissed",
            o.pending, o.failed, o.dismissed
        );
        if let Some(age) = o.oldest_pending_age_seconds {
            s.push_str(&format!(
                "; oldest waiting {}",
                span(Duration::seconds(age))
            ));
        }
        match (&o.brake.since, o.brake.max_per_hour) {
            (Some(t), _) => s.push_str(&format!("; BRAKE ENGAGED {}", when(*t))),
            (None, 0) => s.push_str("; no brake (outbound.max_per_hour = 0)"),
            (None, n) => s.push_str(&format!("; brake released (at {n} an hour)")),
        }
        line("outbox:", s);
    }
    if let Some(n) = &r.not_answered {
        let mut parts: Vec<String> = n
            .held
            .iter()
            .map(|(why, count)| format!("{count} {}", held_words(why)))
            .collect();
        parts.push(format!(
            "{} for the agents' next hourly bundle",
            n.handoff_waiting_for_bundle
        ));
        line("not answered:", parts.join("; "));
    }
    let st = &r.storage;
    let mut s = st.database.display().to_string();
    if let Some(b) = st.database_bytes {
        s.push_str(&format!(", {}", bytes(b)));
    }
    if let Some(b) = st.free_bytes {
        s.push_str(&format!("; {} free", bytes(b)));
    }
    line("storage:", s);
    if let Some(sc) = &r.schedule {
        let mut s = format!("{} progress mail(s) due within 24 h", sc.due_within_24h);
        for c in &sc.next {
            s.push_str(&format!(
                "\n{:<13} {} {} {}",
                "",
                c.at.with_timezone(&tz).format("%a %Y-%m-%d %H:%M"),
                c.ticket,
                c.kind
            ));
        }
        line("schedule:", s);
    }
    out
}

fn held_words(code: &str) -> &'static str {
    match code {
        "first_start" => "in the mailbox before deskmail first ran",
        "since" => "from before inbound.since",
        "too_old" => "older than inbound.max_age_days",
        "flood" => "over limits.per_ticket_per_day",
        _ => "held back",
    }
}

/// Nagios performance data: the values behind the verdict, for graphs.
fn perfdata(r: &Report) -> Option<String> {
    let o = r.outbox.as_ref()?;
    let m = r.mailbox.as_ref()?;
    let mut parts = vec![
        format!("pending={}", o.pending),
        format!("failed={}", o.failed),
        format!(
            "oldest_pending={}s",
            o.oldest_pending_age_seconds.unwrap_or(0)
        ),
    ];
    if let Some(age) = m.last_fetch_age_seconds {
        parts.push(format!("fetch_age={age}s"));
    }
    if let Some(b) = r.storage.database_bytes {
        parts.push(format!("database={b}B"));
    }
    if let Some(b) = r.storage.free_bytes {
        parts.push(format!("free={b}B"));
    }
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        assert_eq!(span(Duration::seconds(45)), "45 s");
        assert_eq!(span(Duration::minutes(12)), "12 min");
        assert_eq!(span(Duration::minutes(185)), "3 h 5 min");
        assert_eq!(span(Duration::hours(2)), "2 h");
        assert_eq!(span(Duration::hours(52)), "2 d 4 h");
        assert_eq!(span(Duration::seconds(-5)), "0 s");
        assert_eq!(bytes(2048), "2 KB");
        assert_eq!(bytes(5 * 1024 * 1024 + 200_000), "5.2 MB");
        assert_eq!(mails(1), "1 mail");
    }
}
