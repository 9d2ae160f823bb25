//! `deskmail tickets list|show`: read-only views of the store.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use deskmail::config::Config;
use deskmail::model::Ticket;
use deskmail::store::{Store, events, inbound, outbox, tickets};
use serde::Serialize;
use std::process::ExitCode;

/// The JSON shape of one ticket (`tickets list --json` contract).
#[derive(Serialize)]
struct TicketJson<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    requester: &'a str,
    requester_name: Option<&'a str>,
    subject: &'a str,
    category: &'a str,
    priority: &'a str,
    status: &'a str,
    waiting_reason: Option<&'a str>,
    assignee: Option<&'a str>,
    language: &'a str,
    created: String,
    target: String,
    next_contact: Option<NaiveDate>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn json(t: &Ticket) -> TicketJson<'_> {
    TicketJson {
        reference: t.reference.as_str(),
        requester: &t.requester,
        requester_name: t.requester_name.as_deref(),
        subject: &t.subject,
        category: &t.category,
        priority: t.priority.as_str(),
        status: t.status.as_str(),
        waiting_reason: t.waiting_reason.as_deref(),
        assignee: t.assignee.as_deref(),
        language: t.lang.code(),
        created: rfc3339(t.created),
        target: rfc3339(t.target),
        next_contact: t.next_contact,
    }
}

pub fn list(config: &Config, as_json: bool, all: bool) -> Result<ExitCode> {
    let store = Store::open_existing(&config.store.path)?;
    let list = tickets::list(store.conn(), all)?;
    if as_json {
        let out: Vec<TicketJson> = list.iter().map(json).collect();
        out!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        out!("no {}tickets", if all { "" } else { "open " });
        return Ok(ExitCode::SUCCESS);
    }
    let tz = config.calendar.tz();
    out!(
        "{:<10} {:<20} {:<9} {:<17} {:<28} SUBJECT",
        "REF",
        "STATUS",
        "PRIORITY",
        "TARGET",
        "REQUESTER"
    );
    for t in &list {
        out!(
            "{:<10} {:<20} {:<9} {:<17} {:<28} {}",
            t.reference,
            t.status,
            t.priority,
            t.target.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            t.requester,
            t.subject
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(config: &Config, reference: &str, as_json: bool) -> Result<ExitCode> {
    let store = Store::open_existing(&config.store.path)?;
    let c = store.conn();
    let Some(t) = tickets::by_ref(c, reference.trim())? else {
        bail!("no ticket {reference}");
    };
    let history = events::for_ticket(c, t.id)?;
    let mails_in = inbound::for_ticket(c, t.id)?;
    let mails_out = outbox::for_ticket(c, t.id)?;
    if as_json {
        let out = serde_json::json!({
            "ticket": json(&t),
            "description": t.description,
            "events": history,
            "inbound": mails_in,
            "outbound": mails_out,
        });
        out!(
            "{}",
            serde_json::to_string_pretty(&out).context("cannot write JSON")?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let tz = config.calendar.tz();
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    out!("{}  {}", t.reference, t.subject);
    out!(
        "requester:    {}{}",
        t.requester_name
            .as_deref()
            .map(|n| format!("{n} "))
            .unwrap_or_default(),
        format_args!("<{}>", t.requester)
    );
    out!(
        "status:       {}{}",
        t.status,
        t.waiting_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    out!(
        "priority:     {}   category: {}   language: {}",
        t.priority,
        t.category,
        t.lang
    );
    out!("created:      {}", local(t.created));
    out!("target:       {}", local(t.target));
    out!(
        "next contact: {}",
        t.next_contact.map_or("-".to_string(), |d| d.to_string())
    );
    out!("assignee:     {}", t.assignee.as_deref().unwrap_or("-"));
    out!("\n{}\n", t.description);
    out!("history:");
    for e in &history {
        out!(
            "  {}  {:<18} {:<24} {}{}",
            local(e.at),
            e.kind,
            e.actor,
            e.detail,
            e.inbound_id
                .map(|id| format!("  (mail #{id})"))
                .unwrap_or_default()
        );
    }
    out!("mails in:");
    for m in &mails_in {
        // a large mail keeps only its start in the database; the mailbox has the rest
        let cut = if let Some(at) = m.purged {
            format!("  (raw mail purged {}; it was {} bytes)", local(at), m.size)
        } else if m.kept < m.size {
            format!("  (kept the first {} of {} bytes)", m.kept, m.size)
        } else {
            String::new()
        };
        out!(
            "  #{:<5} {}  {:<28} {}  [{}]{cut}",
            m.id,
            local(m.received),
            m.sender.as_deref().unwrap_or("?"),
            m.subject.as_deref().unwrap_or(""),
            m.decision
        );
    }
    out!("mails out:");
    for m in &mails_out {
        out!(
            "  {}  {:<20} {:<8} {}{}",
            local(m.created),
            m.kind,
            m.state,
            m.recipients,
            m.purged
                .map(|at| format!("  (raw mail purged {})", local(at)))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
