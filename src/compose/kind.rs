//! The kinds of mail deskmail writes: one per template, stored in the outbox by its name.

use crate::schedule::ProgressKind;

/// What kind of mail an outbox row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    PortalReply,
    Confirmation,
    Progress(ProgressKind),
    AgentNewTicket,
    AgentTicketReply,
    AgentDeliveryFailed,
    AgentOutboxPaused,
    /// An agent's answer to the requester, in the desk's name.
    AgentAnswer,
    /// The answer to `#help` or to commands that were not understood.
    AgentHelp,
    AgentDigest,
    /// The target date of a ticket is near (the requester was just told).
    AgentTargetNear,
    /// The target date of a ticket has passed (the requester was just told).
    AgentTargetPassed,
    /// Mail deskmail did not answer because it could not tell a person from a machine, or
    /// because no person wants a portal link for it (a calendar invitation): bundled hourly.
    AgentHandoff,
    /// The mailbox has been away (login refused, server unreachable) for a while.
    AgentMailboxDown,
    /// The mailbox answers again, after the agents were told it was away.
    AgentMailboxBack,
    /// The requester closed the ticket on its page ("I no longer need this").
    AgentRequesterClosed,
    /// The link that confirms a request made on deskmail's own form for an unproven address.
    FormConfirm,
}

impl MailKind {
    /// Stored in the outbox and used as the template name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PortalReply => "portal_reply",
            MailKind::Confirmation => "ticket_confirmation",
            MailKind::Progress(k) => k.template(),
            MailKind::AgentNewTicket => "agent_new_ticket",
            MailKind::AgentTicketReply => "agent_ticket_reply",
            MailKind::AgentDeliveryFailed => "agent_delivery_failed",
            MailKind::AgentOutboxPaused => "agent_outbox_paused",
            MailKind::AgentAnswer => "agent_answer",
            MailKind::AgentHelp => "agent_help",
            MailKind::AgentDigest => "agent_digest",
            MailKind::AgentTargetNear => "agent_target_near",
            MailKind::AgentTargetPassed => "agent_target_passed",
            MailKind::AgentHandoff => "agent_handoff",
            MailKind::AgentMailboxDown => "agent_mailbox_down",
            MailKind::AgentMailboxBack => "agent_mailbox_back",
            MailKind::AgentRequesterClosed => "agent_requester_closed",
            MailKind::FormConfirm => "form_confirm",
        }
    }

    pub fn is_progress(self) -> bool {
        matches!(self, MailKind::Progress(_))
    }
}
