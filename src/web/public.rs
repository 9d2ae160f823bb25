//! The public listener's routes: the requester's ticket page (`ticket`) and the desk's own
//! form. Anything else is a plain 404, the same for every path (and for a ticket page with a
//! wrong token), so nothing can be learned by trying. Every answer carries the headers of
//! `security`.

use super::WebState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub fn router(state: WebState) -> Router {
    let router = Router::new()
        .merge(super::ticket::router(state.clone()))
        .merge(super::form::router(state))
        .fallback(|| async { not_found() });
    super::security::guard(router)
}

/// The one "not found": unknown paths, unknown tickets and wrong tokens look alike.
pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}
