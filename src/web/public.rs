//! The public listener's routes: the requester's ticket page (`ticket`) and the desk's own
//! form. Anything else is a plain 404, the same for every path (and for a ticket page with a
//! wrong token), so nothing can be learned by trying. Every answer carries the headers of
//! `security`.

use super::WebState;
use super::security::not_found;
use axum::Router;

pub fn router(state: WebState) -> Router {
    let router = Router::new()
        .merge(super::ticket::router(state.clone()))
        .merge(super::form::router(state))
        .fallback(|| async { not_found() });
    super::security::guard(router)
}
