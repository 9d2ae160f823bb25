//! The way a held request becomes a ticket: the link mailed to its address shows it with a
//! button (`/form/confirm/<id>.<token>`), whose post makes the ticket, once; and the thank-you
//! page (`/form/thanks/<ref>.<token>`) that names the ticket and links to its page.

use super::words::{accept_language, language};
use super::{Asked, Pages, expired, made_ticket, too_many};
use crate::daemon::form;
use crate::error_chain::Chain;
use crate::model::Lang;
use crate::portal::FormRequest;
use crate::requester::token::split;
use crate::store::{Store, tickets};
use crate::web::security::not_found;
use crate::web::ticket::blocking;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The held request a confirmation link names, when its token is right and it is still held.
fn held(pages: &Pages, tail: &str) -> Result<Option<(i64, FormRequest)>, String> {
    let Some((id, token)) = tail.split_once('.') else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    let store = Store::open(&pages.state.database).map_err(|e| Chain(&e).to_string())?;
    let request =
        form::pending(&store, id, pages.state.clock.now()).map_err(|e| Chain(&e).to_string())?;
    Ok(request
        .filter(|r| pages.state.page_key.verify_pending(id, &r.email, token))
        .map(|r| (id, r)))
}

fn gone(pages: &Pages, lang: Lang) -> Response {
    pages.render(lang, StatusCode::NOT_FOUND, |ctx| {
        ctx.insert("view", "gone");
        ctx.insert("root", "../../");
    })
}

pub(super) async fn page(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Path(tail): Path<String>,
    Query(asked): Query<Asked>,
) -> Response {
    let lang = language(
        asked.lang.as_deref(),
        accept_language(&headers),
        pages.state.config.desk.language,
    );
    blocking(move || {
        let Some((id, request)) = held(&pages, &tail)? else {
            return Ok(gone(&pages, lang));
        };
        let csrf = pages
            .csrf
            .issue(&format!("confirm:{id}"), pages.state.clock.now());
        Ok(pages.render(lang, StatusCode::OK, |ctx| {
            ctx.insert("view", "confirm");
            ctx.insert("form", &request);
            ctx.insert("csrf", &csrf);
            ctx.insert("root", "../../");
            ctx.insert("action", &tail);
        }))
    })
    .await
}

#[derive(Deserialize, Default)]
pub(super) struct Confirmed {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn confirm(
    State(pages): State<Arc<Pages>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(tail): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Response {
    if !pages.posts.allow(peer.ip(), Instant::now()) {
        tracing::warn!(peer = %peer.ip(), "form: too many posts from one address; refused");
        return too_many();
    }
    let lang = language(
        None,
        accept_language(&headers),
        pages.state.config.desk.language,
    );
    blocking(move || {
        let Some((id, _)) = held(&pages, &tail)? else {
            return Ok(gone(&pages, lang));
        };
        let now = pages.state.clock.now();
        if !pages
            .csrf
            .check(&format!("confirm:{id}"), &confirmed.csrf, now)
        {
            tracing::warn!(peer = %peer.ip(), "form: a confirmation without a valid form token; refused");
            return Ok(expired());
        }
        let mut store = Store::open(&pages.state.database).map_err(|e| Chain(&e).to_string())?;
        let composer = pages.composer();
        let made = form::confirm(&mut store, &composer, &pages.state.token_key, id, now)
            .map_err(|e| Chain(&e).to_string())?;
        match made {
            Some(_) => Ok(made_ticket(&pages, made)),
            None => Ok(gone(&pages, lang)),
        }
    })
    .await
}

pub(super) async fn thanks(State(pages): State<Arc<Pages>>, Path(tail): Path<String>) -> Response {
    let config = &pages.state.config;
    let Some((reference, token)) = split(&tail, &config.tickets.ref_prefix) else {
        return not_found();
    };
    if !pages.state.page_key.verify(&reference, token) {
        return not_found();
    }
    blocking(move || {
        let store = Store::open(&pages.state.database).map_err(|e| Chain(&e).to_string())?;
        let found =
            tickets::by_ref(store.conn(), reference.as_str()).map_err(|e| Chain(&e).to_string())?;
        let Some(t) = found else {
            return Ok(not_found());
        };
        Ok(pages.render(t.lang, StatusCode::OK, |ctx| {
            ctx.insert("view", "thanks");
            ctx.insert("reference", t.reference.as_str());
            ctx.insert("page", &format!("../../t/{tail}"));
            ctx.insert("root", "../../");
        }))
    })
    .await
}
