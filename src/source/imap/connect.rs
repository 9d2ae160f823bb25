//! Opening an IMAP session: TCP, TLS (implicit or STARTTLS; plain only to loopback, which the
//! config enforces), the greeting, and login with a password or an XOAUTH2 token.

use super::ImapError;
use crate::config::{AuthMechanism, Imap, TlsMode};
use crate::stream::NetStream as ImapStream;
use async_imap::{Client, Session};
use std::time::Duration;
use tokio::net::TcpStream;

pub type ImapSession = Session<ImapStream>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The steps of opening a session, in order, for `check-config --connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapStep {
    Connect,
    StartTls,
    Tls,
    Login,
    Select,
}

impl ImapStep {
    /// The steps a session with this config goes through.
    pub fn plan(cfg: &Imap) -> Vec<ImapStep> {
        let tls: &[ImapStep] = match cfg.tls {
            TlsMode::Implicit => &[ImapStep::Tls],
            TlsMode::StartTls => &[ImapStep::StartTls, ImapStep::Tls],
            TlsMode::None => &[],
        };
        let mut out = vec![ImapStep::Connect];
        out.extend_from_slice(tls);
        out.extend([ImapStep::Login, ImapStep::Select]);
        out
    }

    /// The step's name as the protocol calls it.
    pub fn name(self, cfg: &Imap) -> String {
        match self {
            ImapStep::Connect => format!("connect to {}:{}", cfg.host, cfg.port),
            ImapStep::StartTls => "STARTTLS".into(),
            ImapStep::Tls => "TLS handshake".into(),
            ImapStep::Login => match cfg.auth {
                AuthMechanism::Password => format!("LOGIN as {}", cfg.username),
                AuthMechanism::XOAuth2 => format!("AUTHENTICATE XOAUTH2 as {}", cfg.username),
            },
            ImapStep::Select => format!("SELECT {}", cfg.mailbox),
        }
    }
}

/// SASL XOAUTH2: the user and a bearer token in one response.
struct XOAuth2 {
    user: String,
    token: String,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

async fn tls(cfg: &Imap, tcp: TcpStream) -> Result<ImapStream, ImapError> {
    let handshake = crate::tls::connect(&cfg.host, cfg.ca_file.as_deref(), tcp);
    tokio::time::timeout(CONNECT_TIMEOUT, handshake)
        .await
        .map_err(|_| ImapError::Timeout {
            host: cfg.host.clone(),
            port: cfg.port,
            what: "TLS handshake",
        })?
        .map_err(|source| ImapError::Tls {
            host: cfg.host.clone(),
            port: cfg.port,
            source,
        })
}

/// Read the server's greeting, which comes before any command.
async fn greeting(cfg: &Imap, client: &mut Client<ImapStream>) -> Result<(), ImapError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(ImapError::Closed {
            host: cfg.host.clone(),
            port: cfg.port,
        }),
        Ok(Err(e)) => Err(ImapError::Io {
            host: cfg.host.clone(),
            port: cfg.port,
            source: e,
        }),
        Err(_) => Err(ImapError::Timeout {
            host: cfg.host.clone(),
            port: cfg.port,
            what: "greeting",
        }),
    }
}

/// Connect and log in; returns the session.
pub async fn connect(cfg: &Imap) -> Result<ImapSession, ImapError> {
    connect_reporting(cfg, &mut |_| {}).await
}

/// [`connect`], telling `done` each step that succeeded.
pub async fn connect_reporting(
    cfg: &Imap,
    done: &mut dyn FnMut(ImapStep),
) -> Result<ImapSession, ImapError> {
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await
    .map_err(|_| ImapError::Timeout {
        host: cfg.host.clone(),
        port: cfg.port,
        what: "connect",
    })?
    .map_err(|source| ImapError::Io {
        host: cfg.host.clone(),
        port: cfg.port,
        source,
    })?;
    let _ = tcp.set_nodelay(true);
    done(ImapStep::Connect);
    let mut client = match cfg.tls {
        TlsMode::Implicit => {
            let stream = tls(cfg, tcp).await?;
            done(ImapStep::Tls);
            Client::new(stream)
        }
        TlsMode::None => Client::new(ImapStream::Plain(tcp)),
        TlsMode::StartTls => {
            let mut plain = Client::new(ImapStream::Plain(tcp));
            greeting(cfg, &mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|source| ImapError::StartTls {
                    host: cfg.host.clone(),
                    port: cfg.port,
                    source: source.into(),
                })?;
            done(ImapStep::StartTls);
            let ImapStream::Plain(tcp) = plain.into_inner() else {
                return Err(ImapError::AlreadyEncrypted {
                    host: cfg.host.clone(),
                    port: cfg.port,
                });
            };
            // no greeting after STARTTLS
            let client = Client::new(tls(cfg, tcp).await?);
            done(ImapStep::Tls);
            let session = login(cfg, client).await?;
            done(ImapStep::Login);
            return Ok(session);
        }
    };
    greeting(cfg, &mut client).await?;
    let session = login(cfg, client).await?;
    done(ImapStep::Login);
    Ok(session)
}

async fn login(cfg: &Imap, client: Client<ImapStream>) -> Result<ImapSession, ImapError> {
    let secret = crate::secret::resolve(&cfg.secret)
        .await
        .map_err(ImapError::Secret)?;
    let refused = |source: async_imap::error::Error| ImapError::Login {
        host: cfg.host.clone(),
        user: cfg.username.clone(),
        source: source.into(),
    };
    let attempt = async {
        match cfg.auth {
            AuthMechanism::Password => client
                .login(&cfg.username, &secret)
                .await
                .map_err(|(e, _)| refused(e)),
            AuthMechanism::XOAuth2 => {
                let auth = XOAuth2 {
                    user: cfg.username.clone(),
                    token: secret.clone(),
                };
                client
                    .authenticate("XOAUTH2", auth)
                    .await
                    .map_err(|(e, _)| refused(e))
            }
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .map_err(|_| ImapError::Timeout {
            host: cfg.host.clone(),
            port: cfg.port,
            what: "login",
        })?
}
