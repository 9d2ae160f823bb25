//! What a requester does on their ticket page besides writing ("add information" is a reply,
//! worked out by [`super::decided`] as a mailed one is): closing the ticket they no longer need.

use super::{Effects, Event, TicketEffect};
use crate::compose::{Composer, TemplateError};
use crate::model::{EventKind, Status, Ticket};
use chrono::{DateTime, Utc};

/// The requester no longer needs `t`: closed, nothing more promised, the agents told. A ticket
/// already resolved or closed stays as it is.
pub fn requester_closed(
    composer: &Composer,
    t: &Ticket,
    now: DateTime<Utc>,
) -> Result<Effects, TemplateError> {
    if t.status.is_done() {
        return Ok(Effects::none());
    }
    let closed = Ticket {
        status: Status::Closed,
        waiting_reason: None,
        // closed tickets get no progress mails, so no date is promised any more
        next_contact: None,
        promised: None,
        ..t.clone()
    };
    let notice = composer.agent_requester_closed(&closed, now)?;
    Ok(Effects {
        events: vec![Event::new(
            t.requester.clone(),
            EventKind::Status,
            "closed: the requester no longer needs it (ticket page)",
        )],
        threads: super::Threads {
            requester: None,
            agent: Some(notice.message_id.clone()),
        },
        mails: vec![notice],
        ticket: Some(TicketEffect::Update(closed)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{MailKind, Templates};
    use chrono::TimeZone;

    #[test]
    fn a_requester_closes_an_open_ticket_and_the_agents_are_told() {
        let config = crate::config::test_config("");
        let templates = Templates::load(None).expect("templates");
        let composer = Composer::new(&config, &templates);
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let t = Ticket {
            status: Status::WaitingCustomer,
            next_contact: now.date_naive().succ_opt(),
            promised: now.date_naive().succ_opt(),
            assignee: Some("anna@it.example.org".into()),
            ..Ticket::for_test(1, now, now + chrono::Duration::days(2))
        };
        let e = requester_closed(&composer, &t, now).expect("effects");
        let Some(TicketEffect::Update(closed)) = &e.ticket else {
            panic!("not updated: {:?}", e.ticket);
        };
        assert_eq!(closed.status, Status::Closed);
        assert_eq!((closed.next_contact, closed.promised), (None, None));
        assert_eq!(e.events[0].kind, EventKind::Status);
        assert_eq!(e.mails.len(), 1);
        assert_eq!(e.mails[0].kind, MailKind::AgentRequesterClosed);
        assert_eq!(e.mails[0].to[0].email, "anna@it.example.org");
        assert!(e.mails[0].rendered.subject.contains("SD-1000"));
        let done = Ticket {
            status: Status::Resolved,
            ..t
        };
        let nothing = requester_closed(&composer, &done, now).expect("effects");
        assert!(nothing.ticket.is_none() && nothing.mails.is_empty());
    }
}
