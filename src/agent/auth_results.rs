//! What the receiving server says about a mail: its `Authentication-Results` header (RFC 8601)
//! read far enough to tell whether a dkim, spf or dmarc pass is aligned with the From domain.
//! Only the topmost header counts (the server adds it last; lower ones may be the sender's
//! forgeries). Split from [`super::proof`], which asks this only once the reply token holds.

use super::proof::Unproven;
use crate::model::Inbound;

/// Longest `AuthFailed` detail kept (the log and `tickets show` need the gist, not a novel).
const MAX_DETAIL: usize = 300;

/// Whether the topmost `Authentication-Results` header is from `authserv_id` (trimmed by the
/// caller; empty = a header without one) and shows a pass aligned with the From domain.
pub(super) fn check(m: &Inbound, authserv_id: &str) -> Result<(), Unproven> {
    let no_results = || Unproven::NoAuthResults {
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
    Err(Unproven::AuthFailed { detail })
}

/// One `Authentication-Results` header (RFC 8601), as far as proof needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthResults {
    /// Empty when the header names none (Microsoft 365 writes it so).
    authserv_id: String,
    results: Vec<AuthResult>,
}

/// One `method=result` with its properties (`ptype.property`, lower-cased, → value).
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthResult {
    method: String,
    result: String,
    props: Vec<(String, String)>,
}

/// The properties worth showing in a failure: the ones alignment looks at.
const SHOWN: [&str; 4] = ["header.d", "header.i", "smtp.mailfrom", "header.from"];

impl AuthResults {
    fn parse(value: &str) -> AuthResults {
        let tokens = lex(value);
        let mut segments = tokens.split(|t| *t == Tok::Semi);
        let head = segments.next().unwrap_or(&[]);
        let mut results = Vec::new();
        let authserv_id = match head {
            // No authserv-id: the header starts with a result.
            [Tok::Word(_), Tok::Eq, ..] => {
                results.extend(AuthResult::parse(head));
                String::new()
            }
            // authserv-id [version]
            [Tok::Word(id), ..] => id.clone(),
            _ => String::new(),
        };
        // `none` and empty segments hold no `method=result` and drop out here.
        results.extend(segments.filter_map(AuthResult::parse));
        AuthResults {
            authserv_id,
            results,
        }
    }

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
        let mut clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_DETAIL)
            .collect();
        if text.chars().count() > MAX_DETAIL {
            clean.push('…');
        }
        clean
    }
}

impl AuthResult {
    fn parse(segment: &[Tok]) -> Option<AuthResult> {
        let mut pairs = pairs(segment).into_iter();
        let (method, result) = pairs.next()?;
        let method = method.split('/').next().unwrap_or_default().to_string();
        Some(AuthResult {
            method,
            result: result.to_ascii_lowercase(),
            props: pairs.collect(),
        })
    }

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

/// A header value's tokens, comments (CFWS) dropped, quoted strings unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Eq,
    Semi,
}

fn lex(value: &str) -> Vec<Tok> {
    fn flush(word: &mut Option<String>, tokens: &mut Vec<Tok>) {
        if let Some(w) = word.take() {
            tokens.push(Tok::Word(w));
        }
    }
    let mut tokens = Vec::new();
    // A word runs on through quoted strings: `"a;b"@example.org` is one value.
    let mut word: Option<String> = None;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut tokens);
                skip_comment(&mut chars);
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            ';' => {
                flush(&mut word, &mut tokens);
                tokens.push(Tok::Semi);
            }
            '=' => {
                flush(&mut word, &mut tokens);
                tokens.push(Tok::Eq);
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// Skips a comment after its '(' (nested comments and quoted pairs included).
fn skip_comment(chars: &mut std::str::Chars<'_>) {
    let mut depth = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// `key=value` pairs of one result, in order; the key is the word right before '=' (lower-cased).
fn pairs(segment: &[Tok]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut key: Option<&str> = None;
    let mut tokens = segment.iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            Tok::Word(w) => key = Some(w),
            // A '=' with no key before it (`header.b=abc==`) is noise.
            Tok::Eq => {
                if let Some(k) = key.take() {
                    let value = match tokens.next_if(|t| matches!(t, Tok::Word(_))) {
                        Some(Tok::Word(v)) => v.as_str(),
                        _ => "",
                    };
                    out.push((k.to_ascii_lowercase(), value.to_string()));
                }
            }
            Tok::Semi => key = None,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;

    const TRUSTED: &str = "mx.example.org";

    /// A mail from anna@it.example.org with these Authentication-Results, top first.
    fn authed(results: &[&str]) -> Inbound {
        Inbound {
            from: Some(Address::new(Some("Anna Agent"), "anna@it.example.org")),
            headers: results
                .iter()
                .map(|v| ("authentication-results".to_string(), v.to_string()))
                .collect(),
            ..Inbound::default()
        }
    }

    fn failed(r: Result<(), Unproven>) -> String {
        match r {
            Err(Unproven::AuthFailed { detail }) => detail,
            other => panic!("expected AuthFailed, got {other:?}"),
        }
    }

    #[test]
    fn dkim_pass_aligned_with_parent_domain() {
        let m = authed(&["mx.example.org; dkim=pass header.d=example.org header.s=sel"]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
        // authserv-id compared case-insensitively
        assert_eq!(check(&m, "MX.Example.Org"), Ok(()));
    }

    #[test]
    fn spf_pass_aligned() {
        let m =
            authed(&["mx.example.org; dkim=none; spf=pass smtp.mailfrom=bounce@it.example.org"]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
    }

    #[test]
    fn dmarc_pass_needs_the_from_domain_itself() {
        let m = authed(&["mx.example.org; dmarc=pass header.from=it.example.org"]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
        let m = authed(&["mx.example.org; dmarc=pass header.from=example.org"]);
        failed(check(&m, TRUSTED));
    }

    #[test]
    fn dkim_pass_for_another_domain_fails() {
        let m = authed(&[
            "mx.example.org; dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example",
        ]);
        assert_eq!(
            failed(check(&m, TRUSTED)),
            "dkim=pass header.d=evil.example; spf=softfail smtp.mailfrom=x@evil.example"
        );
        // Look-alikes and subdomains of the From domain do not align; its parents do.
        for d in [
            "xample.org",
            "t.example.org",
            "sub.it.example.org",
            "it.example.org.evil.example",
            "",
        ] {
            let m = authed(&[&format!("mx.example.org; dkim=pass header.d={d}")]);
            failed(check(&m, TRUSTED));
        }
        let m = authed(&["mx.example.org; dkim=pass header.d=IT.Example.org."]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
    }

    #[test]
    fn only_the_topmost_header_counts() {
        // Topmost from another server; the sender's forged one below names our server.
        let m = authed(&[
            "other.example.net; dkim=pass header.d=example.org",
            "mx.example.org; dkim=pass header.d=example.org",
        ]);
        assert_eq!(
            check(&m, TRUSTED),
            Err(Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            })
        );
        // Our server says fail; a forged pass below changes nothing.
        let m = authed(&[
            "mx.example.org; dkim=fail header.d=example.org",
            "mx.example.org; dkim=pass header.d=example.org",
        ]);
        assert_eq!(failed(check(&m, TRUSTED)), "dkim=fail header.d=example.org");
    }

    #[test]
    fn comments_may_hold_semicolons_and_equals() {
        let m = authed(&[
            "mx.example.org (Postfix; policyd=1); dkim=fail (bad sig; header.d=it.example.org) \
             header.d=evil.example; spf=neutral (dkim=pass; (nested; smtp.mailfrom=it.example.org) \\) x) \
             smtp.mailfrom=evil.example",
        ]);
        assert_eq!(
            failed(check(&m, TRUSTED)),
            "dkim=fail header.d=evil.example; spf=neutral smtp.mailfrom=evil.example"
        );
        let m = authed(&[
            "mx.example.org; spf=pass (sender; is=ok (really)) smtp.mailfrom=it.example.org",
        ]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
    }

    #[test]
    fn none_proves_nothing() {
        let m = authed(&["mx.example.org 1; none"]);
        assert_eq!(failed(check(&m, TRUSTED)), "none");
        let m = authed(&["mx.example.org"]);
        assert_eq!(failed(check(&m, TRUSTED)), "none");
    }

    #[test]
    fn any_aligned_pass_among_several_results_counts() {
        let m = authed(&[
            "mx.example.org; dkim=pass header.d=mailchannel.example header.s=a; \
             dkim=fail header.d=example.org; dkim=pass header.i=@it.example.org header.s=b",
        ]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
    }

    #[test]
    fn quoted_strings_and_version() {
        let m =
            authed(&["\"mx.example.org\" 1; spf=pass smtp.mailfrom=\"odd;local\"@it.example.org"]);
        assert_eq!(check(&m, TRUSTED), Ok(()));
        let ar = AuthResults::parse(
            "a.example 1; dkim/1=PASS reason=\"x; y\" header.b=abc== header.d=d.example",
        );
        assert_eq!(ar.authserv_id, "a.example");
        assert_eq!(
            ar.results,
            vec![AuthResult {
                method: "dkim".into(),
                result: "pass".into(),
                props: vec![
                    ("reason".into(), "x; y".into()),
                    ("header.b".into(), "abc".into()),
                    ("header.d".into(), "d.example".into()),
                ],
            }]
        );
    }

    #[test]
    fn no_from_address_fails() {
        let mut m = authed(&["mx.example.org; dkim=pass header.d=example.org"]);
        m.from = None;
        assert_eq!(
            failed(check(&m, TRUSTED)),
            "dkim=pass header.d=example.org (the mail has no From domain)"
        );
    }

    #[test]
    fn gmail() {
        let m = authed(&[
            "mx.google.com; dkim=pass header.i=@it.example.org header.s=20230601 header.b=Ab+Cd/12; \
             spf=pass (google.com: domain of anna@it.example.org designates 203.0.113.5 as permitted sender) \
             smtp.mailfrom=anna@it.example.org; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=it.example.org",
            "mx.example.org; dkim=fail",
        ]);
        assert_eq!(check(&m, "mx.google.com"), Ok(()));
        assert_eq!(
            check(&m, TRUSTED),
            Err(Unproven::NoAuthResults {
                authserv_id: TRUSTED.into()
            })
        );
        let ar = AuthResults::parse(&m.headers[0].1);
        let summary: Vec<(&str, &str)> = ar
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            summary,
            [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
        );
    }

    #[test]
    fn microsoft_365_writes_no_authserv_id() {
        let header = "spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=it.example.org; \
                      dkim=pass (signature was verified) header.d=example.org;dmarc=pass action=none \
                      header.from=it.example.org;compauth=pass reason=100";
        let ar = AuthResults::parse(header);
        assert_eq!(ar.authserv_id, "");
        let summary: Vec<(&str, &str)> = ar
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("spf", "pass"),
                ("dkim", "pass"),
                ("dmarc", "pass"),
                ("compauth", "pass")
            ]
        );
        let m = authed(&[header]);
        // An id-less header is trusted only when the configured id is empty.
        assert_eq!(check(&m, ""), Ok(()));
        assert_eq!(
            check(&m, "spf"),
            Err(Unproven::NoAuthResults {
                authserv_id: "spf".into()
            })
        );
        let bad = authed(&[
            "spf=fail (sender IP is 198.51.100.1) smtp.mailfrom=it.example.org; dkim=none \
             (message not signed) header.d=none;dmarc=fail action=quarantine \
             header.from=it.example.org;compauth=fail reason=000",
        ]);
        assert_eq!(
            failed(check(&bad, "")),
            "spf=fail smtp.mailfrom=it.example.org; dkim=none header.d=none; \
             dmarc=fail header.from=it.example.org; compauth=fail"
        );
    }

    #[test]
    fn garbage_does_not_panic_or_pass() {
        for v in [
            "",
            ";",
            "=",
            "==;;==",
            "mx.example.org; dkim=pass (unterminated",
            "mx.example.org; dkim=\"pass",
            "mx.example.org; =pass header.d=it.example.org",
            "mx.example.org; dkim header.d=it.example.org",
            "mx.example.org; dkim=pass header.d",
            "mx.example.org; dkim=pass header.d=",
            "mx.example.org; dkim=pass \\",
            "mx.example.org; spf=pass smtp.mailfrom=@",
            "mx.example.org; dmarc=pass header.from=é.example",
        ] {
            let m = authed(&[v]);
            assert!(check(&m, TRUSTED).is_err(), "{v:?}");
        }
    }
}
