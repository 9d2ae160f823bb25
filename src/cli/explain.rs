//! `deskmail explain FILE`: why would deskmail do what it does with this mail? Read-only: uses
//! the store (if there is one) only to recognise replies on known tickets.

use anyhow::{Context, Result};
use deskmail::classify::{self, Decision, IgnoreReason, Known};
use deskmail::config::Config;
use deskmail::store::Store;
use std::path::Path;
use std::process::ExitCode;

/// Decides as `run` would at `now`: the same lookups, the same checks (an agent's past date
/// included), read-only.
pub fn explain(
    config: &Config,
    file: &Path,
    as_json: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ExitCode> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (decision, reason, m) = match deskmail::parse::parse(&raw, config.inbound.max_message_bytes)
    {
        Err(e) => ("quarantine", e.to_string(), None),
        Ok(m) => {
            let store = Store::open_read_only(&config.store.path).ok();
            let key = match &store {
                Some(store) => deskmail::daemon::token_key(config, store, now, false)?,
                None => None,
            };
            let known = match &store {
                Some(store) => {
                    // judged by the file's delivery time, as a Maildir source would; before a
                    // first start is recorded there is nothing to be old against
                    let arrival = deskmail::classify::arrival::Arrival {
                        time: std::fs::metadata(file)
                            .and_then(|m| m.modified())
                            .ok()
                            .map(Into::into),
                        uid: None,
                    };
                    let first = deskmail::store::settings::first_start(store.conn())?;
                    let old = deskmail::classify::arrival::judge(
                        &arrival,
                        first.as_ref(),
                        config.inbound.since,
                        config.inbound.max_age_days,
                        config.calendar.tz(),
                        now,
                    );
                    let hints = classify::ticket_hints(&m, config);
                    Known {
                        old,
                        ..deskmail::daemon::decide::known(
                            store.conn(),
                            &m,
                            &hints,
                            config,
                            key.as_ref(),
                            now,
                        )?
                    }
                }
                None => Known::default(),
            };
            // a mail that was already processed is explained as it was when new: not a
            // duplicate of itself, and not rate-limited by the reply it got itself
            let processed = known.duplicate;
            let known = Known {
                duplicate: false,
                recent_portal_reply: known.recent_portal_reply.filter(|_| !processed),
                ..known
            };
            let d = match &store {
                Some(store) => {
                    deskmail::daemon::decide::decide(store.conn(), &m, &known, config, now)?
                }
                None => classify::classify(&m, &known, config),
            };
            let reason = match &store {
                Some(store) => {
                    let facts = deskmail::daemon::facts::gather(
                        store.conn(),
                        &d,
                        &m,
                        config,
                        key.as_ref(),
                        now,
                    )?;
                    deskmail::daemon::decide::reason(&d, &m, config, &facts, now)
                }
                None => d.reason(),
            };
            (d.name(), reason, Some((m, d)))
        }
    };
    let detail = m.as_ref().map(|(m, d)| {
        serde_json::json!({
            "message_id": m.message_id,
            "from": m.from.as_ref().map(|f| f.email.clone()),
            "subject": m.subject,
            "language": deskmail::lang::guess(&format!("{}\n{}", m.subject, m.body)).map(|l| l.code()),
            "machine": match d {
                Decision::Ignore(IgnoreReason::Machine(s)) => Some(classify::machine_label(&s.kind)),
                _ => None,
            },
            "ticket": match d {
                Decision::TicketReply { ticket, .. }
                | Decision::AgentCommand { ticket, .. }
                | Decision::Ignore(IgnoreReason::UnprovenAgent { ticket, .. }) => {
                    Some(ticket.to_string())
                }
                _ => None,
            },
        })
    });
    if as_json {
        let mut out = serde_json::json!({ "decision": decision, "reason": reason });
        if let (Some(obj), Some(serde_json::Value::Object(extra))) = (out.as_object_mut(), detail) {
            obj.extend(extra);
        }
        out!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        out!("decision: {decision}");
        out!("reason:   {reason}");
    }
    Ok(ExitCode::SUCCESS)
}
