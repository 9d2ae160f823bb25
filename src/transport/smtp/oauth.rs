//! SMTP AUTH with an OAuth2 token: XOAUTH2 with the cached token, and on a refusal once more
//! with a fresh one. Spoken here, not through lettre's `Mechanism::Xoauth2`, which cannot answer
//! the server's error challenge (the session would hang between the two). Always XOAUTH2:
//! lettre does not tell us whether a server offers OAUTHBEARER, and the servers that do
//! (Gmail, Dovecot) offer XOAUTH2 as well; Microsoft 365 offers XOAUTH2 only.

use super::{SendError, SmtpTransport, is_auth_failure};
use crate::secret::oauth::{Mechanism, Token, sasl, tokens};
use base64::Engine;
use lettre::transport::smtp::authentication::Mechanism as LettreMechanism;
use lettre::transport::smtp::client::AsyncSmtpConnection;

const MECHANISM: Mechanism = Mechanism::XOAuth2;

/// One command line as lettre writes it.
struct Line(String);

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\r\n", self.0)
    }
}

/// How one AUTH ended.
enum Attempt {
    In,
    Refused {
        status: Option<String>,
        error: lettre::transport::smtp::Error,
    },
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl SmtpTransport {
    /// AUTH XOAUTH2 as `user` with the token from `command`.
    pub(super) async fn oauth_login(
        &self,
        conn: &mut AsyncSmtpConnection,
        user: &str,
        command: &str,
    ) -> Result<(), SendError> {
        if !conn
            .server_info()
            .supports_auth_mechanism(LettreMechanism::Xoauth2)
        {
            return Err(self.error(
                "the server does not offer AUTH XOAUTH2 (check outbound.host and outbound.port: \
                 the submission port, after STARTTLS where it needs that)",
                true,
            ));
        }
        let token = tokens()
            .get(command, "outbound")
            .await
            .map_err(|e| self.failed("OAuth2 token", e, true))?;
        let refused = match self.attempt(conn, user, &token).await? {
            Attempt::In => return Ok(()),
            Attempt::Refused { status, .. } => status,
        };
        tracing::info!(server = %self.cfg.host, user, mechanism = MECHANISM.name(), status = refused.as_deref().unwrap_or("-"), "SMTP server refused the OAuth2 token; fetching a fresh one and trying once more");
        let fresh = tokens()
            .fresh(command, "outbound", &token)
            .await
            .map_err(|e| self.failed("OAuth2 token", e, true))?;
        match self.attempt(conn, user, &fresh).await? {
            Attempt::In => Ok(()),
            Attempt::Refused { status, error } => Err(self.failed(
                format!(
                    "refused the OAuth2 token for {user} ({}, status {}), also a freshly \
                     fetched one (check the token helper in outbound.password_command, the \
                     app's SMTP permission and its access to this mailbox)",
                    MECHANISM.name(),
                    status.as_deref().unwrap_or("none given")
                ),
                error,
                true,
            )),
        }
    }

    async fn attempt(
        &self,
        conn: &mut AsyncSmtpConnection,
        user: &str,
        token: &Token,
    ) -> Result<Attempt, SendError> {
        let first = MECHANISM.initial_response(user, token.value(), &self.cfg.host, self.cfg.port);
        let what = || format!("AUTH {} as {user}", MECHANISM.name());
        let reply = match conn
            .command(Line(format!("AUTH {} {}", MECHANISM.name(), b64(&first))))
            .await
        {
            Ok(reply) => reply,
            Err(error) if is_auth_failure(&error) => {
                return Ok(Attempt::Refused {
                    status: None,
                    error,
                });
            }
            Err(e) => return Err(self.failed(what(), e, true)),
        };
        if reply.has_code(235) {
            return Ok(Attempt::In);
        }
        if !reply.has_code(334) {
            return Err(self.error(
                format!("{}: unexpected reply {}", what(), reply.code()),
                true,
            ));
        }
        // the error challenge: answer it, and the server says why it refused
        let status = reply
            .first_line()
            .and_then(|l| {
                base64::engine::general_purpose::STANDARD
                    .decode(l.trim())
                    .ok()
            })
            .and_then(|json| sasl::refusal_status(&json));
        match conn.command(Line(b64(MECHANISM.abort_response()))).await {
            Err(error) if is_auth_failure(&error) => Ok(Attempt::Refused { status, error }),
            Err(e) => Err(self.failed(what(), e, true)),
            Ok(reply) => Err(self.error(
                format!(
                    "{}: unexpected reply {} after the error challenge",
                    what(),
                    reply.code()
                ),
                true,
            )),
        }
    }
}
