//! The requester's ticket page, `<base_url>t/<ref>.<token>`: GET shows it (`compose::page`),
//! POST takes "add information" (`do=add`) or "I no longer need this" (`do=close`) and writes
//! them through the same core as mail (`daemon::page`), then sends the browser back to the
//! page. A wrong or missing token is the same 404 as an unknown ticket.

use super::WebState;
use super::readers::Readers;
use super::security::not_found;
use super::security::{Csrf, RateLimit, honeypot_filled};
use crate::compose::Composer;
use crate::error_chain::Chain;
use crate::model::TicketRef;
use crate::requester::token::split;
use crate::store::{Store, tickets};
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, http::HeaderValue};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Posts one address may make per ten minutes, and how many addresses are counted at once.
const POSTS_PER_WINDOW: u32 = 20;
const POST_WINDOW: Duration = Duration::from_secs(600);
const COUNTED_ADDRESSES: usize = 10_000;

const CSS: &str = include_str!("../../templates/web/page.css");

/// The page's templates, built in: one per language, and their layout.
const PAGES: [(&str, &str); 3] = [
    (
        "layout.html",
        include_str!("../../templates/web/layout.html"),
    ),
    (
        "nl/ticket.html",
        include_str!("../../templates/web/nl/ticket.html"),
    ),
    (
        "en/ticket.html",
        include_str!("../../templates/web/en/ticket.html"),
    ),
];

struct Pages {
    state: WebState,
    tera: tera::Tera,
    csrf: Csrf,
    posts: RateLimit,
    /// Connections for showing pages, opened once (posts write through a store of their own).
    readers: Readers,
}

/// The ticket page's routes and its style sheet.
pub fn router(state: WebState) -> Router {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    if let Err(e) = tera.add_raw_templates(PAGES) {
        // built in and covered by the tests: only a broken build gets here
        tracing::error!(error = %Chain(&e), "ticket page templates do not compile");
    }
    let pages = Pages {
        csrf: Csrf::new(&state.page_key.derive("csrf")),
        posts: RateLimit::new(POSTS_PER_WINDOW, POST_WINDOW, COUNTED_ADDRESSES),
        readers: Readers::new(state.database.clone()),
        tera,
        state,
    };
    Router::new()
        .route("/t/{tail}", get(show).post(act))
        .route("/static/page.css", get(css))
        .with_state(Arc::new(pages))
}

impl Pages {
    /// The ticket a page path names, when its token is right.
    fn verified(&self, tail: &str) -> Option<TicketRef> {
        let config = &self.state.config;
        let (reference, token) = split(tail, &config.tickets.ref_prefix)?;
        self.state
            .page_key
            .verify(&reference, token)
            .then_some(reference)
    }

    fn composer(&self) -> Composer<'_> {
        Composer::new(&self.state.config, &self.state.templates)
            .signing(&self.state.token_key)
            .linking(Some(&self.state.page_key))
    }

    fn render(&self, tail: &str, reference: &TicketRef, notice: &str) -> Result<Response, String> {
        let shown = self.readers.with(
            |e| Chain(&e).to_string(),
            |store| {
                let c = store.conn();
                let Some(t) =
                    tickets::by_ref(c, reference.as_str()).map_err(|e| Chain(&e).to_string())?
                else {
                    return Ok(None);
                };
                let said =
                    crate::daemon::page::conversation(c, &t).map_err(|e| Chain(&e).to_string())?;
                Ok(Some((t, said)))
            },
        )?;
        let Some((t, said)) = shown else {
            return Ok(not_found());
        };
        let now = self.state.clock.now();
        let page = crate::compose::page::page(&self.state.config, &t, &said, now);
        let mut ctx = tera::Context::new();
        ctx.insert("page", &page);
        ctx.insert("desk", &self.state.config.desk.name);
        ctx.insert("csrf", &self.csrf.issue(reference.as_str(), now));
        // relative links keep working under any base path the reverse proxy puts us at
        ctx.insert("action", tail);
        ctx.insert("root", "../");
        ctx.insert("notice", notice);
        let html = self
            .tera
            .render(&format!("{}/ticket.html", t.lang.code()), &ctx)
            .map_err(|e| Chain(&e).to_string())?;
        Ok(Html(html).into_response())
    }
}

#[derive(Deserialize, Default)]
struct Shown {
    #[serde(default)]
    done: String,
}

async fn show(
    State(pages): State<Arc<Pages>>,
    Path(tail): Path<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let Some(reference) = pages.verified(&tail) else {
        return not_found();
    };
    let notice = match shown.done.as_str() {
        "added" => "added",
        "closed" => "closed",
        "empty" => "empty",
        _ => "",
    };
    blocking(move || pages.render(&tail, &reference, notice)).await
}

/// What a form on the page posts.
#[derive(Deserialize, Default)]
struct Posted {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "do")]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    website: Option<String>,
}

async fn act(
    State(pages): State<Arc<Pages>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(tail): Path<String>,
    Form(posted): Form<Posted>,
) -> Response {
    let Some(reference) = pages.verified(&tail) else {
        return not_found();
    };
    if !pages.posts.allow(peer.ip(), Instant::now()) {
        tracing::warn!(peer = %peer.ip(), ticket = %reference, "ticket page: too many posts from one address; refused");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests; try again later\n",
        )
            .into_response();
    }
    let now = pages.state.clock.now();
    if !pages.csrf.check(reference.as_str(), &posted.csrf, now) {
        tracing::warn!(peer = %peer.ip(), ticket = %reference, "ticket page: a post without a valid form token; refused");
        return (
            StatusCode::FORBIDDEN,
            "this form has expired; open the page again and retry\n",
        )
            .into_response();
    }
    if honeypot_filled(posted.website.as_deref()) {
        tracing::warn!(peer = %peer.ip(), ticket = %reference, "ticket page: the hidden field was filled (a bot); nothing done");
        return back(&tail, "");
    }
    let done = match posted.action.as_str() {
        "add" if posted.text.trim().is_empty() => return back(&tail, "empty"),
        "add" => "added",
        "close" => "closed",
        _ => return (StatusCode::BAD_REQUEST, "unknown action\n").into_response(),
    };
    let written = {
        let pages = pages.clone();
        let reference = reference.clone();
        blocking(move || {
            let mut store =
                Store::open(&pages.state.database).map_err(|e| Chain(&e).to_string())?;
            let composer = pages.composer();
            let written = match done {
                "added" => crate::daemon::page::add_information(
                    &mut store,
                    &composer,
                    &reference,
                    &posted.text,
                    now,
                ),
                _ => crate::daemon::page::close(&mut store, &composer, &reference, now),
            };
            match written.map_err(|e| Chain(&e).to_string())? {
                true => Ok(back(&tail, done)),
                false => Ok(not_found()),
            }
        })
        .await
    };
    if written.status().is_redirection() {
        tracing::info!(ticket = %reference, action = done, "ticket page: requester's action recorded");
    }
    written
}

/// Back to the page (Post/Redirect/Get), saying what was done.
fn back(tail: &str, done: &str) -> Response {
    let to = match done {
        "" => tail.to_string(),
        done => format!("{tail}?done={done}"),
    };
    Redirect::to(&to).into_response()
}

async fn css() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        CSS,
    )
        .into_response()
}

/// Store work off the async threads; a failure is logged (never with the mail's text) and is a
/// plain 500 to the browser.
pub(super) async fn blocking(
    work: impl FnOnce() -> Result<Response, String> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            tracing::error!(%error, "ticket page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong; try again later\n",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "ticket page task failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong; try again later\n",
            )
                .into_response()
        }
    }
}
