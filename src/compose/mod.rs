//! Composition: turn a decision into finished outgoing mails (multipart text + HTML, threaded,
//! marked as automatic per RFC 3834). Pure apart from reading the clock value it is given.
//! Templates supply the words; [`message`] turns an [`Outgoing`] into RFC 5322 bytes.

mod kind;
pub mod message;
pub mod page;
mod sample;
pub mod templates;
pub mod vars;
pub mod words;

use crate::agent::token::{self, TokenKey};
use crate::config::Config;
use crate::model::{Address, Inbound, Lang, Ticket};
use crate::portal::FormChoice;
use crate::requester::token::PageKey;
use crate::schedule::ProgressKind;
use chrono::{DateTime, NaiveDate, Utc};
pub use kind::MailKind;
pub use message::{ComposeError, to_bytes};
pub use templates::{Rendered, TemplateError, Templates};
use vars::{Reader, Vars};

/// Header on everything we send, so our own mail is recognised when it comes back.
pub const LOOP_HEADER: &str = "X-Deskmail-Loop";

/// RFC 3834: replies to a mail are `auto-replied`, mails of our own accord `auto-generated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoSubmitted {
    Replied,
    Generated,
    /// Written by a person (an agent's answer), only relayed by us.
    No,
}

impl AutoSubmitted {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoSubmitted::Replied => "auto-replied",
            AutoSubmitted::Generated => "auto-generated",
            AutoSubmitted::No => "no",
        }
    }
}

/// A mail ready to be written to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub kind: MailKind,
    /// Without angle brackets; stable across retries.
    pub message_id: String,
    pub lang: Lang,
    pub to: Vec<Address>,
    pub reply_to: Option<Address>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto: AutoSubmitted,
    pub rendered: Rendered,
}

impl Outgoing {
    /// Threaded under `thread` (our first mail to this reader), when there was one.
    fn threaded_under(mut self, thread: Option<String>) -> Outgoing {
        self.in_reply_to = thread.clone();
        self.references = thread.into_iter().collect();
        self
    }
}

/// Builds outgoing mails from templates and the desk's config.
pub struct Composer<'a> {
    pub config: &'a Config,
    pub templates: &'a Templates,
    /// Signs the reply addresses of mails to agents; without it (previews) they are unsigned.
    pub token_key: Option<&'a TokenKey>,
    /// Signs the ticket page links in mails to requesters; without it (no `[web]`) no mail
    /// links to a page.
    pub page_key: Option<&'a PageKey>,
}

impl<'a> Composer<'a> {
    pub fn new(config: &'a Config, templates: &'a Templates) -> Self {
        Composer {
            config,
            templates,
            token_key: None,
            page_key: None,
        }
    }

    /// Mails to requesters link to the ticket's page, when `[web]` gives it an address.
    pub fn linking(mut self, key: Option<&'a PageKey>) -> Self {
        self.page_key = key;
        self
    }

    /// The ticket's page, when there is one to link to.
    pub fn page_url(&self, t: &Ticket) -> Option<String> {
        let web = self.config.web.as_ref()?;
        Some(self.page_key?.url(&web.base_url, &t.reference))
    }

    /// The proof for a link to deskmail's own form (`<base_url>form…`) that it was mailed to
    /// `email`: the form then takes the request without a confirmation mail. None for any
    /// other form, or without `[web]`.
    pub fn form_proof(&self, form_url: &str, email: &str) -> Option<String> {
        let web = self.config.web.as_ref()?;
        let ours = form_url.starts_with(&format!("{}form", web.base_url));
        ours.then(|| self.page_key.map(|k| k.address_proof(email)))
            .flatten()
    }

    /// Mails to agents get a signed reply address per ticket.
    pub fn signing(mut self, key: &'a TokenKey) -> Self {
        self.token_key = Some(key);
        self
    }

    /// Where an agent's reply about this ticket goes: signed, so the reply proves which
    /// ticket it was given for.
    pub fn agent_reply_to(&self, ticket: &Ticket) -> Address {
        match self.token_key {
            Some(key) => Address::new(
                Some(&self.config.desk.name),
                &token::reply_address(&self.config.desk.address, &ticket.reference, key),
            ),
            None => self.desk_reply_to(ticket),
        }
    }

    fn tz(&self) -> chrono_tz::Tz {
        self.config.calendar.tz()
    }

    fn desk_reply_to(&self, ticket: &Ticket) -> Address {
        Address::new(
            Some(&self.config.desk.name),
            &token::ticket_address(&self.config.desk.address, &ticket.reference),
        )
    }

    /// The answer to a loose mail: why the form helps, and the prefilled link.
    pub fn portal_reply(
        &self,
        m: &Inbound,
        to: &Address,
        form: &FormChoice,
        url: &str,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_portal_reply(self.config, m, to, form, url);
        let mut references = m.references.clone();
        references.extend(m.message_id.clone());
        Ok(Outgoing {
            to: vec![to.clone()],
            in_reply_to: m.message_id.clone(),
            references,
            auto: AutoSubmitted::Replied,
            ..self.outgoing(MailKind::PortalReply, "portal", lang, &vars, now)?
        })
    }

    /// The link that makes a request from deskmail's own form a ticket, mailed to the address
    /// the form named before anything else goes there (`web::form`).
    pub fn form_confirm(
        &self,
        to: &Address,
        subject: &str,
        url: &str,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_form_confirm(self.config, to, subject, url);
        Ok(Outgoing {
            to: vec![to.clone()],
            ..self.outgoing(MailKind::FormConfirm, "form", lang, &vars, now)?
        })
    }

    /// The requester's confirmation of a new ticket; its Message-ID starts the requester's thread.
    pub fn confirmation(&self, t: &Ticket, now: DateTime<Utc>) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::requester(t));
        self.to_requester(
            t,
            MailKind::Confirmation,
            &vars,
            now,
            AutoSubmitted::Replied,
        )
    }

    /// A progress mail; `t.next_contact` must already hold the new promise it states.
    pub fn progress(
        &self,
        t: &Ticket,
        kind: ProgressKind,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::requester(t));
        self.to_requester(
            t,
            MailKind::Progress(kind),
            &vars,
            now,
            AutoSubmitted::Generated,
        )
    }

    fn to_requester(
        &self,
        t: &Ticket,
        kind: MailKind,
        vars: &Vars,
        now: DateTime<Utc>,
        auto: AutoSubmitted,
    ) -> Result<Outgoing, TemplateError> {
        let mut vars = vars.clone();
        if let Some(words) = vars.ticket.as_mut() {
            words.page_url = self.page_url(t);
        }
        let mail = Outgoing {
            to: vec![Address::new(t.requester_name.as_deref(), &t.requester)],
            reply_to: Some(self.desk_reply_to(t)),
            auto,
            ..self.outgoing(kind, t.reference.as_str(), t.lang, &vars, now)?
        };
        Ok(mail.threaded_under(t.requester_thread.clone()))
    }

    /// Tell the agents' queue about a new ticket; its Message-ID starts the agents' thread.
    pub fn agent_new_ticket(
        &self,
        t: &Ticket,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::agents(self.config));
        self.to_agents(t, MailKind::AgentNewTicket, &vars, now)
    }

    /// Pass a reply on a ticket to the assigned agent, or the queue.
    pub fn agent_ticket_reply(
        &self,
        t: &Ticket,
        m: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::agents(self.config)).with_reply(m);
        self.to_agents(t, MailKind::AgentTicketReply, &vars, now)
    }

    /// Tell the assigned agent, or the queue, that the requester closed the ticket on its page.
    pub fn agent_requester_closed(
        &self,
        t: &Ticket,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::agents(self.config));
        self.to_agents(t, MailKind::AgentRequesterClosed, &vars, now)
    }

    /// Tell the agents' queue that the emergency brake stopped sending.
    pub fn agent_outbox_paused(
        &self,
        brake: vars::BrakeVars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_brake(self.config, brake);
        self.to_queue(MailKind::AgentOutboxPaused, "brake", &vars, now)
    }

    /// Tell the agents' queue that a mail could not be delivered.
    pub fn agent_delivery_failed(
        &self,
        t: Option<&Ticket>,
        failure: vars::FailureVars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_failure(self.config, t, failure, now);
        match t {
            Some(t) => self.to_agents(t, MailKind::AgentDeliveryFailed, &vars, now),
            None => self.to_queue(MailKind::AgentDeliveryFailed, "failed", &vars, now),
        }
    }

    /// A mail to the agents' queue about no ticket in particular.
    fn to_queue(
        &self,
        kind: MailKind,
        tag: &str,
        vars: &Vars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        Ok(Outgoing {
            to: vec![Address::new(None, &self.config.agents.queue)],
            ..self.outgoing(kind, tag, self.config.desk.language, vars, now)?
        })
    }

    fn to_agents(
        &self,
        t: &Ticket,
        kind: MailKind,
        vars: &Vars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        // failures go to the queue: the assignee may be the one whose mail bounced
        let to = match (kind, &t.assignee) {
            (MailKind::AgentDeliveryFailed, _) | (_, None) => self.config.agents.queue.clone(),
            (_, Some(a)) => a.clone(),
        };
        let lang = self.config.desk.language;
        let mail = Outgoing {
            to: vec![Address::new(None, &to)],
            reply_to: Some(self.agent_reply_to(t)),
            ..self.outgoing(kind, t.reference.as_str(), lang, vars, now)?
        };
        Ok(mail.threaded_under(t.agent_thread.clone()))
    }

    /// Mail `kind` rendered in `lang` under a new Message-ID made from `tag`: generated, to
    /// nobody yet, threaded under nothing; the callers add what their reader needs.
    fn outgoing(
        &self,
        kind: MailKind,
        tag: &str,
        lang: Lang,
        vars: &Vars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        Ok(Outgoing {
            kind,
            message_id: message::new_id(tag, &self.config.desk.message_id_domain, now),
            lang,
            to: Vec::new(),
            reply_to: None,
            in_reply_to: None,
            references: Vec::new(),
            auto: AutoSubmitted::Generated,
            rendered: self.templates.render(lang, kind.as_str(), vars)?,
        })
    }

    /// Tell the assignee (or the queue) that a ticket's target is near or has passed, beside
    /// the progress mail the requester gets about it.
    pub fn agent_target(
        &self,
        t: &Ticket,
        kind: ProgressKind,
        now: DateTime<Utc>,
    ) -> Result<Option<Outgoing>, TemplateError> {
        let kind = match kind {
            ProgressKind::TargetNear => MailKind::AgentTargetNear,
            ProgressKind::Overdue => MailKind::AgentTargetPassed,
            ProgressKind::Promised => return Ok(None),
        };
        let vars = Vars::for_ticket(self.config, t, now, Reader::agents(self.config));
        self.to_agents(t, kind, &vars, now).map(Some)
    }

    /// An agent's answer to the requester: in the desk's name, signed with the agent's name,
    /// threaded under the requester's earlier mails; the agent's own address is not shown.
    /// `answering` is the requester's last mail, if they wrote one: the answer threads under
    /// it (and under our first mail to them).
    pub fn agent_answer(
        &self,
        t: &Ticket,
        answer: vars::AnswerVars,
        answering: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_ticket(self.config, t, now, Reader::requester(t)).with_answer(answer);
        let mut mail =
            self.to_requester(t, MailKind::AgentAnswer, &vars, now, AutoSubmitted::No)?;
        if let Some(id) = answering {
            mail.in_reply_to = Some(id.to_string());
            if !mail.references.iter().any(|r| r == id) {
                mail.references.push(id.to_string());
            }
        }
        Ok(mail)
    }

    /// The command syntax, and what was not understood, to the agent who wrote.
    pub fn agent_help(
        &self,
        t: &Ticket,
        agent: &str,
        help: vars::HelpVars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars =
            Vars::for_ticket(self.config, t, now, Reader::agents(self.config)).with_help(help);
        let mut mail = self.to_agents(t, MailKind::AgentHelp, &vars, now)?;
        mail.to = vec![Address::new(None, agent)];
        Ok(mail)
    }

    /// One agent's (or the queue's) morning digest.
    pub fn agent_digest(
        &self,
        to: &str,
        digest: vars::DigestVars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_digest(self.config, digest);
        let mut mail = self.to_queue(MailKind::AgentDigest, "digest", &vars, now)?;
        mail.to = vec![Address::new(None, to)];
        Ok(mail)
    }

    /// The agents' queue gets the mails deskmail handed over instead of answering.
    pub fn agent_handoff(
        &self,
        handoff: vars::HandoffVars,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_handoff(self.config, handoff);
        self.to_queue(MailKind::AgentHandoff, "handoff", &vars, now)
    }

    /// Tell the agents' queue that the mailbox is away (`back`: that it answers again).
    pub fn agent_mailbox(
        &self,
        mailbox: vars::MailboxVars,
        back: bool,
        now: DateTime<Utc>,
    ) -> Result<Outgoing, TemplateError> {
        let vars = Vars::for_mailbox(self.config, mailbox);
        let kind = if back {
            MailKind::AgentMailboxBack
        } else {
            MailKind::AgentMailboxDown
        };
        self.to_queue(kind, "mailbox", &vars, now)
    }

    /// Format a promise date as the mails write it (for logs and previews).
    pub fn promise_text(&self, lang: Lang, d: NaiveDate) -> String {
        words::date(lang, d)
    }

    pub fn when_text(&self, lang: Lang, t: DateTime<Utc>) -> String {
        words::date_time(lang, t, self.tz())
    }
}
