//! SMTP submission with lettre's protocol client over our own connection: STARTTLS, implicit
//! TLS, or plain to loopback; AUTH when configured. One connection is kept and reused across
//! mails. We open the TCP socket ourselves to set TCP_NODELAY: without it, lettre's separate
//! write of the final "." waits for a delayed ACK, about 40 ms per mail. The secret is read at
//! every connection, so a rotated password or a fresh OAuth2 token is picked up; `oauth` logs
//! in with a token.

mod oauth;

use super::SendError;
use crate::config::{AuthMechanism, Secret, Smtp, TlsMode};
use crate::stream::NetStream;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;
use tokio::net::TcpStream;

impl AsyncTokioStream for NetStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        NetStream::peer_addr(self)
    }
}

/// The steps of opening a session, in order, for `check-config --connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStep {
    Connect,
    Tls,
    Ehlo,
    StartTls,
    Auth,
}

impl SmtpStep {
    /// The steps a session with this config goes through.
    pub fn plan(cfg: &Smtp) -> Vec<SmtpStep> {
        let mut out = vec![SmtpStep::Connect];
        if cfg.tls == TlsMode::Implicit {
            out.push(SmtpStep::Tls);
        }
        out.push(SmtpStep::Ehlo);
        if cfg.tls == TlsMode::StartTls {
            out.push(SmtpStep::StartTls);
        }
        if cfg.login.is_some() {
            out.push(SmtpStep::Auth);
        }
        out
    }

    /// The step's name as the protocol calls it.
    pub fn name(self, cfg: &Smtp) -> String {
        match self {
            SmtpStep::Connect => format!("connect to {}:{}", cfg.host, cfg.port),
            SmtpStep::Tls => "TLS handshake".into(),
            SmtpStep::Ehlo => "EHLO".into(),
            SmtpStep::StartTls => "STARTTLS".into(),
            SmtpStep::Auth => match (&cfg.login, cfg.auth) {
                (Some((user, _)), AuthMechanism::OAuth2) => format!("AUTH XOAUTH2 as {user}"),
                (Some((user, _)), AuthMechanism::Password) => format!("AUTH as {user}"),
                (None, _) => "AUTH".into(),
            },
        }
    }
}

pub struct SmtpTransport {
    cfg: Smtp,
    sender: String,
    conn: Option<AsyncSmtpConnection>,
    /// When the open connection last carried a mail: within `FRESH` of that it is used without
    /// a NOOP first (one round trip less per mail in a burst; servers drop idle sessions after
    /// minutes, not seconds).
    last_used: Option<std::time::Instant>,
}

/// How long after its last mail a connection is trusted without asking the server.
const FRESH: Duration = Duration::from_secs(2);

/// SMTP replies that mean our login is wrong: the mails are fine, so they wait, not fail.
fn is_auth_failure(e: &lettre::transport::smtp::Error) -> bool {
    e.status()
        .is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535" | "538"))
}

impl SmtpTransport {
    pub fn new(cfg: &Smtp, sender: &str) -> SmtpTransport {
        SmtpTransport {
            cfg: cfg.clone(),
            sender: sender.to_string(),
            conn: None,
            last_used: None,
        }
    }

    pub fn describe(&self) -> String {
        format!("SMTP {}:{}", self.cfg.host, self.cfg.port)
    }

    /// `what` failed, for a reason of our own.
    fn error(&self, what: impl Into<String>, transient: bool) -> SendError {
        SendError::Smtp {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
            what: what.into(),
            source: None,
            transient,
        }
    }

    /// `what` failed because of `source`.
    fn failed(
        &self,
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
        transient: bool,
    ) -> SendError {
        SendError::Smtp {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
            what: what.into(),
            source: Some(source.into()),
            transient,
        }
    }

    fn host(&self) -> String {
        self.cfg
            .host
            .trim_matches(|c| c == '[' || c == ']')
            .to_string()
    }

    /// lettre's TLS settings, for STARTTLS. lettre 0.11 takes no rustls configuration of
    /// ours, so its certificate check is left out here and ours (`tls::verify_presented`, the
    /// same as for IMAP and implicit TLS, which can trust a pinned certificate) done right
    /// after the handshake, before anything but EHLO is said. lettre still checks that the
    /// server holds the key of the certificate it presented (the handshake's signatures), and
    /// the host name.
    fn tls_parameters(&self) -> Result<TlsParameters, SendError> {
        TlsParameters::builder(self.host())
            .dangerous_accept_invalid_certs(true)
            .build_rustls()
            .map_err(|e| self.failed("TLS setup", e, true))
    }

    /// `check-config --connect`: open a session as sending does, telling `done` each step
    /// that succeeded; then QUIT. Nothing is sent.
    pub async fn try_login(&self, done: &mut dyn FnMut(SmtpStep)) -> Result<(), SendError> {
        let timeout = Duration::from_secs(self.cfg.timeout_seconds);
        let mut conn = tokio::time::timeout(timeout, self.connect_reporting(done))
            .await
            .map_err(|_| self.error("connecting timed out", true))??;
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.quit()).await;
        Ok(())
    }

    /// After STARTTLS: is the server's certificate trusted?
    fn check_certificate(&self, conn: &AsyncSmtpConnection) -> Result<(), SendError> {
        let chain = conn
            .certificate_chain()
            .map_err(|e| self.failed("STARTTLS failed", e, true))?;
        crate::tls::verify_presented(&self.cfg.host, self.cfg.ca_file.as_deref(), &chain)
            .map_err(|e| self.failed("STARTTLS failed", e, true))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        self.connect_reporting(&mut |_| {}).await
    }

    async fn connect_reporting(
        &self,
        done: &mut dyn FnMut(SmtpStep),
    ) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = TcpStream::connect((self.host().as_str(), self.cfg.port))
            .await
            .map_err(|e| self.failed("cannot connect", e, true))?;
        let _ = tcp.set_nodelay(true);
        done(SmtpStep::Connect);
        let stream = match self.cfg.tls {
            TlsMode::Implicit => {
                let stream = crate::tls::connect(&self.cfg.host, self.cfg.ca_file.as_deref(), tcp)
                    .await
                    .map_err(|e| self.failed("TLS failed", e, true))?;
                done(SmtpStep::Tls);
                stream
            }
            TlsMode::StartTls | TlsMode::None => NetStream::Plain(tcp),
        };
        let hello = ClientId::default();
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
            .await
            .map_err(|e| self.failed("cannot open a session", e, true))?;
        done(SmtpStep::Ehlo);
        if self.cfg.tls == TlsMode::StartTls {
            conn.starttls(self.tls_parameters()?, &hello)
                .await
                .map_err(|e| self.failed("STARTTLS failed", e, true))?;
            if let Err(e) = self.check_certificate(&conn) {
                conn.abort().await;
                return Err(e);
            }
            done(SmtpStep::StartTls);
        }
        if let Some((user, secret)) = &self.cfg.login {
            if let (AuthMechanism::OAuth2, Secret::Command(command)) = (self.cfg.auth, secret) {
                if let Err(e) = self.oauth_login(&mut conn, user, command).await {
                    conn.abort().await;
                    return Err(e);
                }
                done(SmtpStep::Auth);
                return Ok(conn);
            }
            let password = crate::secret::resolve(secret)
                .await
                .map_err(|e| self.failed("SMTP password", e, true))?;
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), password),
            )
            .await
            .map_err(|e| {
                self.failed(
                    format!("login refused for {user} (check outbound.username and the password)"),
                    e,
                    true,
                )
            })?;
            done(SmtpStep::Auth);
        }
        Ok(conn)
    }

    pub async fn send(&mut self, recipients: &[String], raw: &[u8]) -> Result<(), SendError> {
        let from = crate::model::mail_address(&self.sender)
            .map_err(|e| self.failed(format!("desk address {:?}", self.sender), e, false))?;
        let to = recipients
            .iter()
            .map(|r| {
                crate::model::mail_address(r)
                    .map_err(|e| self.failed(format!("recipient {r:?}"), e, false))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let envelope =
            Envelope::new(Some(from), to).map_err(|e| self.failed("envelope", e, false))?;
        let timeout = Duration::from_secs(self.cfg.timeout_seconds);
        // reuse the open connection while the server keeps it
        let fresh = self.last_used.is_some_and(|t| t.elapsed() < FRESH);
        let reusable = match self.conn.as_mut() {
            Some(_) if fresh => true,
            Some(c) => tokio::time::timeout(timeout, c.test_connected())
                .await
                .unwrap_or(false),
            None => false,
        };
        if !reusable {
            self.conn = None;
            let conn = tokio::time::timeout(timeout, self.connect())
                .await
                .map_err(|_| self.error("connecting timed out", true))??;
            self.conn = Some(conn);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(self.error("no connection", true));
        };
        let result = tokio::time::timeout(timeout, conn.send(&envelope, raw)).await;
        self.last_used = None;
        match result {
            Ok(Ok(_)) => {
                self.last_used = Some(std::time::Instant::now());
                Ok(())
            }
            Ok(Err(e)) => {
                let transient = is_auth_failure(&e) || !e.is_permanent();
                if transient {
                    // a fresh connection (and secret) next time
                    self.conn = None;
                }
                Err(self.failed("sending failed", e, transient))
            }
            Err(_) => {
                self.conn = None;
                Err(self.error("sending timed out", true))
            }
        }
    }

    /// Say QUIT (on shutdown or reload).
    pub async fn close(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), c.quit()).await;
        }
    }
}
