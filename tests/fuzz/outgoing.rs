//! The mails a decision sends, as `act` in `src/daemon/ingest.rs` and `steer::apply` in
//! `src/daemon/steer.rs` would queue them, each with the one recipient it must go to; and the
//! tickets they are about.

use crate::pipeline::Pipeline;
use crate::report::Problem;
use crate::rng::Rng;
use deskmail::agent::command::Parsed;
use deskmail::agent::plan;
use deskmail::agent::redact::Tokens;
use deskmail::classify::{Decision, Known};
use deskmail::compose::{self, Composer, Outgoing};
use deskmail::error_chain::Chain;
use deskmail::model::{Address, Inbound, Lang, Status, Ticket, TicketRef};
use deskmail::schedule::{promise, sla};

impl Pipeline {
    /// The mails `act` in ingest.rs would queue for this decision, each with the one recipient
    /// it must go to.
    pub fn compose(
        &self,
        m: &Inbound,
        known: &Known,
        decision: &Decision,
        rng: &mut Rng,
    ) -> Result<Vec<(Outgoing, String)>, Problem> {
        let composer = Composer::new(&self.config, &self.templates).signing(&self.key);
        let render =
            |e: compose::TemplateError| Problem::new("template render", Chain(&e).to_string());
        match decision {
            // handoff: nothing now; the hourly bundle (daemon::handoff) lists it
            Decision::Ignore(_) | Decision::Handoff(_) => Ok(Vec::new()),
            Decision::PortalReply { form } => {
                let to = m.from.as_ref().ok_or_else(|| {
                    Problem::new("portal reply without a sender", format!("{decision:?}"))
                })?;
                let lang = deskmail::lang::guess(&format!("{}\n{}", m.subject, m.body))
                    .unwrap_or(self.config.desk.language);
                let url = deskmail::portal::prefill_url(form, m, &self.config.portal);
                let mail = composer
                    .portal_reply(m, to, form, &url, lang, self.now)
                    .map_err(render)?;
                Ok(vec![(mail, to.email.clone())])
            }
            Decision::NewTicket(form) => {
                let t = self.new_ticket(form);
                let confirmation = composer.confirmation(&t, self.now).map_err(render)?;
                let notice = composer.agent_new_ticket(&t, self.now).map_err(render)?;
                Ok(vec![
                    (confirmation, form.email.clone()),
                    (notice, self.config.agents.queue.clone()),
                ])
            }
            Decision::TicketReply { ticket, .. } => {
                let (_, requester) = known.ticket.as_ref().ok_or_else(|| {
                    Problem::new("reply on no known ticket", format!("{decision:?}"))
                })?;
                let t = self.stored_ticket(m, ticket, requester, rng);
                let to = t
                    .assignee
                    .clone()
                    .unwrap_or_else(|| self.config.agents.queue.clone());
                let mail = composer
                    .agent_ticket_reply(&t, m, self.now)
                    .map_err(render)?;
                Ok(vec![(mail, to)])
            }
            Decision::AgentCommand { ticket, parsed } => {
                let (_, requester) = known.ticket.as_ref().ok_or_else(|| {
                    Problem::new("agent command on no known ticket", format!("{decision:?}"))
                })?;
                let Some(from) = m.from.as_ref() else {
                    return Ok(Vec::new());
                };
                let t = self.stored_ticket(m, ticket, requester, rng);
                steer(&composer, &t, from, parsed, self.now).map_err(render)
            }
        }
    }

    /// The ticket `new_ticket` in ingest.rs stores for a form.
    fn new_ticket(&self, form: &deskmail::portal::FormRequest) -> Ticket {
        let config = &self.config;
        let lang = deskmail::lang::guess(&format!("{}\n{}", form.subject, form.description))
            .unwrap_or(config.desk.language);
        Ticket {
            id: 1,
            reference: TicketRef::new(&config.tickets.ref_prefix, config.tickets.first_number),
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
            created: self.now,
            target: sla::target_at(
                &config.calendar,
                &config.sla,
                self.now,
                form.priority,
                &form.category,
            ),
            next_contact: Some(promise::first_promise(
                self.now,
                &config.calendar,
                &config.schedule,
            )),
            promised: None,
            near_sent: false,
            overdue_sent: false,
            requester_thread: None,
            agent_thread: None,
        }
    }

    /// A ticket as the store could hold it; its words came from earlier mail, so hostile too.
    fn stored_ticket(
        &self,
        m: &Inbound,
        reference: &TicketRef,
        requester: &str,
        rng: &mut Rng,
    ) -> Ticket {
        let created = self.now - chrono::Duration::days(3);
        Ticket {
            id: 1,
            reference: reference.clone(),
            requester: requester.to_string(),
            requester_name: m.from.as_ref().and_then(|f| f.name.clone()),
            lang: *rng.pick(&Lang::ALL),
            subject: m.subject.clone(),
            description: m.body.chars().take(2_000).collect(),
            category: "printer".into(),
            priority: deskmail::model::Priority::Normal,
            status: rng
                .pick(&[
                    Status::Open,
                    Status::WaitingCustomer,
                    Status::WaitingThirdParty,
                ])
                .clone(),
            waiting_reason: rng.percent(30).then(|| m.subject.clone()),
            assignee: rng.percent(50).then(|| "anna@example.org".to_string()),
            created,
            target: created + chrono::Duration::days(rng.range(1, 6) as i64),
            next_contact: Some(promise::first_promise(
                self.now,
                &self.config.calendar,
                &self.config.schedule,
            )),
            near_sent: false,
            overdue_sent: false,
            promised: None,
            requester_thread: Some("sd-1042.1.2.3@deskmail.example.org".into()),
            agent_thread: Some("sd-1042.1.2.4@deskmail.example.org".into()),
        }
    }
}

/// The mails a proven agent's mail sends, as the daemon plans them (`agent::plan`, which
/// `daemon::steer` writes): the answer to the requester and the help to the agent, each with
/// the one recipient it must go to.
fn steer(
    composer: &Composer,
    t: &Ticket,
    from: &Address,
    parsed: &Parsed,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(Outgoing, String)>, compose::TemplateError> {
    // the daemon knows every ticket's token; here there is the one ticket
    let tokens = composer
        .token_key
        .map(|key| Tokens::of(key, [&t.reference]))
        .unwrap_or_default();
    let p = plan::plan(parsed, from, t, composer.config, now, &[], &tokens);
    let mut mails = Vec::new();
    if let Some(answer) = p.answer {
        let mail = composer.agent_answer(&p.ticket, answer, None, now)?;
        mails.push((mail, t.requester.clone()));
    }
    if let Some(help) = p.help {
        let mail = composer.agent_help(&p.ticket, &p.agent, help, now)?;
        mails.push((mail, p.agent.clone()));
    }
    Ok(mails)
}
