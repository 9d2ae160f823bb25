//! What a requester does on their ticket page, written as their mail would be: "add
//! information" is a requester's reply on the ticket — an inbound row, the same decision and the
//! same effects as a mailed reply (`ingest::record`: agents told, a wait on them ended) — and
//! "I no longer need this" closes it (`effects::requester_closed`). And what the page shows of
//! the conversation: the requester's mails and the desk's mails to them, read from the store.

use super::enqueue::WriteError;
use super::ingest::{Row, record};
use super::write::write;
use crate::classify::{Author, Decision};
use crate::compose::page::{Said, Writer};
use crate::compose::{Composer, MailKind, message};
use crate::model::{Address, Inbound, Ticket, TicketRef};
use crate::schedule::ProgressKind;
use crate::store::{Store, StoreError, inbound, outbox, tickets};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// The desk's mails a requester gets about their ticket (never the agents' notices).
const TO_REQUESTER: [MailKind; 5] = [
    MailKind::Confirmation,
    MailKind::Progress(ProgressKind::TargetNear),
    MailKind::Progress(ProgressKind::Promised),
    MailKind::Progress(ProgressKind::Overdue),
    MailKind::AgentAnswer,
];

/// The ticket's public conversation after the request itself: the requester's replies (their
/// own text, without quoted history) and the desk's mails to them (the text part).
pub fn conversation(c: &Connection, t: &Ticket) -> Result<Vec<Said>, StoreError> {
    let kinds = TO_REQUESTER.map(MailKind::as_str);
    let mut said: Vec<Said> = outbox::of_kinds(c, t.id, &kinds)?
        .into_iter()
        .map(|(at, raw)| Said {
            at,
            writer: Writer::Desk,
            text: text_of(&raw),
        })
        .collect();
    said.extend(
        inbound::replies_from(c, t.id, &t.requester)?
            .into_iter()
            .map(|(at, raw)| Said {
                at,
                writer: Writer::Requester,
                text: text_of(&raw).map(|body| crate::quote::strip(&body)),
            }),
    );
    Ok(said)
}

/// A kept mail's plain text; `None` once purged or unreadable.
fn text_of(raw: &[u8]) -> Option<String> {
    crate::parse::parse(raw, usize::MAX)
        .ok()
        .map(|m| m.body.trim().to_string())
}

/// The requester adds `text` to ticket `reference`, as a reply by mail would. `false`: no such
/// ticket.
pub fn add_information(
    store: &mut Store,
    composer: &Composer,
    reference: &TicketRef,
    text: &str,
    now: DateTime<Utc>,
) -> Result<bool, WriteError> {
    store.transaction(true, |tx| {
        let Some(t) = tickets::by_ref(tx, reference.as_str())? else {
            return Ok(false);
        };
        let (m, raw) = requester_mail(composer, &t, text, now);
        let decision = Decision::TicketReply {
            ticket: t.reference.clone(),
            author: Author::Requester,
            quiet: None,
        };
        let source_key = format!("web:{}", m.message_id.as_deref().unwrap_or_default());
        let row = Row {
            source_key: &source_key,
            raw: &raw,
            size: raw.len(),
            held: None,
        };
        record(tx, composer, &decision, &m, None, &row, now)?;
        Ok(true)
    })
}

/// The requester no longer needs ticket `reference`. `false`: no such ticket.
pub fn close(
    store: &mut Store,
    composer: &Composer,
    reference: &TicketRef,
    now: DateTime<Utc>,
) -> Result<bool, WriteError> {
    store.transaction(true, |tx| {
        let Some(t) = tickets::by_ref(tx, reference.as_str())? else {
            return Ok(false);
        };
        let effects = crate::effects::requester_closed(composer, &t, now)?;
        write(tx, composer, &effects, None, now)?;
        Ok(true)
    })
}

/// The text from the page as the mail the requester could have sent: from them, to the
/// ticket's address, about the ticket; and its bytes for the inbound row.
fn requester_mail(
    composer: &Composer,
    t: &Ticket,
    text: &str,
    now: DateTime<Utc>,
) -> (Inbound, Vec<u8>) {
    let config = composer.config;
    let body = text.replace("\r\n", "\n").trim().to_string();
    let subject =
        crate::compose::templates::header_safe(&format!("Re: [{}] {}", t.reference, t.subject));
    let id = message::new_id("page", &config.desk.message_id_domain, now);
    let to = crate::agent::token::ticket_address(&config.desk.address, &t.reference);
    let from = Address::new(t.requester_name.as_deref(), &t.requester);
    as_mail(&from, &to, subject, id, body, "ticket page", now)
}

/// What a person wrote on one of deskmail's pages, as the plain-text mail they could have sent
/// instead (from them, to `to`, marked `X-Deskmail-Via: via`), and its bytes for the inbound
/// row: the pages' way in is the mail's way in.
pub(super) fn as_mail(
    from: &Address,
    to: &str,
    subject: String,
    id: String,
    body: String,
    via: &str,
    now: DateTime<Utc>,
) -> (Inbound, Vec<u8>) {
    let raw = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\nX-Deskmail-Via: {via}\r\n\r\n{body}\r\n",
        from = from.email,
        date = now.to_rfc2822(),
        body = body.replace('\n', "\r\n"),
    );
    let m = Inbound {
        message_id: Some(id),
        from: Some(from.clone()),
        to: vec![Address::new(None, to)],
        subject,
        date: Some(now),
        body,
        content_type: "text/plain".into(),
        size: raw.len(),
        ..Inbound::default()
    };
    (m, raw.into_bytes())
}
