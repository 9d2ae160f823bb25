//! The operations listener's routes (`web.admin_listen`, loopback by default): health and
//! metrics for monitoring, never served on the public listener. `/healthz` is `deskmail status`
//! over HTTP — the same probe and verdict, its `--json` as the body; `/metrics` is the
//! Prometheus text format. Both read SQLite in `spawn_blocking`, off the runtime's workers.

use super::WebState;
use crate::metrics::exposition::CONTENT_TYPE as PROMETHEUS_TEXT;
use crate::status::{self, Level};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(state)
}

/// What a load balancer or uptime check reads from the status: OK and WARNING are up (a
/// warning asks a person to look, the desk still works), CRITICAL and UNKNOWN are down.
pub fn http_status(verdict: Level) -> StatusCode {
    match verdict {
        Level::Ok | Level::Warning => StatusCode::OK,
        Level::Critical | Level::Unknown => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn healthz(State(state): State<WebState>) -> Response {
    let config = state.config.clone();
    let now = state.clock.now();
    let report =
        tokio::task::spawn_blocking(move || status::probe::report(&config.status_desk(), now))
            .await
            .unwrap_or_else(|e| {
                status::unknown(
                    state.database.clone(),
                    now,
                    format!("the health check could not run: {e}"),
                )
            });
    let body = match serde_json::to_string_pretty(&report) {
        Ok(json) => json + "\n",
        Err(e) => return internal("health report", &e),
    };
    (
        http_status(report.verdict),
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn metrics(State(state): State<WebState>) -> Response {
    let (config, metrics) = (state.config.clone(), state.metrics.clone());
    let now = state.clock.now();
    match tokio::task::spawn_blocking(move || super::scrape::render(&config, &metrics, now)).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, PROMETHEUS_TEXT),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(e) => internal("metrics", &e),
    }
}

fn internal(what: &str, e: &dyn std::error::Error) -> Response {
    tracing::error!(error = %crate::error_chain::Chain(e), "{what} could not be made");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_warning_are_up_critical_and_unknown_are_down() {
        assert_eq!(http_status(Level::Ok), StatusCode::OK);
        assert_eq!(http_status(Level::Warning), StatusCode::OK);
        assert_eq!(
            http_status(Level::Critical),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(http_status(Level::Unknown), StatusCode::SERVICE_UNAVAILABLE);
    }
}
