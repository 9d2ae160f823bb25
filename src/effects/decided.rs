//! The effects of a decided mail: a portal reply, a new ticket with its confirmation and the
//! agents' notice, a reply passed on to the agents (reopening a ticket that waited on the
//! requester), a proven agent's commands (`agent::plan`), an unproven agent mail only recorded.

use super::{Effects, Event, Facts, Threads, TicketEffect};
use crate::agent::plan;
use crate::classify::{Author, Decision, IgnoreReason};
use crate::compose::{Composer, TemplateError};
use crate::model::{EventKind, Inbound, Status, Ticket, TicketRef};
use crate::portal::FormRequest;
use crate::schedule::{promise, sla};
use chrono::{DateTime, SecondsFormat, Utc};

/// What `decision` on the mail `m` does, given what the store knows (`facts`). A decision
/// about a ticket the store does not have does nothing.
pub fn decided(
    composer: &Composer,
    decision: &Decision,
    m: &Inbound,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Result<Effects, TemplateError> {
    match decision {
        Decision::Ignore(IgnoreReason::UnprovenAgent { why, .. }) => {
            let Some(t) = &facts.ticket else {
                return Ok(Effects::none());
            };
            Ok(Effects {
                ticket: Some(TicketEffect::Keep(t.id)),
                events: vec![Event::new(
                    sender(m),
                    EventKind::Unproven,
                    format!("mail \"{}\" not acted on: {why}", m.subject),
                )],
                ..Effects::none()
            })
        }
        // a handoff is recorded; the agents hear of it in the hourly bundle (daemon::handoff)
        Decision::Ignore(_) | Decision::Handoff(_) => Ok(Effects::none()),
        Decision::PortalReply { form } => {
            let Some(to) = m.from.as_ref() else {
                return Ok(Effects::none());
            };
            let config = composer.config;
            let lang = crate::lang::guess(&format!("{}\n{}", m.subject, m.body))
                .unwrap_or(config.desk.language);
            let mut url = crate::portal::prefill_url(form, m, &config.portal);
            if let Some(proof) = composer.form_proof(&form.url, &to.email) {
                url = crate::portal::with_param(&url, crate::portal::PROOF_PARAM, &proof);
                // our form speaks the language of the reply that links to it
                url = crate::portal::with_param(&url, "lang", lang.code());
            }
            let mail = composer.portal_reply(m, to, form, &url, lang, now)?;
            Ok(Effects {
                mails: vec![mail],
                ..Effects::none()
            })
        }
        Decision::NewTicket(form) => new_ticket(composer, form, facts.next_number, now),
        Decision::TicketReply { author, quiet, .. } => {
            let Some(t) = &facts.ticket else {
                return Ok(Effects::none());
            };
            let config = composer.config;
            let mut events = vec![Event::new(
                sender(m),
                EventKind::Reply,
                format!("mail \"{}\"", m.subject),
            )];
            let replied = (*author == Author::Requester)
                .then(|| promise::requester_replied(t, now, &config.calendar, &config.schedule))
                .flatten();
            let (t, ticket) = match replied {
                Some((changed, why)) => {
                    events.push(Event::new("deskmail", EventKind::Status, why));
                    (changed.clone(), TicketEffect::Update(changed))
                }
                None => (t.clone(), TicketEffect::Keep(t.id)),
            };
            // a loop or a flood on this ticket: the hourly bundle tells the agents
            let mails = match quiet {
                Some(_) => Vec::new(),
                None => vec![composer.agent_ticket_reply(&t, m, now)?],
            };
            Ok(Effects {
                ticket: Some(ticket),
                events,
                threads: Threads {
                    requester: None,
                    agent: mails.first().map(|o| o.message_id.clone()),
                },
                mails,
            })
        }
        Decision::AgentCommand { parsed, .. } => {
            let (Some(t), Some(from)) = (&facts.ticket, m.from.as_ref()) else {
                return Ok(Effects::none());
            };
            let p = plan::plan(
                parsed,
                from,
                t,
                composer.config,
                now,
                &facts.sent,
                &facts.tokens,
            );
            let mut mails = Vec::new();
            let mut threads = Threads::default();
            if let Some(answer) = p.answer {
                let mail =
                    composer.agent_answer(&p.ticket, answer, facts.answering.as_deref(), now)?;
                threads.requester = Some(mail.message_id.clone());
                mails.push(mail);
            }
            if let Some(help) = p.help {
                mails.push(composer.agent_help(&p.ticket, &p.agent, help, now)?);
            }
            let events = p
                .events
                .into_iter()
                .map(|(kind, detail)| Event::new(p.agent.clone(), kind, detail))
                .collect();
            Ok(Effects {
                ticket: Some(if p.rejected {
                    TicketEffect::Keep(t.id)
                } else {
                    TicketEffect::Update(p.ticket)
                }),
                events,
                mails,
                threads,
            })
        }
    }
}

/// A form's ticket as the store will hold it, its confirmation to the requester and the notice
/// to the agents' queue; both start the ticket's threads.
fn new_ticket(
    composer: &Composer,
    form: &FormRequest,
    number: i64,
    now: DateTime<Utc>,
) -> Result<Effects, TemplateError> {
    let config = composer.config;
    let cal = &config.calendar;
    let lang = crate::lang::guess(&format!("{}\n{}", form.subject, form.description))
        .unwrap_or(config.desk.language);
    // the confirmation names the first promise, so it is also the date last told
    let first = promise::first_promise(now, cal, &config.schedule);
    let t = Ticket {
        id: 0,
        reference: TicketRef::new(&config.tickets.ref_prefix, number),
        requester: form.email.clone(),
        requester_name: form.name.clone(),
        lang,
        subject: form.subject.clone(),
        description: form.description.clone(),
        category: form.category.clone(),
        priority: form.priority,
        status: Status::Open,
        waiting_reason: None,
        assignee: None,
        created: now,
        target: sla::target_at(cal, &config.sla, now, form.priority, &form.category),
        next_contact: Some(first),
        promised: Some(first),
        near_sent: false,
        overdue_sent: false,
        requester_thread: None,
        agent_thread: None,
    };
    let created = Event::new(
        "portal",
        EventKind::Created,
        format!(
            "{} priority, category {}, target {}",
            t.priority,
            t.category,
            // as `tickets show` lists times
            t.target.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
    );
    let confirmation = composer.confirmation(&t, now)?;
    let notice = composer.agent_new_ticket(&t, now)?;
    Ok(Effects {
        threads: Threads {
            requester: Some(confirmation.message_id.clone()),
            agent: Some(notice.message_id.clone()),
        },
        mails: vec![confirmation, notice],
        events: vec![created],
        ticket: Some(TicketEffect::Create { number, ticket: t }),
    })
}

/// The sender as a ticket's history names them.
fn sender(m: &Inbound) -> &str {
    m.from.as_ref().map_or("?", |f| f.email.as_str())
}
