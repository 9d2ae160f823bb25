//! Health and metrics over HTTP as monitoring reads them, from the real daemon with a Maildir
//! desk: `/metrics` counts what the daemon did (mails decided, sent by kind, tickets open by
//! status, latency histograms) in a well-formed Prometheus text, and keeps counting across a
//! reload; `/healthz` gives `deskmail status`'s verdict (200 OK, 503 when CRITICAL); neither is
//! served on the public listener.

mod common;
use common::http::{Response, free_address, get, web_config};
use common::{Daemon, Desk, laptop_form, person_mail};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// One sample line: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parse a scrape line by line as the text exposition format (0.0.4) has it, and panic at the
/// first line that is not: every family has one HELP and one TYPE before its samples, every
/// name starts with `deskmail_`, histograms have cumulative buckets ending in `+Inf` equal to
/// their `_count`, and a `_sum`.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helps: HashMap<String, usize> = HashMap::new();
    let mut samples = Vec::new();
    assert!(text.ends_with('\n'), "the text ends with a line feed");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').unwrap_or((rest, ""));
            *helps.entry(name.to_string()).or_default() += 1;
            assert!(!types.contains_key(name), "HELP before TYPE: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "type: {line}"
            );
            assert_eq!(helps.get(name), Some(&1), "one HELP before: {line}");
            assert!(
                types.insert(name.into(), kind.into()).is_none(),
                "twice: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "line: {line:?}");
        let sample = parse_sample(line);
        assert!(sample.name.starts_with("deskmail_"), "name: {line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|s| sample.name.strip_suffix(s))
            .find(|f| types.get(*f).is_some_and(|k| k == "histogram"))
            .unwrap_or(&sample.name);
        assert!(types.contains_key(family), "no TYPE before: {line}");
        samples.push(sample);
    }
    for (name, _) in types.iter().filter(|(_, k)| *k == "histogram") {
        let buckets: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.name == format!("{name}_bucket"))
            .collect();
        assert!(
            buckets.windows(2).all(|w| w[0].value <= w[1].value),
            "{name}: cumulative"
        );
        let last = buckets.last().unwrap_or_else(|| panic!("{name}: buckets"));
        assert_eq!(last.labels.get("le").map(String::as_str), Some("+Inf"));
        assert_eq!(
            Some(last.value),
            value(&samples, &format!("{name}_count"), &[])
        );
        assert!(
            value(&samples, &format!("{name}_sum"), &[]).is_some(),
            "{name}_sum"
        );
    }
    samples
}

fn parse_sample(line: &str) -> Sample {
    let bad = || -> ! { panic!("not a sample line: {line:?}") };
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| bad());
    let name = &line[..name_end];
    let name_ok = name.chars().enumerate().all(|(i, c)| {
        c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
    });
    if !name_ok || name.is_empty() {
        bad();
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            let (label, after) = inner.split_once("=\"").unwrap_or_else(|| bad());
            if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bad();
            }
            // a label value ends at the first unescaped quote; only \\, \" and \n are escapes
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        _ => bad(),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => bad(),
                }
            };
            labels.insert(label.to_string(), value);
            let after = &after[end + 1..];
            if let Some(next) = after.strip_prefix(',') {
                inner = next;
                continue;
            }
            rest = after.strip_prefix('}').unwrap_or_else(|| bad());
            break;
        }
    }
    let number = rest.strip_prefix(' ').unwrap_or_else(|| bad());
    let value = match number {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        n => n.parse().unwrap_or_else(|_| bad()),
    };
    Sample {
        name: name.to_string(),
        labels,
        value,
    }
}

/// The value of the sample with this name and exactly these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == want)
        .map(|s| s.value)
}

/// Scrape until `ready` holds (the daemon works at its own pace), at most 30 s.
fn scrape_until(admin: SocketAddr, ready: impl Fn(&[Sample]) -> bool) -> (Response, Vec<Sample>) {
    let start = Instant::now();
    loop {
        let page = get(admin, "/metrics");
        assert_eq!(page.status, 200, "{}", page.body);
        let samples = parse_exposition(&page.body);
        if ready(&samples) {
            return (page, samples);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the metrics never showed it:\n{}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn health(admin: SocketAddr) -> (u16, serde_json::Value) {
    let page = get(admin, "/healthz");
    assert_eq!(page.header("content-type"), Some("application/json"));
    let json = serde_json::from_str(&page.body)
        .unwrap_or_else(|e| panic!("/healthz is JSON ({e}): {}", page.body));
    (page.status, json)
}

/// `deskmail status --json` now: what `/healthz` must agree with.
fn status_json(desk: &Desk) -> serde_json::Value {
    let out = desk.run(&["status", "--json"]);
    serde_json::from_slice(&out.stdout).expect("status --json is JSON")
}

#[test]
fn metrics_count_what_the_daemon_did_and_health_is_the_status_verdict() {
    let (public, admin) = (free_address(), free_address());
    let desk = Desk::with_config(&web_config(public, admin));
    desk.deliver(&person_mail(
        "Jan de Vries <jan@example.com>",
        "Printer doet het niet",
        "ops-jan@example.com",
        "De printer geeft een papierstoring.",
    ));
    desk.deliver(&laptop_form("ops-form@example.com", "fatima@example.com"));
    let daemon = Daemon::start(&desk.config);
    let decided = |s: &[Sample], d: &str| value(s, "deskmail_decided_total", &[("decision", d)]);
    let sent = |s: &[Sample], k: &str| value(s, "deskmail_sent_total", &[("kind", k)]);
    let (page, samples) = scrape_until(admin, |s| {
        decided(s, "portal_reply") == Some(1.0)
            && decided(s, "new_ticket") == Some(1.0)
            && value(s, "deskmail_outbox_pending", &[]) == Some(0.0)
    });
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        page.headers
    );
    // the person got the portal reply; the form made a ticket, confirmed to the requester and
    // announced to the agents
    assert_eq!(sent(&samples, "portal_reply"), Some(1.0), "{}", page.body);
    assert_eq!(
        sent(&samples, "ticket_confirmation"),
        Some(1.0),
        "{}",
        page.body
    );
    assert_eq!(
        sent(&samples, "agent_new_ticket"),
        Some(1.0),
        "{}",
        page.body
    );
    assert_eq!(desk.sent().len(), 3, "as many mails in the outbox folder");
    let tickets = |status| value(&samples, "deskmail_tickets_open", &[("status", status)]);
    assert_eq!(tickets("open"), Some(1.0), "{}", page.body);
    assert_eq!(tickets("waiting_customer"), Some(0.0), "{}", page.body);
    assert_eq!(tickets("waiting_third_party"), Some(0.0), "{}", page.body);
    assert_eq!(value(&samples, "deskmail_tickets_overdue", &[]), Some(0.0));
    // present; its count depends on the desk's hours when the test runs (see the store's test)
    assert!(value(&samples, "deskmail_promises_due", &[]).is_some());
    assert_eq!(
        value(&samples, "deskmail_mailbox_connected", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "deskmail_database_readable", &[]),
        Some(1.0)
    );
    // each mail handed to the transport was timed; each read of the Maildir too
    assert_eq!(
        value(&samples, "deskmail_send_seconds_count", &[]),
        Some(3.0)
    );
    assert!(value(&samples, "deskmail_fetch_seconds_count", &[]).is_some_and(|n| n >= 1.0));

    let (code, json) = health(admin);
    assert_eq!(code, 200, "{json}");
    assert_eq!(json["verdict"], "ok", "{json}");
    let status = status_json(&desk);
    assert_eq!(json["verdict"], status["verdict"]);
    assert_eq!(json["problems"], status["problems"]);
    assert_eq!(json["outbox"], status["outbox"]);

    // not on the public listener: a 404 like any unknown page
    for path in ["/metrics", "/healthz"] {
        let page = get(public, path);
        assert_eq!(page.status, 404, "{path} on the public listener");
        assert!(!page.body.contains("deskmail_"), "{}", page.body);
    }

    // a reload keeps the counts; the next mail adds to them
    daemon.signal("HUP");
    desk.deliver(&person_mail(
        "Piet <piet@example.com>",
        "Scherm",
        "ops-piet@example.com",
        "Mijn scherm blijft zwart.",
    ));
    let (page, samples) = scrape_until(admin, |s| decided(s, "portal_reply") == Some(2.0));
    assert_eq!(decided(&samples, "new_ticket"), Some(1.0), "{}", page.body);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("configuration reloaded"), "{log}");
}

#[test]
fn health_is_503_and_critical_while_the_emergency_brake_holds_sending() {
    let (public, admin) = (free_address(), free_address());
    let desk = Desk::braking();
    let mut config = std::fs::read_to_string(&desk.config).expect("config");
    config.push_str(&web_config(public, admin));
    std::fs::write(&desk.config, config).expect("write config");
    let daemon = Daemon::start(&desk.config);
    let (_, samples) = scrape_until(admin, |s| {
        value(s, "deskmail_outbox_brake_engaged", &[]) == Some(1.0)
    });
    assert_eq!(
        value(&samples, "deskmail_sent_total", &[("kind", "portal_reply")]),
        Some(2.0),
        "two went before the brake"
    );
    assert!(value(&samples, "deskmail_outbox_pending", &[]).is_some_and(|n| n >= 2.0));
    let (code, json) = health(admin);
    assert_eq!(code, 503, "{json}");
    assert_eq!(json["verdict"], "critical", "{json}");
    assert!(
        json["summary"]
            .as_str()
            .is_some_and(|s| s.contains("emergency brake")),
        "{json}"
    );
    assert_eq!(json["verdict"], status_json(&desk)["verdict"]);
    assert_eq!(get(public, "/healthz").status, 404);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn the_format_checker_refuses_what_a_scraper_would() {
    let good = "# HELP deskmail_x x\n# TYPE deskmail_x gauge\ndeskmail_x{a=\"q\\\"\"} 1\n";
    assert_eq!(parse_exposition(good)[0].labels["a"], "q\"");
    for bad in [
        "deskmail_x 1\n",                                                      // no TYPE
        "# HELP other_x x\n# TYPE other_x gauge\nother_x 1\n",                 // not ours
        "# HELP deskmail_x x\n# TYPE deskmail_x gauge\ndeskmail_x{a=\"q} 1\n", // open quote
        "# HELP deskmail_x x\n# TYPE deskmail_x gauge\ndeskmail_x one\n",      // no number
        "# HELP deskmail_h h\n# TYPE deskmail_h histogram\ndeskmail_h_bucket{le=\"1\"} 2\n\
         deskmail_h_bucket{le=\"+Inf\"} 1\ndeskmail_h_sum 1\ndeskmail_h_count 1\n", // not cumulative
    ] {
        let refused = std::panic::catch_unwind(|| parse_exposition(bad)).is_err();
        assert!(refused, "{bad}");
    }
}

#[test]
fn a_ticket_past_its_target_is_counted_overdue() {
    let (public, admin) = (free_address(), free_address());
    let desk = Desk::with_config(&web_config(public, admin));
    // a ticket made long ago, its target long past; then the daemon, now. (Whether its next
    // contact is still due depends on the desk's hours at the moment the test runs: the
    // store's unit test covers `deskmail_promises_due`.)
    desk.deliver(&laptop_form("ops-old@example.com", "fatima@example.com"));
    desk.run_once_at("2026-01-05T10:00:00+01:00");
    let daemon = Daemon::start(&desk.config);
    let (page, samples) = scrape_until(admin, |s| {
        value(s, "deskmail_fetch_seconds_count", &[]).is_some_and(|n| n >= 1.0)
    });
    assert_eq!(
        value(&samples, "deskmail_tickets_overdue", &[]),
        Some(1.0),
        "{}",
        page.body
    );
    // counted since this daemon's start: the run that made the ticket was another process
    assert_eq!(
        value(
            &samples,
            "deskmail_decided_total",
            &[("decision", "new_ticket")]
        ),
        None,
        "{}",
        page.body
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
}
