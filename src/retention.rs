//! How long raw mail is kept (`store.keep_raw_days`), and which stored mail may lose its raw
//! bytes: a pure decision over one row's facts, so the daemon's purge, `deskmail purge
//! --dry-run` and the tests all ask the same question. Tickets, events, decisions and sizes
//! stay; only the raw bytes go.

use chrono::{DateTime, Duration, Utc};

/// `store.keep_raw_days` when the config has none.
pub const DEFAULT_KEEP_RAW_DAYS: u32 = 90;

/// Longest period one can ask for: beyond it, `0` (for ever) says what is meant.
pub const MAX_KEEP_RAW_DAYS: u32 = 36_500;

/// How long raw mail is kept after it is no longer needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepRaw {
    /// `store.keep_raw_days = 0`: nothing is purged.
    Forever,
    Days(u32),
}

/// Why a `store.keep_raw_days` value is refused, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKeepRaw {
    pub problem: String,
    pub fix: String,
}

impl KeepRaw {
    /// The setting from the config's value (`None`: the default).
    pub fn from_days(days: Option<i64>) -> Result<KeepRaw, BadKeepRaw> {
        let fix = format!(
            "give a number of days from 1 to {MAX_KEEP_RAW_DAYS} (default {DEFAULT_KEEP_RAW_DAYS}), \
             or 0 to keep raw mail for ever"
        );
        match days {
            None => Ok(KeepRaw::Days(DEFAULT_KEEP_RAW_DAYS)),
            Some(0) => Ok(KeepRaw::Forever),
            Some(n) => match u32::try_from(n) {
                Ok(n) if n <= MAX_KEEP_RAW_DAYS => Ok(KeepRaw::Days(n)),
                _ => Err(BadKeepRaw {
                    problem: format!("{n} days is out of range"),
                    fix,
                }),
            },
        }
    }

    /// Mail that stopped being needed before this moment may go; `None`: nothing goes.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            KeepRaw::Forever => None,
            KeepRaw::Days(n) => Some(now - Duration::days(i64::from(n))),
        }
    }
}

impl std::fmt::Display for KeepRaw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepRaw::Forever => f.write_str("for ever"),
            KeepRaw::Days(n) => write!(f, "{n} days"),
        }
    }
}

/// The ticket a stored mail belongs to, as far as keeping it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTicket {
    /// Not on a ticket (ignored, answered with a portal reply, handed off, quarantined).
    None,
    /// On a ticket that is open or waiting: its mail is still needed.
    Active,
    /// On a resolved or closed ticket, last changed then.
    Settled { since: DateTime<Utc> },
}

impl OnTicket {
    /// From the ticket's stored status (`None`: no ticket) and when it last changed.
    pub fn from_status(status: Option<&str>, updated: DateTime<Utc>) -> OnTicket {
        match status {
            None => OnTicket::None,
            Some("resolved" | "closed") => OnTicket::Settled { since: updated },
            Some(_) => OnTicket::Active,
        }
    }
}

/// What a stored inbound mail's fate depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundFacts {
    pub received: DateTime<Utc>,
    pub ticket: OnTicket,
    /// Handed to the agents but not yet listed in their hourly bundle, which quotes it.
    pub awaiting_bundle: bool,
}

/// Where an outgoing mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Still to be sent (or retried): its raw bytes are what will go out.
    Pending,
    /// Given up on; an operator may still retry it.
    Failed,
    Sent {
        at: DateTime<Utc>,
    },
    /// An operator decided it will not go.
    Dismissed {
        at: DateTime<Utc>,
    },
}

impl Delivery {
    /// From the stored state, when it was sent and when it was made.
    pub fn from_state(state: &str, sent: Option<DateTime<Utc>>, created: DateTime<Utc>) -> Self {
        match state {
            "sent" => Delivery::Sent {
                at: sent.unwrap_or(created),
            },
            "dismissed" => Delivery::Dismissed { at: created },
            "failed" => Delivery::Failed,
            // an unknown state is kept: only mail known to be done with may lose its bytes
            _ => Delivery::Pending,
        }
    }
}

/// What a stored outgoing mail's fate depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxFacts {
    pub delivery: Delivery,
    pub ticket: OnTicket,
}

/// Does the ticket still need its mail at `cutoff`? Its clock starts when it was settled, so
/// an agent looking back at a ticket resolved last week still finds the mails of last year.
fn ticket_lets_go(ticket: OnTicket, cutoff: DateTime<Utc>) -> bool {
    match ticket {
        OnTicket::None => true,
        OnTicket::Active => false,
        OnTicket::Settled { since } => since < cutoff,
    }
}

/// May this inbound mail's raw bytes go, with `cutoff` from [`KeepRaw::cutoff`]?
pub fn inbound_purgeable(f: &InboundFacts, cutoff: DateTime<Utc>) -> bool {
    !f.awaiting_bundle && f.received < cutoff && ticket_lets_go(f.ticket, cutoff)
}

/// May this outgoing mail's raw bytes go? Pending and failed mail never: it is still to be sent.
pub fn outbox_purgeable(f: &OutboxFacts, cutoff: DateTime<Utc>) -> bool {
    let done_at = match f.delivery {
        Delivery::Pending | Delivery::Failed => return false,
        Delivery::Sent { at } | Delivery::Dismissed { at } => at,
    };
    done_at < cutoff && ticket_lets_go(f.ticket, cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|x| x.checked_add_days(chrono::Days::new(u64::from(d))))
            .and_then(|x| x.and_hms_opt(12, 0, 0))
            .map(|x| x.and_utc())
            .unwrap_or_default()
    }

    #[test]
    fn the_setting_reads_days_for_ever_and_refuses_the_rest() {
        assert_eq!(KeepRaw::from_days(None), Ok(KeepRaw::Days(90)));
        assert_eq!(KeepRaw::from_days(Some(0)), Ok(KeepRaw::Forever));
        assert_eq!(KeepRaw::from_days(Some(30)), Ok(KeepRaw::Days(30)));
        for bad in [-1, 36_501, i64::MAX] {
            let e = KeepRaw::from_days(Some(bad)).expect_err("out of range");
            assert!(e.problem.contains(&bad.to_string()), "{e:?}");
            assert!(e.fix.contains("0 to keep raw mail for ever"), "{e:?}");
        }
        assert_eq!(KeepRaw::Forever.cutoff(day(100)), None);
        assert_eq!(KeepRaw::Days(90).cutoff(day(100)), Some(day(10)));
    }

    #[test]
    fn loose_mail_goes_when_it_is_older_than_the_cutoff() {
        let f = |received| InboundFacts {
            received,
            ticket: OnTicket::None,
            awaiting_bundle: false,
        };
        assert!(inbound_purgeable(&f(day(9)), day(10)));
        assert!(!inbound_purgeable(&f(day(10)), day(10)));
        assert!(!inbound_purgeable(&f(day(11)), day(10)));
    }

    #[test]
    fn mail_on_a_ticket_stays_while_the_ticket_is_active_or_lately_settled() {
        let f = |ticket| InboundFacts {
            received: day(1),
            ticket,
            awaiting_bundle: false,
        };
        assert!(!inbound_purgeable(&f(OnTicket::Active), day(10)));
        assert!(!inbound_purgeable(
            &f(OnTicket::Settled { since: day(12) }),
            day(10)
        ));
        assert!(inbound_purgeable(
            &f(OnTicket::Settled { since: day(5) }),
            day(10)
        ));
    }

    #[test]
    fn handed_off_mail_stays_until_the_agents_bundle_listed_it() {
        let waiting = InboundFacts {
            received: day(1),
            ticket: OnTicket::None,
            awaiting_bundle: true,
        };
        assert!(!inbound_purgeable(&waiting, day(10)));
    }

    #[test]
    fn pending_and_failed_mail_is_never_purged() {
        for delivery in [Delivery::Pending, Delivery::Failed] {
            let f = OutboxFacts {
                delivery,
                ticket: OnTicket::None,
            };
            assert!(!outbox_purgeable(&f, day(100)), "{delivery:?}");
        }
        assert_eq!(
            Delivery::from_state("queued-by-a-newer-deskmail", None, day(1)),
            Delivery::Pending
        );
    }

    #[test]
    fn sent_and_dismissed_mail_goes_by_when_it_was_done_with() {
        let f = |delivery, ticket| OutboxFacts { delivery, ticket };
        let sent = |d| Delivery::Sent { at: day(d) };
        assert!(outbox_purgeable(&f(sent(5), OnTicket::None), day(10)));
        assert!(!outbox_purgeable(&f(sent(15), OnTicket::None), day(10)));
        assert!(!outbox_purgeable(&f(sent(5), OnTicket::Active), day(10)));
        assert!(outbox_purgeable(
            &f(Delivery::Dismissed { at: day(2) }, OnTicket::None),
            day(10)
        ));
        assert_eq!(
            Delivery::from_state("sent", Some(day(3)), day(1)),
            Delivery::Sent { at: day(3) }
        );
        assert_eq!(
            OnTicket::from_status(Some("closed"), day(4)),
            OnTicket::Settled { since: day(4) }
        );
        assert_eq!(
            OnTicket::from_status(Some("waiting_customer"), day(4)),
            OnTicket::Active
        );
    }
}
