//! The two SASL mechanisms that carry an OAuth2 bearer token, as IMAP and SMTP both speak them:
//! OAUTHBEARER (RFC 7628, the standard) and XOAUTH2 (Google's and Microsoft's older one). What
//! the client says first, what it answers to the server's error challenge so that the server can
//! finish with its refusal, and what that challenge says in words. Pure.

/// A SASL mechanism for a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    OAuthBearer,
    XOAuth2,
}

impl Mechanism {
    /// As the protocols name it.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::OAuthBearer => "OAUTHBEARER",
            Mechanism::XOAuth2 => "XOAUTH2",
        }
    }

    /// OAUTHBEARER where the server offers it (the standard one), else XOAUTH2 — also when the
    /// server offers neither, so that its refusal, not a guess of ours, says why.
    pub fn choose<'a>(offered: impl IntoIterator<Item = &'a str>) -> Mechanism {
        if offered
            .into_iter()
            .any(|m| m.eq_ignore_ascii_case("OAUTHBEARER"))
        {
            Mechanism::OAuthBearer
        } else {
            Mechanism::XOAuth2
        }
    }

    /// The client's first message (before base64): the user and the token; OAUTHBEARER also
    /// names the server it meant (RFC 7628 §3.1, host and port).
    pub fn initial_response(self, user: &str, token: &str, host: &str, port: u16) -> String {
        match self {
            Mechanism::OAuthBearer => format!(
                "n,a={},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01",
                gs2_name(user)
            ),
            Mechanism::XOAuth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01"),
        }
    }

    /// The answer to the server's error challenge, after which it says NO (IMAP) or 535 (SMTP):
    /// RFC 7628 §3.2.3 a single %x01; XOAUTH2 an empty response.
    pub fn abort_response(self) -> &'static str {
        match self {
            Mechanism::OAuthBearer => "\x01",
            Mechanism::XOAuth2 => "",
        }
    }
}

/// RFC 5801's saslname: ',' and '=' escaped.
fn gs2_name(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

/// The `status` of a server's error challenge (a JSON object: `{"status":"401",…}` or
/// `{"status":"invalid_token"}`), cut to a short line of visible ASCII for the log. `None` when
/// the challenge says none.
pub fn refusal_status(challenge: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(challenge).ok()?;
    let status = match json.get("status")? {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let clean: String = status
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauthbearer_is_chosen_where_offered_else_xoauth2() {
        assert_eq!(
            Mechanism::choose(["PLAIN", "XOAUTH2", "oauthbearer"]),
            Mechanism::OAuthBearer
        );
        assert_eq!(Mechanism::choose(["PLAIN", "XOAUTH2"]), Mechanism::XOAuth2);
        assert_eq!(Mechanism::choose(["PLAIN"]), Mechanism::XOAuth2);
    }

    #[test]
    fn the_first_messages_are_the_ones_the_specifications_give() {
        // https://developers.google.com/gmail/imap/xoauth2-protocol
        assert_eq!(
            Mechanism::XOAuth2.initial_response(
                "someuser@example.com",
                "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
                "imap.gmail.com",
                993
            ),
            "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
        );
        // RFC 7628 §4.1, with the user named
        assert_eq!(
            Mechanism::OAuthBearer.initial_response(
                "user@example.com",
                "vF9dft4qmTcXkZ26zWGDK4p2LxCq",
                "server.example.com",
                143
            ),
            "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer \
             vF9dft4qmTcXkZ26zWGDK4p2LxCq\x01\x01"
        );
        assert!(
            Mechanism::OAuthBearer
                .initial_response("a,b=c", "t", "h", 1)
                .starts_with("n,a=a=2Cb=3Dc,\x01")
        );
        assert_eq!(Mechanism::OAuthBearer.abort_response(), "\x01");
        assert_eq!(Mechanism::XOAuth2.abort_response(), "");
    }

    #[test]
    fn a_refusal_says_its_status_in_one_short_line() {
        assert_eq!(
            refusal_status(br#"{"status":"401","schemes":"bearer","scope":"mail"}"#).as_deref(),
            Some("401")
        );
        assert_eq!(
            refusal_status(br#"{"status":"invalid_token"}"#).as_deref(),
            Some("invalid_token")
        );
        assert_eq!(refusal_status(br#"{"status":400}"#).as_deref(), Some("400"));
        assert_eq!(refusal_status(b"not json"), None);
        assert_eq!(refusal_status(br#"{"status":"\n\u0001"}"#), None);
    }
}
