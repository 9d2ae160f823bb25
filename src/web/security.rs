//! What every public page gets, whatever it shows: strict response headers, a bounded request
//! body, a time limit per request, CSRF tokens for forms, a per-address rate limit on posts and
//! a honeypot field. Small and general: the ticket page and the portal form use the same.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type HmacSha256 = Hmac<Sha256>;

/// The largest request body taken: more is refused with 413 before it is read.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long one request may take, its body included: a client sending slowly is cut off.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The form field no person fills in: it is hidden from people, and bots fill every field.
pub const HONEYPOT: &str = "website";

/// Styles only from our own file, no script at all, nothing framed, forms only to us.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   base-uri 'none'; frame-ancestors 'none'";

/// The headers, body limit and time limit on every route of `router` (its fallback too).
pub fn guard(router: Router) -> Router {
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(time_limit))
        .layer(middleware::map_response(headers))
}

async fn headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        // a static file sets its own caching
        if name == header::CACHE_CONTROL && h.contains_key(&name) {
            continue;
        }
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request took too long\n").into_response(),
    }
}

/// Signs and checks form tokens: an HMAC of the form's scope (e.g. the ticket) and the time
/// window, so a form posted from another site (which cannot read ours) is refused.
pub struct Csrf {
    keyed: HmacSha256,
}

/// A token is good in the window it was issued in and the next one: 6 to 12 hours, long
/// enough to write a message, short enough that an old page copied somewhere goes stale.
const WINDOW_SECONDS: i64 = 6 * 3600;
const CSRF_BYTES: usize = 16;

impl Csrf {
    pub fn new(secret: &[u8]) -> Csrf {
        Csrf {
            keyed: HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length"),
        }
    }

    fn mac(&self, scope: &str, window: i64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(b"csrf\0");
        mac.update(scope.as_bytes());
        mac.update(b"\0");
        mac.update(&window.to_be_bytes());
        mac
    }

    /// The token for a form about `scope`, issued now.
    pub fn issue(&self, scope: &str, now: DateTime<Utc>) -> String {
        let mac = self
            .mac(scope, now.timestamp().div_euclid(WINDOW_SECONDS))
            .finalize()
            .into_bytes();
        mac.iter()
            .take(CSRF_BYTES)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `token` was issued for `scope` in this window or the one before, compared in
    /// constant time.
    pub fn check(&self, scope: &str, token: &str, now: DateTime<Utc>) -> bool {
        let Some(tag) = crate::agent::token::decode_hex(token).filter(|t| t.len() == CSRF_BYTES)
        else {
            return false;
        };
        let window = now.timestamp().div_euclid(WINDOW_SECONDS);
        [window, window - 1]
            .iter()
            .any(|w| self.mac(scope, *w).verify_truncated_left(&tag).is_ok())
    }
}

/// At most `limit` posts per `per` from one address, kept in memory for at most `addresses`
/// addresses at once: a flood from many addresses cannot grow it without bound.
pub struct RateLimit {
    limit: u32,
    per: Duration,
    addresses: usize,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimit {
    pub fn new(limit: u32, per: Duration, addresses: usize) -> RateLimit {
        RateLimit {
            limit,
            per,
            addresses,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether one more post from `ip` is allowed now (and count it).
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(seen) => seen,
            // a handler that panicked left a count half-made: counts are no secret to keep
            Err(poisoned) => poisoned.into_inner(),
        };
        if !seen.contains_key(&ip) && seen.len() >= self.addresses {
            let per = self.per;
            seen.retain(|_, (since, _)| now.duration_since(*since) < per);
            if seen.len() >= self.addresses {
                return false;
            }
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.per {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

/// Whether the honeypot field was filled in: a bot, answered as if it worked, doing nothing.
pub fn honeypot_filled(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// The one "not found": unknown paths, unknown tickets and wrong tokens look alike, so
/// nothing can be learned by trying.
pub fn not_found() -> axum::response::Response {
    use axum::response::IntoResponse;
    (axum::http::StatusCode::NOT_FOUND, "not found\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_csrf_token_holds_for_its_scope_for_six_to_twelve_hours() {
        let csrf = Csrf::new(b"secret");
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let token = csrf.issue("SD-1", now);
        assert!(csrf.check("SD-1", &token, now));
        assert!(csrf.check("SD-1", &token, now + chrono::Duration::hours(6)));
        assert!(!csrf.check("SD-1", &token, now + chrono::Duration::hours(13)));
        assert!(!csrf.check("SD-2", &token, now));
        assert!(!Csrf::new(b"other").check("SD-1", &token, now));
        for bad in ["", "00", &token[..30], "zz"] {
            assert!(!csrf.check("SD-1", bad, now), "{bad:?}");
        }
    }

    #[test]
    fn the_rate_limit_counts_per_address_and_stays_bounded() {
        let limit = RateLimit::new(2, Duration::from_secs(60), 2);
        let t0 = Instant::now();
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = (
            [127, 0, 0, 1].into(),
            [127, 0, 0, 2].into(),
            [127, 0, 0, 3].into(),
        );
        assert!(limit.allow(a, t0) && limit.allow(a, t0));
        assert!(!limit.allow(a, t0), "a third post within the minute");
        assert!(limit.allow(b, t0));
        assert!(!limit.allow(c, t0), "the map is full of live counts");
        let later = t0 + Duration::from_secs(61);
        assert!(limit.allow(c, later), "expired counts make room");
        assert!(limit.allow(a, later), "a new minute");
    }

    #[test]
    fn the_honeypot_is_filled_only_by_text() {
        assert!(!honeypot_filled(None) && !honeypot_filled(Some(" ")));
        assert!(honeypot_filled(Some("http://spam.example")));
    }
}
