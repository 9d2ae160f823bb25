//! `[web]`: the requester's ticket page and the desk's own form, and the operations endpoints
//! beside them. Optional: without the section nothing listens and no mail links to a page.

use super::raw::RawWeb;
use super::{ConfigError, invalid};
use std::net::SocketAddr;
use std::time::Duration;

/// Where `/healthz` and `/metrics` listen when `web.admin_listen` is not set: loopback only,
/// never the public listener.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9180";

/// How long a client gets to send a request's head when `web.header_timeout_seconds` is not
/// set: a browser needs milliseconds, a slow-loris client is cut off.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEADER_TIMEOUT_SECONDS: u64 = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// The public listener, usually behind the desk's reverse proxy.
    pub listen: SocketAddr,
    /// The public address mails link to, ending in `/`.
    pub base_url: url::Url,
    /// The operations listener (`/healthz`, `/metrics`).
    pub admin_listen: SocketAddr,
    /// How long a client may take to send a request's head (also how long a kept-alive
    /// connection may stay idle); then the connection is closed.
    pub header_timeout: Duration,
}

pub(super) fn web(raw: Option<&RawWeb>) -> Result<Option<WebSettings>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let listen = address("web.listen", &raw.listen)?;
    let admin_listen = address(
        "web.admin_listen",
        raw.admin_listen.as_deref().unwrap_or(DEFAULT_ADMIN_LISTEN),
    )?;
    if admin_listen == listen {
        return Err(invalid(
            "web.admin_listen",
            format!("{admin_listen} is web.listen too: health and metrics would be public"),
            format!("give it an address of its own, e.g. {DEFAULT_ADMIN_LISTEN}"),
        ));
    }
    Ok(Some(WebSettings {
        listen,
        base_url: base_url(&raw.base_url)?,
        admin_listen,
        header_timeout: header_timeout(raw.header_timeout_seconds)?,
    }))
}

fn header_timeout(value: Option<u64>) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(DEFAULT_HEADER_TIMEOUT),
        Some(s @ 1..=MAX_HEADER_TIMEOUT_SECONDS) => Ok(Duration::from_secs(s)),
        Some(s) => Err(invalid(
            "web.header_timeout_seconds",
            format!("{s} is not between 1 and {MAX_HEADER_TIMEOUT_SECONDS}"),
            format!(
                "leave it out for {} s, or give the seconds a client may take to send a request's head",
                DEFAULT_HEADER_TIMEOUT.as_secs()
            ),
        )),
    }
}

fn address(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| {
        invalid(
            key,
            format!("{value:?} is not an address and port"),
            "write it as IP:PORT, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"",
        )
    })
}

/// The page links in mails are made by joining onto it, so it must be an http(s) address of a
/// folder: with its trailing slash, without query or fragment.
fn base_url(value: &str) -> Result<url::Url, ConfigError> {
    let fix = "write the public address of deskmail's pages, e.g. \"https://desk.example.org/\"";
    let url = url::Url::parse(value)
        .map_err(|e| invalid("web.base_url", format!("{value:?} is not a URL: {e}"), fix))?;
    let problem = if !matches!(url.scheme(), "https" | "http") {
        Some("is not an http(s) address")
    } else if url.host_str().is_none() {
        Some("has no host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("has a query or fragment")
    } else if !url.path().ends_with('/') {
        Some("does not end in '/'")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(invalid("web.base_url", format!("{value:?} {problem}"), fix)),
        None => Ok(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(listen: &str, base_url: &str, admin: Option<&str>) -> RawWeb {
        RawWeb {
            listen: listen.into(),
            base_url: base_url.into(),
            admin_listen: admin.map(str::to_string),
            header_timeout_seconds: None,
        }
    }

    #[test]
    fn a_web_section_is_checked_and_the_admin_listener_is_loopback_by_default() {
        let web = web(Some(&raw(
            "127.0.0.1:8080",
            "https://desk.example.org/",
            None,
        )));
        let web = web.ok().flatten().unwrap_or_else(|| panic!("refused"));
        assert_eq!(web.admin_listen.to_string(), DEFAULT_ADMIN_LISTEN);
        assert!(web.admin_listen.ip().is_loopback());
        assert_eq!(web.base_url.as_str(), "https://desk.example.org/");
        assert_eq!(web.header_timeout, DEFAULT_HEADER_TIMEOUT);
        assert_eq!(super::web(None).ok(), Some(None));
    }

    #[test]
    fn the_header_timeout_is_seconds_within_bounds() {
        let mut r = raw("127.0.0.1:8080", "https://d.example/", None);
        r.header_timeout_seconds = Some(2);
        let web = web(Some(&r)).ok().flatten().map(|w| w.header_timeout);
        assert_eq!(web, Some(Duration::from_secs(2)));
        for bad in [0, 301] {
            r.header_timeout_seconds = Some(bad);
            let err = super::web(Some(&r))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("web.header_timeout_seconds"), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_web_values_name_the_key() {
        for (r, key) in [
            (raw("8080", "https://d.example/", None), "web.listen"),
            (
                raw("127.0.0.1:8080", "https://d.example/x", None),
                "web.base_url",
            ),
            (
                raw("127.0.0.1:8080", "ftp://d.example/", None),
                "web.base_url",
            ),
            (
                raw("127.0.0.1:8080", "https://d.example/?a=1", None),
                "web.base_url",
            ),
            (
                raw(
                    "127.0.0.1:8080",
                    "https://d.example/",
                    Some("127.0.0.1:8080"),
                ),
                "web.admin_listen",
            ),
        ] {
            let err = web(Some(&r))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(key), "{key}: {err}");
        }
    }
}
