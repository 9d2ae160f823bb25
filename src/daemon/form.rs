//! What a requester does on deskmail's own form (`web::form`), written as a portal form mail
//! would be: the request becomes an inbound row (a form mail from the requester, so the ticket
//! shows where it came from) and the same decision, `NewTicket`, through `ingest::record`: the
//! same ticket, SLA, confirmation and agent notice. A request for an address that has not
//! proven itself is held (`store::form_pending`) and a link to confirm it is mailed to that
//! address, and to nobody else.

use super::enqueue::WriteError;
use super::ingest::{Row, record};
use super::write::write;
use crate::agent::token::TokenKey;
use crate::classify::Decision;
use crate::compose::{Composer, message};
use crate::effects::Effects;
use crate::model::{Address, Inbound, Lang, TicketRef};
use crate::portal::FormRequest;
use crate::store::{Store, form_pending};
use chrono::{DateTime, Duration, Utc};

/// How long a confirmation link works.
pub const PENDING_HOURS: i64 = 24;

/// Held requests one address may get confirmation mails for per `PENDING_HOURS`: the form
/// cannot be used to flood someone's mailbox.
pub const PENDING_PER_ADDRESS: i64 = 3;

/// What became of a request for an unproven address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Held under this id; the link to confirm it is in the outbox.
    Mailed(i64),
    /// The address had its share of confirmation mails: nothing held, nothing sent.
    TooMany,
}

/// Make the ticket for `form` now, as its form mail would. Returns its reference.
pub fn submit(
    store: &mut Store,
    composer: &Composer,
    key: &TokenKey,
    form: &FormRequest,
    now: DateTime<Utc>,
) -> Result<Option<TicketRef>, WriteError> {
    store.transaction(true, |tx| ticket(tx, composer, key, form, now))
}

fn ticket(
    tx: &rusqlite::Connection,
    composer: &Composer,
    key: &TokenKey,
    form: &FormRequest,
    now: DateTime<Utc>,
) -> Result<Option<TicketRef>, WriteError> {
    let (m, raw) = form_mail(composer, form, now);
    let source_key = format!("form:{}", m.message_id.as_deref().unwrap_or_default());
    let row = Row {
        source_key: &source_key,
        raw: &raw,
        size: raw.len(),
        held: None,
    };
    let decision = Decision::NewTicket(form.clone());
    let (_, reference) = record(tx, composer, &decision, &m, Some(key), &row, now)?;
    Ok(reference)
}

/// Hold `form` and mail its address the link to confirm it (`confirm_url` makes the link from
/// the held id), in `lang`.
pub fn hold(
    store: &mut Store,
    composer: &Composer,
    form: &FormRequest,
    lang: Lang,
    confirm_url: impl Fn(i64) -> String,
    now: DateTime<Utc>,
) -> Result<Held, WriteError> {
    store.transaction(true, |tx| {
        let since = now - Duration::hours(PENDING_HOURS);
        if form_pending::count_since(tx, &form.email, since)? >= PENDING_PER_ADDRESS {
            return Ok(Held::TooMany);
        }
        let id = form_pending::insert(tx, form, now, now + Duration::hours(PENDING_HOURS))?;
        let to = Address::new(form.name.as_deref(), &form.email);
        let mail = composer.form_confirm(&to, &form.subject, &confirm_url(id), lang, now)?;
        let effects = Effects {
            mails: vec![mail],
            ..Effects::none()
        };
        write(tx, composer, &effects, None, now)?;
        Ok(Held::Mailed(id))
    })
}

/// The held request `id`, unless it expired or was confirmed already.
pub fn pending(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<FormRequest>, WriteError> {
    Ok(form_pending::get(store.conn(), id, now)?)
}

/// The address confirmed held request `id`: it becomes the ticket, once. `None`: expired or
/// confirmed before.
pub fn confirm(
    store: &mut Store,
    composer: &Composer,
    key: &TokenKey,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<TicketRef>, WriteError> {
    store.transaction(true, |tx| {
        let Some(form) = form_pending::get(tx, id, now)? else {
            return Ok(None);
        };
        form_pending::take(tx, id)?;
        ticket(tx, composer, key, &form, now)
    })
}

/// The request as the form mail a portal would have sent: from the requester, to the desk,
/// one `Field: value` line per field under the desk's own field names.
fn form_mail(composer: &Composer, form: &FormRequest, now: DateTime<Utc>) -> (Inbound, Vec<u8>) {
    let config = composer.config;
    let names = &config.portal.fields;
    let label = |list: &[String], fallback: &'static str| {
        list.first()
            .cloned()
            .unwrap_or_else(|| fallback.to_string())
    };
    let description = form.description.replace("\r\n", "\n").trim().to_string();
    let body = format!(
        "{}: {}\n{}: {}\n{}: {}\n{}: {}\n{}: {}\n{}: {}\n",
        label(&names.name, "Name"),
        form.name.as_deref().unwrap_or_default(),
        label(&names.email, "Email"),
        form.email,
        label(&names.category, "Category"),
        form.category,
        label(&names.priority, "Priority"),
        form.priority,
        label(&names.subject, "Subject"),
        form.subject,
        label(&names.description, "Description"),
        description,
    );
    let subject = crate::compose::templates::header_safe(&form.subject);
    let id = message::new_id("form", &config.desk.message_id_domain, now);
    let from = Address::new(form.name.as_deref(), &form.email);
    super::page::as_mail(
        &from,
        &config.desk.address,
        subject,
        id,
        body,
        "deskmail form",
        now,
    )
}
