//! Opening an IMAP session: TCP, TLS (implicit or STARTTLS; plain only to loopback, which the
//! config enforces), the greeting, and login with a password or (`oauth`) an OAuth2 token.

use super::ImapError;
use crate::config::{AuthMechanism, Imap, TlsMode};
use crate::secret::oauth::Mechanism;
use crate::stream::NetStream as ImapStream;
use async_imap::{Client, Session};
use std::time::Duration;
use tokio::net::TcpStream;

mod oauth;

pub type ImapSession = Session<ImapStream>;

pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The steps of opening a session, in order, for `check-config --connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapStep {
    Connect,
    StartTls,
    Tls,
    /// Logged in; with a token, by this SASL mechanism (`None` in a plan: the server's offer
    /// decides).
    Login(Option<Mechanism>),
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
        out.extend([ImapStep::Login(None), ImapStep::Select]);
        out
    }

    /// The step's name as the protocol calls it.
    pub fn name(self, cfg: &Imap) -> String {
        match self {
            ImapStep::Connect => format!("connect to {}:{}", cfg.host, cfg.port),
            ImapStep::StartTls => "STARTTLS".into(),
            ImapStep::Tls => "TLS handshake".into(),
            ImapStep::Login(used) => match (cfg.auth, used) {
                (AuthMechanism::Password, _) => format!("LOGIN as {}", cfg.username),
                (AuthMechanism::OAuth2, Some(m)) => {
                    format!("AUTHENTICATE {} as {}", m.name(), cfg.username)
                }
                (AuthMechanism::OAuth2, None) => {
                    format!("AUTHENTICATE OAUTHBEARER or XOAUTH2 as {}", cfg.username)
                }
            },
            ImapStep::Select => format!("SELECT {}", cfg.mailbox),
        }
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
            return login(cfg, client, done).await;
        }
    };
    greeting(cfg, &mut client).await?;
    login(cfg, client, done).await
}

async fn login(
    cfg: &Imap,
    client: Client<ImapStream>,
    done: &mut dyn FnMut(ImapStep),
) -> Result<ImapSession, ImapError> {
    if cfg.auth == AuthMechanism::OAuth2 {
        let (session, used) = oauth::login(cfg, client).await?;
        done(ImapStep::Login(Some(used)));
        return Ok(session);
    }
    let session = password_login(cfg, client).await?;
    done(ImapStep::Login(None));
    Ok(session)
}

async fn password_login(cfg: &Imap, client: Client<ImapStream>) -> Result<ImapSession, ImapError> {
    let secret = crate::secret::resolve(&cfg.secret)
        .await
        .map_err(ImapError::Secret)?;
    let refused = |source: async_imap::error::Error| ImapError::Login {
        host: cfg.host.clone(),
        user: cfg.username.clone(),
        source: source.into(),
    };
    let attempt = async {
        client
            .login(&cfg.username, &secret)
            .await
            .map_err(|(e, _)| refused(e))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .map_err(|_| ImapError::Timeout {
            host: cfg.host.clone(),
            port: cfg.port,
            what: "login",
        })?
}
