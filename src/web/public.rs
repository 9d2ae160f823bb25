//! The public listener's routes: the requester's ticket page and the desk's own form. Anything
//! else is a plain 404, the same for every path, so nothing can be learned by trying.

use super::WebState;
use axum::Router;
use axum::http::StatusCode;

pub fn router(state: WebState) -> Router {
    Router::new()
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(state)
}
