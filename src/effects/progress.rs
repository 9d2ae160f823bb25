//! The effects of a due progress mail: the mail to the requester, the agents' notice when the
//! target is near or has passed, the ticket's new promise (the date the mail names) and the
//! event that records it. When a mail is due is `schedule::progress`'s to say.

use super::{Effects, Event, TicketEffect};
use crate::compose::{Composer, TemplateError};
use crate::model::{EventKind, Ticket};
use crate::schedule::Due;
use crate::schedule::progress::AfterSend;
use chrono::{DateTime, Utc};

/// The progress mail `due` on `t`, sent at `now`, after which the ticket stands as `after`
/// says.
pub fn progress(
    composer: &Composer,
    t: &Ticket,
    due: Due,
    after: &AfterSend,
    now: DateTime<Utc>,
) -> Result<Effects, TemplateError> {
    let mut updated = t.clone();
    updated.near_sent = after.near_sent;
    updated.overdue_sent = after.overdue_sent;
    // the mail names the new promise: from now on it is the date to keep
    updated.next_contact = Some(after.next_contact);
    updated.promised = Some(after.next_contact);
    let mut mails = vec![composer.progress(&updated, due.kind, now)?];
    mails.extend(composer.agent_target(&updated, due.kind, now)?);
    let event = Event::new(
        "deskmail",
        EventKind::from(due.kind),
        format!(
            "progress mail; next contact promised by {}",
            after.next_contact
        ),
    );
    Ok(Effects {
        ticket: Some(TicketEffect::Update(updated)),
        events: vec![event],
        mails,
        ..Effects::none()
    })
}
