//! The mails a decision sends, worked out by the daemon's own `effects::decided` from what
//! the store could know (`Facts`), each paired with the one recipient it must go to — which
//! this harness says by itself, from the decision and the mail's kind, so the checks do not
//! take the daemon's word for it.

use crate::pipeline::Pipeline;
use crate::report::Problem;
use crate::rng::Rng;
use deskmail::agent::redact::Tokens;
use deskmail::classify::{Decision, IgnoreReason, Known};
use deskmail::compose::{Composer, MailKind, Outgoing};
use deskmail::effects::{self, Facts};
use deskmail::error_chain::Chain;
use deskmail::model::{Inbound, Lang, Status, Ticket, TicketRef, base_address};
use deskmail::schedule::promise;

impl Pipeline {
    /// The mails the daemon would queue for this decision, each with the one recipient it must
    /// go to.
    pub fn compose(
        &self,
        m: &Inbound,
        known: &Known,
        decision: &Decision,
        rng: &mut Rng,
    ) -> Result<Vec<(Outgoing, String)>, Problem> {
        let composer = Composer::new(&self.config, &self.templates).signing(&self.key);
        let facts = self.facts(m, known, decision, rng)?;
        let effects = effects::decided(&composer, decision, m, &facts, self.now)
            .map_err(|e| Problem::new("template render", Chain(&e).to_string()))?;
        effects
            .mails
            .into_iter()
            .map(|mail| {
                let to = self.recipient(&mail, m, decision, &facts)?;
                Ok((mail, to))
            })
            .collect()
    }

    /// What the store could know for this decision: a ticket as it could be stored (its words
    /// from earlier mail, so hostile too), the next ticket number, that ticket's token.
    fn facts(
        &self,
        m: &Inbound,
        known: &Known,
        decision: &Decision,
        rng: &mut Rng,
    ) -> Result<Facts, Problem> {
        let reference = match decision {
            Decision::TicketReply { ticket, .. }
            | Decision::AgentCommand { ticket, .. }
            | Decision::Ignore(IgnoreReason::UnprovenAgent { ticket, .. }) => ticket,
            _ => {
                return Ok(Facts {
                    next_number: self.config.tickets.first_number,
                    ..Facts::default()
                });
            }
        };
        let (_, requester) = known
            .ticket
            .as_ref()
            .ok_or_else(|| Problem::new("decided on no known ticket", format!("{decision:?}")))?;
        let t = self.stored_ticket(m, reference, requester, rng);
        Ok(Facts {
            // the daemon knows every ticket's token; here there is the one ticket
            tokens: Tokens::of(&self.key, [&t.reference]),
            ticket: Some(t),
            ..Facts::default()
        })
    }

    /// The one address a mail of this kind, caused by this decision, may go to.
    fn recipient(
        &self,
        mail: &Outgoing,
        m: &Inbound,
        decision: &Decision,
        facts: &Facts,
    ) -> Result<String, Problem> {
        let ticket = facts.ticket.as_ref();
        let to = match (mail.kind, decision) {
            (MailKind::PortalReply, _) => m.from.as_ref().map(|f| f.email.clone()),
            (MailKind::Confirmation, Decision::NewTicket(form)) => Some(form.email.clone()),
            (MailKind::AgentNewTicket, _) => Some(self.config.agents.queue.clone()),
            (MailKind::AgentTicketReply, _) => ticket.map(|t| {
                t.assignee
                    .clone()
                    .unwrap_or_else(|| self.config.agents.queue.clone())
            }),
            (MailKind::AgentAnswer, _) => ticket.map(|t| t.requester.clone()),
            (MailKind::AgentHelp, _) => m
                .from
                .as_ref()
                .map(|f| base_address(&f.email).to_lowercase()),
            _ => None,
        };
        to.ok_or_else(|| {
            Problem::new(
                "a mail this decision does not send",
                format!("{} for {decision:?}", mail.kind.as_str()),
            )
        })
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
