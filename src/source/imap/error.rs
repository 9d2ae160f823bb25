//! What can go wrong with the IMAP mailbox, each error naming the server (and the mailbox or
//! user where it matters) so that the log says what to check: the network, TLS, the login, a
//! refused command, or the reconnect backoff still running.

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("IMAP server {host}:{port}")]
    Io {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("IMAP server {host}:{port}: {what} timed out")]
    Timeout {
        host: String,
        port: u16,
        what: &'static str,
    },
    #[error("IMAP server {host}:{port} closed the connection")]
    Closed { host: String, port: u16 },
    #[error("IMAP server {host}:{port}: TLS failed")]
    Tls {
        host: String,
        port: u16,
        source: crate::tls::TlsError,
    },
    #[error("IMAP server {host}:{port}: TLS failed: STARTTLS refused")]
    StartTls {
        host: String,
        port: u16,
        source: Reply,
    },
    #[error("IMAP server {host}:{port}: TLS failed: the connection was already encrypted")]
    AlreadyEncrypted { host: String, port: u16 },
    #[error(
        "IMAP server {host} refused login for {user} (check inbound.username and the password)"
    )]
    Login {
        host: String,
        user: String,
        source: Reply,
    },
    #[error("IMAP password")]
    Secret(#[source] crate::secret::SecretError),
    #[error("IMAP OAuth2 token")]
    Token(#[source] crate::secret::SecretError),
    #[error("{refusal}")]
    TokenRefused {
        // boxed: every ImapError travels through Result, and this one is rare
        refusal: Box<TokenRefusal>,
        source: Reply,
    },
    #[error("IMAP server {host}, mailbox {mailbox}: {what}")]
    Command {
        host: String,
        mailbox: String,
        what: &'static str,
        source: Reply,
    },
    // `last` is the text of an error already handed on (and logged), not a live cause
    #[error(
        "waiting {seconds} s before reconnecting to IMAP server {host}:{port} (failure {failures}: {last})"
    )]
    Waiting {
        host: String,
        port: u16,
        seconds: u64,
        failures: u32,
        last: String,
    },
}

/// A server that refused the OAuth2 token twice, the second one freshly fetched.
#[derive(Debug)]
pub struct TokenRefusal {
    pub host: String,
    pub user: String,
    pub mechanism: crate::secret::oauth::Mechanism,
    /// The `status` of the server's error challenge, if it gave one.
    pub status: Option<String>,
}

impl std::fmt::Display for TokenRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IMAP server {} refused the OAuth2 token for {} ({}, status {}), also a freshly \
             fetched one (check the token helper in inbound.password_command, the app's IMAP \
             permission and its access to this mailbox)",
            self.host,
            self.user,
            self.mechanism.name(),
            self.status.as_deref().unwrap_or("none given")
        )
    }
}

/// What an IMAP server answered, or what went wrong reading it (async-imap's error), in words:
/// async-imap writes a server's NO or BAD as Rust debug text (`code: None, info: Some("…")`);
/// this writes the server's own text.
#[derive(Debug)]
pub struct Reply(pub async_imap::error::Error);

impl From<async_imap::error::Error> for Reply {
    fn from(e: async_imap::error::Error) -> Reply {
        Reply(e)
    }
}

/// The server's text out of async-imap's `code: …, info: Some("…")`.
fn server_text(debug: &str) -> Option<String> {
    let start = debug.find("info: Some(\"")? + "info: Some(\"".len();
    let end = debug.rfind("\")")?;
    let text = debug.get(start..end)?;
    Some(text.replace("\\\"", "\"").replace("\\\\", "\\"))
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use async_imap::error::Error;
        match &self.0 {
            Error::No(s) => match server_text(s) {
                Some(text) => write!(f, "the server said NO: {text}"),
                None => f.write_str("the server said NO"),
            },
            Error::Bad(s) => match server_text(s) {
                Some(text) => write!(f, "the server said BAD: {text}"),
                None => f.write_str("the server said BAD"),
            },
            other => other.fmt(f),
        }
    }
}

impl std::error::Error for Reply {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_reply_is_written_in_its_own_words() {
        let no = Reply(async_imap::error::Error::No(
            "code: None, info: Some(\"[AUTHENTICATIONFAILED] Authentication \\\"failed\\\".\")"
                .into(),
        ));
        assert_eq!(
            no.to_string(),
            "the server said NO: [AUTHENTICATIONFAILED] Authentication \"failed\"."
        );
        let bad = Reply(async_imap::error::Error::Bad(
            "code: None, info: None".into(),
        ));
        assert_eq!(bad.to_string(), "the server said BAD");
        let lost = Reply(async_imap::error::Error::ConnectionLost);
        assert_eq!(lost.to_string(), "connection lost");
    }
}
