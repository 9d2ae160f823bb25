//! Looking ahead without acting: `template preview`, `schedule preview`.

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use deskmail::compose::templates::NAMES;
use deskmail::compose::vars::Vars;
use deskmail::compose::{Templates, words};
use deskmail::config::Config;
use deskmail::model::Lang;
use deskmail::schedule::progress;
use deskmail::store::{Store, outbox, tickets};
use std::process::ExitCode;

/// Load the templates and render every one in every language with sample values.
pub(super) fn render_all(config: &Config, now: DateTime<Utc>) -> Result<Templates> {
    let templates = Templates::load(config.templates.path.as_deref())?;
    for name in NAMES {
        for lang in Lang::ALL {
            templates.render(lang, name, &Vars::sample(config, name, lang, now))?;
        }
    }
    Ok(templates)
}

pub fn template(
    config: &Config,
    name: &str,
    lang: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    if !NAMES.contains(&name) {
        bail!("unknown template {name:?}; known: {}", NAMES.join(", "));
    }
    let lang: Lang = match lang {
        Some(l) => l.parse().map_err(anyhow::Error::msg)?,
        None => config.desk.language,
    };
    let templates = Templates::load(config.templates.path.as_deref())?;
    let r = templates.render(lang, name, &Vars::sample(config, name, lang, now))?;
    out!(
        "Subject: {}\n\n{}\n----- HTML -----\n{}",
        r.subject,
        r.text,
        r.html
    );
    Ok(ExitCode::SUCCESS)
}

/// Walk each open ticket's schedule forward, as the daemon would if nothing else changed.
pub fn schedule(config: &Config, now: DateTime<Utc>, days: u32) -> Result<ExitCode> {
    let store = Store::open_existing(&config.store.path)?;
    let mut list = Vec::new();
    for t in tickets::list(store.conn(), false)? {
        let sent = outbox::progress_times(store.conn(), t.id, now - chrono::Duration::days(2))?;
        list.push((t, sent));
    }
    let (cal, sched) = (&config.calendar, &config.schedule);
    let horizon = now + chrono::Duration::days(i64::from(days));
    let mut rows = Vec::new();
    for (mut t, mut sent) in list {
        // bounded: a mail a day at most per ticket
        for _ in 0..(days as usize * sched.max_per_ticket_per_day as usize + 2) {
            let Some(due) = progress::next_due(&t, &sent, cal, sched) else {
                break;
            };
            let at = due.at.max(now);
            if at > horizon {
                break;
            }
            let after = progress::after_send(&t, at, &sent, cal, sched);
            rows.push((
                at,
                t.reference.to_string(),
                due.kind.template(),
                after.next_contact,
                t.requester.clone(),
            ));
            t.near_sent = after.near_sent;
            t.overdue_sent = after.overdue_sent;
            t.next_contact = Some(after.next_contact);
            t.promised = Some(after.next_contact);
            sent.push(at);
        }
    }
    rows.sort();
    if rows.is_empty() {
        out!("no progress mails due in the next {days} days");
    }
    let tz = cal.tz();
    for (at, reference, kind, promise, to) in rows {
        out!(
            "{}  {:<10} {:<17} to {:<28} promises {}",
            at.with_timezone(&tz).format("%a %Y-%m-%d %H:%M"),
            reference,
            kind,
            to,
            words::date(config.desk.language, promise)
        );
    }
    Ok(ExitCode::SUCCESS)
}
