//! deskmail's own request form, `/form` and `/form/<category>`: prefilled from the query the
//! portal reply's link carries (`portal.prefill.*`), in nl or en. A post is checked as a
//! portal form mail is (`portal::check`) and made a ticket the same way (`daemon::form`) —
//! at once when the link proves it was mailed to the address (`proof`), else only after the
//! address follows a confirmation link mailed to it (`/form/confirm/<id>.<token>`). The
//! thank-you page, `/form/thanks/<ref>.<token>`, names the ticket and links to its page.

mod confirm;
mod words;

use super::WebState;
use super::security::not_found;
use super::security::{Csrf, RateLimit, honeypot_filled};
use super::ticket::blocking;
use crate::compose::Composer;
use crate::daemon::form::{self, Held};
use crate::error_chain::Chain;
use crate::model::{Lang, Priority, TicketRef};
use crate::portal::{Fields, PROOF_PARAM, check};
use crate::store::Store;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use words::{accept_language, categories, language, problem_text};

/// Posts one address may make per ten minutes (people retype after a mistake; bots do not
/// get far), and how many addresses are counted at once.
const POSTS_PER_WINDOW: u32 = 10;
const POST_WINDOW: Duration = Duration::from_secs(600);
const COUNTED_ADDRESSES: usize = 10_000;

/// The category of a request that fits none of the desk's forms.
pub(super) const GENERAL: &str = "general";

const PAGES: [(&str, &str); 3] = [
    (
        "layout.html",
        include_str!("../../../templates/web/layout.html"),
    ),
    (
        "nl/form.html",
        include_str!("../../../templates/web/nl/form.html"),
    ),
    (
        "en/form.html",
        include_str!("../../../templates/web/en/form.html"),
    ),
];

pub(super) struct Pages {
    pub(super) state: WebState,
    pub(super) tera: tera::Tera,
    pub(super) csrf: Csrf,
    pub(super) posts: RateLimit,
}

/// The form's routes.
pub fn router(state: WebState) -> Router {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    if let Err(e) = tera.add_raw_templates(PAGES) {
        // built in and covered by the tests: only a broken build gets here
        tracing::error!(error = %Chain(&e), "form templates do not compile");
    }
    let pages = Pages {
        csrf: Csrf::new(&state.page_key.derive("form csrf")),
        posts: RateLimit::new(POSTS_PER_WINDOW, POST_WINDOW, COUNTED_ADDRESSES),
        tera,
        state,
    };
    Router::new()
        .route("/form", get(show).post(submit))
        .route("/form/{category}", get(show_category).post(submit_category))
        .route(
            "/form/confirm/{tail}",
            get(confirm::page).post(confirm::confirm),
        )
        .route("/form/thanks/{tail}", get(confirm::thanks))
        .with_state(Arc::new(pages))
}

/// One choice of category.
#[derive(Serialize)]
pub(super) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
}

/// What the form shows in its fields.
#[derive(Serialize, Default)]
struct Shown {
    name: String,
    email: String,
    category: String,
    subject: String,
    description: String,
    proof: String,
}

impl Pages {
    pub(super) fn composer(&self) -> Composer<'_> {
        Composer::new(&self.state.config, &self.state.templates)
            .signing(&self.state.token_key)
            .linking(Some(&self.state.page_key))
    }

    pub(super) fn render(
        &self,
        lang: Lang,
        status: StatusCode,
        fill: impl FnOnce(&mut tera::Context),
    ) -> Response {
        let mut ctx = tera::Context::new();
        ctx.insert("desk", &self.state.config.desk.name);
        ctx.insert("problem", "");
        fill(&mut ctx);
        match self
            .tera
            .render(&format!("{}/form.html", lang.code()), &ctx)
        {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %Chain(&e), "form page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something went wrong; try again later\n",
                )
                    .into_response()
            }
        }
    }

    /// The form itself, prefilled with `shown`.
    fn form(
        &self,
        lang: Lang,
        at: &At,
        shown: &Shown,
        problem: Option<String>,
        status: StatusCode,
    ) -> Response {
        let csrf = self.csrf.issue("form", self.state.clock.now());
        let config = &self.state.config;
        self.render(lang, status, |ctx| {
            ctx.insert("view", "form");
            ctx.insert("form", shown);
            ctx.insert("categories", &categories(config, lang));
            ctx.insert("csrf", &csrf);
            ctx.insert("root", at.root);
            ctx.insert("action", &at.action);
            ctx.insert("problem", &problem.unwrap_or_default());
        })
    }

    /// Where the thank-you page for `reference` is, as a path under the public base.
    pub(super) fn thanks_path(&self, reference: &TicketRef) -> String {
        let base = self
            .state
            .config
            .web
            .as_ref()
            .map(|w| w.base_url.path().to_string())
            .unwrap_or_else(|| "/".into());
        let token = self.state.page_key.token(reference);
        format!("{base}form/thanks/{reference}.{token}")
    }

    /// The link mailed to confirm held request `id` for `email`.
    fn confirm_url(&self, id: i64, email: &str, lang: Lang) -> String {
        let base = self
            .state
            .config
            .web
            .as_ref()
            .map(|w| w.base_url.to_string())
            .unwrap_or_default();
        let token = self.state.page_key.pending_token(id, email);
        format!("{base}form/confirm/{id}.{token}?lang={}", lang.code())
    }
}

/// Where a form page is: the way back to the root (for the style sheet and links) and the
/// form's action, both relative, so any base path of the reverse proxy works.
struct At {
    root: &'static str,
    action: String,
}

#[derive(Deserialize, Default)]
pub(super) struct Asked {
    #[serde(default)]
    pub(super) lang: Option<String>,
}

async fn show(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let at = At {
        root: "",
        action: "form".into(),
    };
    prefilled(&pages, &headers, &query, GENERAL, &at)
}

async fn show_category(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Path(category): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let category = category.to_lowercase();
    if !categories(&pages.state.config, Lang::En)
        .iter()
        .any(|c| c.value == category)
    {
        return not_found();
    }
    let at = At {
        root: "../",
        action: category.clone(),
    };
    prefilled(&pages, &headers, &query, &category, &at)
}

fn prefilled(
    pages: &Pages,
    headers: &HeaderMap,
    query: &[(String, String)],
    category: &str,
    at: &At,
) -> Response {
    let config = &pages.state.config;
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let names = &config.portal.prefill;
    let lang = language(
        Some(value("lang").as_str()).filter(|l| !l.is_empty()),
        accept_language(headers),
        config.desk.language,
    );
    let shown = Shown {
        name: value(&names.name),
        email: value(&names.email),
        category: category.to_string(),
        subject: value(&names.subject),
        description: value(&names.description),
        proof: value(PROOF_PARAM),
    };
    pages.form(lang, at, &shown, None, StatusCode::OK)
}

/// What the form posts.
#[derive(Deserialize, Default)]
struct Posted {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    proof: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    website: Option<String>,
}

async fn submit(
    State(pages): State<Arc<Pages>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(posted): Form<Posted>,
) -> Response {
    let at = At {
        root: "",
        action: "form".into(),
    };
    take(pages, peer, &headers, posted, at).await
}

async fn submit_category(
    State(pages): State<Arc<Pages>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(category): Path<String>,
    Form(posted): Form<Posted>,
) -> Response {
    let at = At {
        root: "../",
        action: category,
    };
    take(pages, peer, &headers, posted, at).await
}

pub(super) fn too_many() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests; try again later\n",
    )
        .into_response()
}

pub(super) fn expired() -> Response {
    (
        StatusCode::FORBIDDEN,
        "this form has expired; open the page again and retry\n",
    )
        .into_response()
}

async fn take(
    pages: Arc<Pages>,
    peer: SocketAddr,
    headers: &HeaderMap,
    posted: Posted,
    at: At,
) -> Response {
    if !pages.posts.allow(peer.ip(), Instant::now()) {
        tracing::warn!(peer = %peer.ip(), "form: too many posts from one address; refused");
        return too_many();
    }
    let now = pages.state.clock.now();
    if !pages.csrf.check("form", &posted.csrf, now) {
        tracing::warn!(peer = %peer.ip(), "form: a post without a valid form token; refused");
        return expired();
    }
    let config = &pages.state.config;
    let lang = language(
        Some(posted.lang.as_str()),
        accept_language(headers),
        config.desk.language,
    );
    if honeypot_filled(posted.website.as_deref()) {
        tracing::warn!(peer = %peer.ip(), "form: the hidden field was filled (a bot); nothing done");
        return pages.render(lang, StatusCode::OK, |ctx| {
            ctx.insert("view", "sent");
            ctx.insert("root", at.root);
        });
    }
    let category = Some(posted.category.to_lowercase())
        .filter(|c| categories(config, lang).iter().any(|k| &k.value == c))
        .unwrap_or_else(|| GENERAL.into());
    let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let checked = check(Fields {
        name: nonempty(&posted.name),
        email: nonempty(&posted.email),
        category: Some(category.clone()),
        // deskmail's own form asks no priority: agents set it (README "Portal form")
        priority: Some(Priority::Normal.as_str().into()),
        subject: nonempty(&posted.subject),
        description: nonempty(&posted.description),
    });
    let request = match checked {
        Ok(request) => request,
        Err(problem) => {
            tracing::info!(peer = %peer.ip(), %problem, "form: a post that is not complete; shown again");
            let shown = Shown {
                name: posted.name,
                email: posted.email,
                category,
                subject: posted.subject,
                description: posted.description,
                proof: posted.proof,
            };
            let text = problem_text(&problem, lang);
            return pages.form(lang, &at, &shown, Some(text), StatusCode::BAD_REQUEST);
        }
    };
    let proven = pages
        .state
        .page_key
        .proves_address(&request.email, &posted.proof);
    blocking(move || {
        let mut store = Store::open(&pages.state.database).map_err(|e| Chain(&e).to_string())?;
        let composer = pages.composer();
        if proven {
            let made = form::submit(&mut store, &composer, &pages.state.token_key, &request, now)
                .map_err(|e| Chain(&e).to_string())?;
            return Ok(made_ticket(&pages, made));
        }
        let url = |id| pages.confirm_url(id, &request.email, lang);
        let held = form::hold(&mut store, &composer, &request, lang, url, now)
            .map_err(|e| Chain(&e).to_string())?;
        match held {
            Held::Mailed(id) => {
                tracing::info!(pending = id, "form: request held; a confirmation link mailed to its address")
            }
            Held::TooMany => tracing::warn!(
                "form: the address had its share of confirmation mails today; nothing held, nothing sent"
            ),
        }
        // the same answer either way: the page tells nobody what the address gets
        Ok(pages.render(lang, StatusCode::OK, |ctx| {
            ctx.insert("view", "sent");
            ctx.insert("root", at.root);
        }))
    })
    .await
}

pub(super) fn made_ticket(pages: &Pages, made: Option<TicketRef>) -> Response {
    match made {
        Some(reference) => {
            tracing::info!(ticket = %reference, "form: ticket made");
            Redirect::to(&pages.thanks_path(&reference)).into_response()
        }
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong; try again later\n",
        )
            .into_response(),
    }
}
