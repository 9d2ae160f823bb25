//! Floods and loops end at a person, not at the global brake. Every chain of mail deskmail
//! could be part of — an autoresponder answering our answers, a bot replying from a fresh
//! `+tag` address each time, a thousand forged senders, outsiders replying on a guessed ticket
//! subject — is bounded here, per address (the base address: `+tag`, case and a trailing dot
//! folded), per ticket, and for portal replies as a whole, before the brake that would stop
//! all desk mail. A mail over a limit is not answered; it goes to the agents' hourly bundle
//! (`handoff`), so a real person in the flood still reaches a human.

use super::{Decision, HandoffReason};
use crate::config::Limits;
use crate::model::{TicketRef, base_address};

/// Whom a decision would mail, so the store can count what they already got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// The requester's (or sender's) base address, lower-cased.
    pub address: Option<String>,
    pub ticket: Option<TicketRef>,
    pub portal_reply: bool,
}

/// What the store counted for the targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub to_address: u32,
    pub on_ticket: u32,
    /// Counted only up to `limits.portal_replies_per_hour` (all the limit asks).
    pub portal_replies_last_hour: u32,
}

/// Which limit a mail ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flood {
    Address {
        address: String,
        count: u32,
        limit: u32,
    },
    Ticket {
        ticket: TicketRef,
        count: u32,
        limit: u32,
    },
    PortalReplies {
        count: u32,
        limit: u32,
    },
}

impl std::fmt::Display for Flood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flood::Address {
                address,
                count,
                limit,
            } => write!(
                f,
                "{address} got {count} mails from the desk in 24 hours (limits.per_address_per_day = {limit}): a loop or a flood"
            ),
            Flood::Ticket {
                ticket,
                count,
                limit,
            } => write!(
                f,
                "ticket {ticket} caused {count} mails in 24 hours (limits.per_ticket_per_day = {limit}): a loop or a flood"
            ),
            Flood::PortalReplies { count, limit } => write!(
                f,
                "{count} or more portal replies went out in the last hour (limits.portal_replies_per_hour = {limit}): a flood of strangers"
            ),
        }
    }
}

/// The address a requester is counted by: `Anna+x@Example.org.` → `anna@example.org`.
pub fn folded(address: &str) -> String {
    base_address(address)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whom `decision` would mail.
pub fn targets(decision: &Decision, sender: Option<&str>) -> Targets {
    match decision {
        Decision::PortalReply { .. } => Targets {
            address: sender.map(folded),
            ticket: None,
            portal_reply: true,
        },
        Decision::NewTicket(form) => Targets {
            address: Some(folded(&form.email)),
            ..Targets::default()
        },
        Decision::TicketReply { ticket, .. } => Targets {
            address: None,
            ticket: Some(ticket.clone()),
            portal_reply: false,
        },
        // a proven agent is a person at the desk: never held back (an autoresponder on an
        // agent's address repeats itself, which `AgentRepeats` catches; the requester's side of
        // any chain runs into the ticket's limit)
        Decision::AgentCommand { .. } | Decision::Ignore(_) | Decision::Handoff(_) => {
            Targets::default()
        }
    }
}

/// The first limit the decision would break, if any.
pub fn check(targets: &Targets, counts: &Counts, limits: &Limits) -> Option<Flood> {
    let over = |count: u32, limit: u32| limit > 0 && count >= limit;
    if let Some(ticket) = &targets.ticket
        && over(counts.on_ticket, limits.per_ticket_per_day)
    {
        return Some(Flood::Ticket {
            ticket: ticket.clone(),
            count: counts.on_ticket,
            limit: limits.per_ticket_per_day,
        });
    }
    if let Some(address) = &targets.address
        && over(counts.to_address, limits.per_address_per_day)
    {
        return Some(Flood::Address {
            address: address.clone(),
            count: counts.to_address,
            limit: limits.per_address_per_day,
        });
    }
    if targets.portal_reply
        && over(
            counts.portal_replies_last_hour,
            limits.portal_replies_per_hour,
        )
    {
        return Some(Flood::PortalReplies {
            count: counts.portal_replies_last_hour,
            limit: limits.portal_replies_per_hour,
        });
    }
    None
}

/// The decision after the limits: over one, nobody is mailed about it one by one. A reply on
/// a ticket is still kept on the ticket (a requester's real reply is not lost in a flood);
/// anything else goes to the agents' hourly bundle.
pub fn apply(decision: Decision, flood: Option<Flood>) -> Decision {
    match (decision, flood) {
        (decision, None) => decision,
        (
            Decision::TicketReply {
                ticket,
                author,
                quiet: _,
            },
            Some(flood),
        ) => Decision::TicketReply {
            ticket,
            author,
            quiet: Some(flood),
        },
        (_, Some(flood)) => Decision::Handoff(HandoffReason::Flood(flood)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Author;
    use crate::portal::FormChoice;

    fn portal_reply() -> Decision {
        Decision::PortalReply {
            form: FormChoice {
                category: None,
                url: "https://portal.example.org/".into(),
            },
        }
    }

    #[test]
    fn plus_tags_case_and_a_trailing_dot_are_one_address() {
        for a in [
            "helpdesk+t17@vendor.example",
            "HelpDesk+t18@Vendor.Example",
            "helpdesk@vendor.example.",
        ] {
            assert_eq!(folded(a), "helpdesk@vendor.example", "{a}");
        }
    }

    #[test]
    fn a_bot_on_fresh_plus_addresses_is_counted_as_one_sender() {
        let t = targets(&portal_reply(), Some("bot+x91@vendor.example"));
        assert_eq!(t.address.as_deref(), Some("bot@vendor.example"));
        let counts = Counts {
            to_address: 20,
            ..Counts::default()
        };
        let flood = check(&t, &counts, &Limits::default());
        assert!(
            matches!(flood, Some(Flood::Address { count: 20, .. })),
            "{flood:?}"
        );
        assert!(matches!(
            apply(portal_reply(), flood),
            Decision::Handoff(HandoffReason::Flood(_))
        ));
    }

    #[test]
    fn a_ticket_in_a_loop_stops_at_its_daily_limit_and_a_quiet_one_goes_on() {
        let reply = Decision::TicketReply {
            ticket: TicketRef("SD-1000".into()),
            author: Author::Other,
            quiet: None,
        };
        let t = targets(&reply, Some("x@example.com"));
        let quiet = Counts {
            on_ticket: 39,
            ..Counts::default()
        };
        assert_eq!(check(&t, &quiet, &Limits::default()), None);
        let looping = Counts {
            on_ticket: 40,
            ..Counts::default()
        };
        assert!(matches!(
            check(&t, &looping, &Limits::default()),
            Some(Flood::Ticket { .. })
        ));
        // the reply stays on the ticket; only the notices stop
        let flood = check(&t, &looping, &Limits::default());
        assert!(matches!(
            apply(reply, flood),
            Decision::TicketReply { quiet: Some(_), .. }
        ));
    }

    #[test]
    fn portal_replies_have_their_own_hourly_budget_and_zero_switches_limits_off() {
        let t = targets(&portal_reply(), Some("stranger@example.net"));
        let flood = Counts {
            portal_replies_last_hour: 500,
            ..Counts::default()
        };
        assert!(matches!(
            check(&t, &flood, &Limits::default()),
            Some(Flood::PortalReplies { .. })
        ));
        let off = Limits {
            per_address_per_day: 0,
            per_ticket_per_day: 0,
            portal_replies_per_hour: 0,
        };
        let all = Counts {
            to_address: 1_000,
            on_ticket: 1_000,
            portal_replies_last_hour: 1_000,
        };
        assert_eq!(check(&t, &all, &off), None);
        // machine mail and handoffs mail nobody: nothing to count
        assert_eq!(
            targets(
                &Decision::Ignore(crate::classify::IgnoreReason::NoSender),
                None
            ),
            Targets::default()
        );
    }
}
