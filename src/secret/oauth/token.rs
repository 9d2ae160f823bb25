//! What a token helper (`password_command` with `auth = "xoauth2"`) printed, read as an OAuth2
//! access token and the time it expires: either the JSON a token endpoint returns
//! (`access_token` with `expires_in` or `expires_at`), or the bare token — then a JWT's `exp`
//! claim, else an assumed short lifetime. Pure: the time is given.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};

/// How long a bare token that does not say when it expires is used before the helper is asked
/// again: short, because a helper that prints an hour-long token is then asked well in time, and
/// long enough that a busy outbox does not run it for every connection.
pub const ASSUMED_LIFETIME: Duration = Duration::minutes(5);

/// A token is fetched afresh this long before it expires (or, for tokens living less than four
/// times this, in the last quarter of their life), so that a login does not race its expiry.
const RENEW_BEFORE: Duration = Duration::seconds(60);

/// Where a token's expiry was learnt, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The JSON's `expires_in` (seconds from now).
    ExpiresIn,
    /// The JSON's `expires_at` (Unix seconds or an RFC 3339 time).
    ExpiresAt,
    /// The `exp` claim of a JWT.
    JwtClaim,
    /// Nothing said: [`ASSUMED_LIFETIME`].
    Assumed,
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Expiry::ExpiresIn => "from expires_in",
            Expiry::ExpiresAt => "from expires_at",
            Expiry::JwtClaim => "from the token's exp claim",
            Expiry::Assumed => "assumed: the output says no expiry",
        })
    }
}

/// An access token and its lifetime. Its value is never shown (`Debug` leaves it out).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    value: String,
    fetched_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    expiry: Expiry,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("expires_at", &self.expires_at)
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

/// Why a helper's output is no token. Never quotes the output: it is a secret.
#[derive(Debug, thiserror::Error)]
pub enum TokenFormatError {
    #[error("the output is JSON but not an object with a string \"access_token\"")]
    NoAccessToken,
    #[error("the output starts with '{{' but is not valid JSON")]
    Json(#[source] serde_json::Error),
    #[error("\"{0}\" in the JSON is neither a number of seconds nor a time")]
    BadExpiry(&'static str),
    #[error(
        "the token holds white space or control characters (print only the token, or the JSON \
         a token endpoint returns)"
    )]
    NotOneToken,
}

impl Token {
    /// The helper's output (trailing newline already gone), read at `now`.
    pub fn parse(output: &str, now: DateTime<Utc>) -> Result<Token, TokenFormatError> {
        let output = output.trim();
        if output.starts_with('{') {
            return from_json(output, now);
        }
        let value = checked(output)?;
        let (expires_at, expiry) = match jwt_exp(value) {
            Some(exp) => (exp, Expiry::JwtClaim),
            None => (now + ASSUMED_LIFETIME, Expiry::Assumed),
        };
        Ok(Token {
            value: value.to_string(),
            fetched_at: now,
            expires_at,
            expiry,
        })
    }

    /// The bearer token itself, for the SASL exchange only.
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// Whether a login at `now` may use it, or should fetch a fresh one first.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        let life = self.expires_at - self.fetched_at;
        let margin = RENEW_BEFORE.min(life / 4).max(Duration::zero());
        now < self.expires_at - margin
    }

    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

/// A token goes into a SASL message between \x01 separators: nothing but visible ASCII.
fn checked(value: &str) -> Result<&str, TokenFormatError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenFormatError::NotOneToken);
    }
    Ok(value)
}

fn from_json(output: &str, now: DateTime<Utc>) -> Result<Token, TokenFormatError> {
    let json: serde_json::Value = serde_json::from_str(output).map_err(TokenFormatError::Json)?;
    let value = json
        .get("access_token")
        .and_then(|v| v.as_str())
        .ok_or(TokenFormatError::NoAccessToken)?;
    let value = checked(value.trim())?;
    let (expires_at, expiry) = if let Some(at) = json.get("expires_at") {
        (
            time(at).ok_or(TokenFormatError::BadExpiry("expires_at"))?,
            Expiry::ExpiresAt,
        )
    } else if let Some(seconds) = json.get("expires_in") {
        let seconds = seconds_of(seconds).ok_or(TokenFormatError::BadExpiry("expires_in"))?;
        (now + Duration::seconds(seconds), Expiry::ExpiresIn)
    } else if let Some(exp) = jwt_exp(value) {
        (exp, Expiry::JwtClaim)
    } else {
        (now + ASSUMED_LIFETIME, Expiry::Assumed)
    };
    Ok(Token {
        value: value.to_string(),
        fetched_at: now,
        expires_at,
        expiry,
    })
}

/// Seconds as a JSON number or a string of digits (Azure AD v1 writes `"3599"`).
fn seconds_of(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &i64| s.abs() < 10 * 365 * 24 * 3600)
}

/// Unix seconds (number or digits) or an RFC 3339 time.
fn time(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    if let Some(s) = v.as_str()
        && let Ok(t) = DateTime::parse_from_rfc3339(s.trim())
    {
        return Some(t.with_timezone(&Utc));
    }
    let secs = match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    DateTime::from_timestamp(secs, 0)
}

/// The `exp` claim of a JWT (header.payload.signature, base64url), unverified: it only tells
/// us when to ask again, the server decides whether the token is good.
fn jwt_exp(token: &str) -> Option<DateTime<Utc>> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    time(claims.get("exp")?).filter(|_| claims["exp"].is_number())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn jwt(claims: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.c2ln", e(r#"{"alg":"RS256"}"#), e(claims))
    }

    const NOW: &str = "2026-11-23T09:00:00Z";

    #[test]
    fn a_token_endpoints_json_says_when_the_token_expires() {
        let t = Token::parse(
            r#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc.def-1"}"#,
            at(NOW),
        )
        .unwrap();
        assert_eq!(t.value(), "abc.def-1");
        assert_eq!(t.expires_at(), at("2026-11-23T09:59:59Z"));
        assert_eq!(t.expiry(), Expiry::ExpiresIn);
        // Azure AD v1 writes the seconds as a string
        let t = Token::parse(r#"{"access_token":"x","expires_in":"60"}"#, at(NOW)).unwrap();
        assert_eq!(t.expires_at(), at("2026-11-23T09:01:00Z"));
        for at_value in ["1795428000", "\"2026-11-23T10:00:00Z\"", "\"1795428000\""] {
            let out = format!(r#"{{"access_token":"x","expires_at":{at_value}}}"#);
            let t = Token::parse(&out, at(NOW)).unwrap();
            assert_eq!(t.expires_at(), at("2026-11-23T10:00:00Z"), "{at_value}");
            assert_eq!(t.expiry(), Expiry::ExpiresAt);
        }
    }

    #[test]
    fn a_bare_token_expires_by_its_jwt_claim_or_after_the_assumed_lifetime() {
        let token = jwt(r#"{"sub":"desk","exp":1795428000}"#);
        let t = Token::parse(&format!("{token}\n"), at(NOW)).unwrap();
        assert_eq!(t.value(), token);
        assert_eq!(t.expires_at(), at("2026-11-23T10:00:00Z"));
        assert_eq!(t.expiry(), Expiry::JwtClaim);
        // in JSON without expires_*, the JWT's claim still counts
        let t = Token::parse(&format!(r#"{{"access_token":"{token}"}}"#), at(NOW)).unwrap();
        assert_eq!(t.expiry(), Expiry::JwtClaim);
        let opaque = Token::parse("ya29.a0AfH6SMB", at(NOW)).unwrap();
        assert_eq!(opaque.expiry(), Expiry::Assumed);
        assert_eq!(opaque.expires_at(), at(NOW) + ASSUMED_LIFETIME);
        let no_exp = Token::parse(&jwt(r#"{"sub":"desk"}"#), at(NOW)).unwrap();
        assert_eq!(no_exp.expiry(), Expiry::Assumed);
    }

    #[test]
    fn a_token_is_renewed_a_minute_before_it_expires_or_in_its_last_quarter() {
        let hour = Token::parse(r#"{"access_token":"x","expires_in":3600}"#, at(NOW)).unwrap();
        assert!(hour.usable_at(at("2026-11-23T09:58:59Z")));
        assert!(!hour.usable_at(at("2026-11-23T09:59:00Z")));
        let short = Token::parse(r#"{"access_token":"x","expires_in":8}"#, at(NOW)).unwrap();
        assert!(short.usable_at(at("2026-11-23T09:00:05Z")));
        assert!(!short.usable_at(at("2026-11-23T09:00:06Z")));
        let dead = Token::parse(r#"{"access_token":"x","expires_in":-60}"#, at(NOW)).unwrap();
        assert!(!dead.usable_at(at(NOW)) && dead.expired_at(at(NOW)));
        assert!(!hour.expired_at(at(NOW)));
    }

    #[test]
    fn output_that_is_no_token_is_refused_without_quoting_it() {
        type Expected = fn(&TokenFormatError) -> bool;
        let cases: [(&str, Expected); 6] = [
            (r#"{"error":"invalid_client"}"#, |e| {
                matches!(e, TokenFormatError::NoAccessToken)
            }),
            (r#"{"access_token": 42}"#, |e| {
                matches!(e, TokenFormatError::NoAccessToken)
            }),
            (r#"{"access_token":"secret-1", "#, |e| {
                matches!(e, TokenFormatError::Json(_))
            }),
            (r#"{"access_token":"x","expires_in":"soon"}"#, |e| {
                matches!(e, TokenFormatError::BadExpiry("expires_in"))
            }),
            ("secret-1 secret-2", |e| {
                matches!(e, TokenFormatError::NotOneToken)
            }),
            ("Bearer\u{1}secret-1", |e| {
                matches!(e, TokenFormatError::NotOneToken)
            }),
        ];
        for (output, expected) in cases {
            let e = Token::parse(output, at(NOW)).unwrap_err();
            assert!(expected(&e), "{output}: {e:?}");
            let text = crate::error_chain::Chain(&e).to_string();
            assert!(!text.contains("secret-1"), "{text}");
        }
        let t = Token::parse(r#"{"access_token":"secret-1"}"#, at(NOW)).unwrap();
        assert!(!format!("{t:?}").contains("secret-1"));
    }
}
