//! What the receiving server says about a mail: its `Authentication-Results` header (RFC 8601)
//! read far enough to tell whether a dkim, spf or dmarc pass is aligned with the From domain.
//! Only the topmost header counts (the server adds it last; lower ones may be the sender's
//! forgeries). Split from [`super::proof`], which asks this only once the reply token holds.
//!
//! This module gives the verdict (is a pass aligned with the From domain, and what to say when
//! none is); reading the header's tokens, comments and quoted strings into `method=result`
//! entries is `header`'s.

mod header;
#[cfg(test)]
mod tests;

use crate::model::Inbound;
use header::{AuthResult, AuthResults};

/// Longest `AuthFailed` detail kept (the log and `tickets show` need the gist, not a novel).
const MAX_DETAIL: usize = 300;

/// Why the server's header does not vouch for a mail; `proof` turns it into its own verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthProblem {
    /// No topmost header from the trusted server (missing, or another server's).
    NoResults { authserv_id: String },
    /// The trusted server's header shows no pass aligned with the From domain.
    Failed { detail: String },
}

/// Whether the topmost `Authentication-Results` header is from `authserv_id` (trimmed by the
/// caller; empty = a header without one) and shows a pass aligned with the From domain.
pub fn check(m: &Inbound, authserv_id: &str) -> Result<(), AuthProblem> {
    let no_results = || AuthProblem::NoResults {
        authserv_id: authserv_id.to_string(),
    };
    let topmost = m
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authentication-results"))
        .ok_or_else(no_results)?;
    let ar = AuthResults::parse(&topmost.1);
    if !ar.authserv_id.eq_ignore_ascii_case(authserv_id) {
        return Err(no_results());
    }
    let from = m
        .from
        .as_ref()
        .map(|a| norm_domain(a.domain()))
        .unwrap_or_default();
    if !from.is_empty() && ar.results.iter().any(|r| r.proves(&from)) {
        return Ok(());
    }
    let mut detail = ar.describe();
    if from.is_empty() {
        detail.push_str(" (the mail has no From domain)");
    }
    Err(AuthProblem::Failed { detail })
}

/// The properties worth showing in a failure: the ones alignment looks at.
const SHOWN: [&str; 4] = ["header.d", "header.i", "smtp.mailfrom", "header.from"];

impl AuthResults {
    /// What the header said, briefly: "dkim=fail header.d=evil.example; spf=softfail".
    fn describe(&self) -> String {
        if self.results.is_empty() {
            return "none".to_string();
        }
        let text = self
            .results
            .iter()
            .map(|r| {
                let mut s = format!("{}={}", r.method, r.result);
                for (k, v) in r.props.iter().filter(|(k, _)| SHOWN.contains(&k.as_str())) {
                    s.push_str(&format!(" {k}={v}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ");
        crate::text::head(&crate::text::controls_to_spaces(&text), MAX_DETAIL, false)
    }
}

impl AuthResult {
    fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.props
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A pass that vouches for the (normalised, non-empty) From domain.
    fn proves(&self, from: &str) -> bool {
        if self.result != "pass" {
            return false;
        }
        match self.method.as_str() {
            "dkim" => {
                self.props("header.d").any(|d| aligned(d, from))
                    || self.props("header.i").any(|i| aligned(domain_of(i), from))
            }
            "spf" => self
                .props("smtp.mailfrom")
                .any(|v| aligned(domain_of(v), from)),
            "dmarc" => self
                .props("header.from")
                .any(|v| norm_domain(domain_of(v)) == from),
            _ => false,
        }
    }
}

/// The From domain is the signer's domain or one of its subdomains.
fn aligned(signer: &str, from: &str) -> bool {
    let signer = norm_domain(signer);
    !signer.is_empty()
        && !from.is_empty()
        && (from == signer
            || from
                .strip_suffix(signer.as_str())
                .is_some_and(|rest| rest.ends_with('.')))
}

fn domain_of(value: &str) -> &str {
    value.rsplit_once('@').map_or(value, |(_, d)| d)
}

fn norm_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}
