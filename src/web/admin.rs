//! The operations listener's routes (`web.admin_listen`, loopback by default): health and
//! metrics for monitoring, never served on the public listener.

use super::WebState;
use axum::Router;
use axum::http::StatusCode;

pub fn router(state: WebState) -> Router {
    Router::new()
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(state)
}
