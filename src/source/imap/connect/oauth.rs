//! IMAP login with an OAuth2 token: which mechanism the server offers (CAPABILITY before
//! login), AUTHENTICATE with the cached token, and on a refusal once more with a fresh one.
//! A second refusal is an error naming the mechanism and the server's status; never the token.

use super::{CONNECT_TIMEOUT, ImapSession};
use crate::config::{Imap, Secret};
use crate::secret::oauth::{Mechanism, Token, sasl, tokens};
use crate::source::imap::error::{ImapError, Reply, TokenRefusal};
use crate::stream::NetStream as ImapStream;
use async_imap::Client;
use async_imap::imap_proto::{Capability, Response};

/// One AUTHENTICATE exchange: the first message, then the answer to an error challenge (kept
/// for its status).
struct Exchange {
    first: Option<String>,
    mechanism: Mechanism,
    challenge: Option<Vec<u8>>,
}

impl async_imap::Authenticator for &mut Exchange {
    type Response = String;
    fn process(&mut self, challenge: &[u8]) -> String {
        match self.first.take() {
            Some(first) => first,
            None => {
                self.challenge = Some(challenge.to_vec());
                self.mechanism.abort_response().to_string()
            }
        }
    }
}

/// How one attempt ended.
enum Attempt {
    In(ImapSession),
    /// The server said NO to the token: the client, to try again; the status it gave.
    Refused {
        client: Client<ImapStream>,
        status: Option<String>,
        reply: Reply,
    },
}

/// Log in with the token from the config's helper; the session and the mechanism used.
pub(super) async fn login(
    cfg: &Imap,
    mut client: Client<ImapStream>,
) -> Result<(ImapSession, Mechanism), ImapError> {
    let Secret::Command(command) = &cfg.secret else {
        // the config allows xoauth2 only with password_command
        return Err(ImapError::Closed {
            host: cfg.host.clone(),
            port: cfg.port,
        });
    };
    let offered = timed(cfg, "CAPABILITY", offered_mechanisms(&mut client))
        .await?
        .map_err(|e| ImapError::Login {
            host: cfg.host.clone(),
            user: cfg.username.clone(),
            source: e.into(),
        })?;
    let mechanism = Mechanism::choose(offered.iter().map(String::as_str));
    let token = tokens()
        .get(command, "inbound")
        .await
        .map_err(ImapError::Token)?;
    let (client, refused) = match attempt(cfg, client, mechanism, &token).await? {
        Attempt::In(session) => return Ok((session, mechanism)),
        Attempt::Refused { client, status, .. } => (client, status),
    };
    tracing::info!(server = %cfg.host, user = %cfg.username, mechanism = mechanism.name(), status = refused.as_deref().unwrap_or("-"), "IMAP server refused the OAuth2 token; fetching a fresh one and trying once more");
    let fresh = tokens()
        .fresh(command, "inbound", &token)
        .await
        .map_err(ImapError::Token)?;
    match attempt(cfg, client, mechanism, &fresh).await? {
        Attempt::In(session) => Ok((session, mechanism)),
        Attempt::Refused { status, reply, .. } => Err(ImapError::TokenRefused {
            refusal: Box::new(TokenRefusal {
                host: cfg.host.clone(),
                user: cfg.username.clone(),
                mechanism,
                status,
            }),
            source: reply,
        }),
    }
}

async fn attempt(
    cfg: &Imap,
    client: Client<ImapStream>,
    mechanism: Mechanism,
    token: &Token,
) -> Result<Attempt, ImapError> {
    let mut exchange = Exchange {
        first: Some(mechanism.initial_response(&cfg.username, token.value(), &cfg.host, cfg.port)),
        mechanism,
        challenge: None,
    };
    let result = timed(
        cfg,
        "login",
        client.authenticate(mechanism.name(), &mut exchange),
    )
    .await?;
    match result {
        Ok(session) => Ok(Attempt::In(session)),
        Err((e @ async_imap::error::Error::No(_), client)) => Ok(Attempt::Refused {
            client,
            status: exchange.challenge.as_deref().and_then(sasl::refusal_status),
            reply: e.into(),
        }),
        Err((e, _)) => Err(ImapError::Login {
            host: cfg.host.clone(),
            user: cfg.username.clone(),
            source: e.into(),
        }),
    }
}

/// The tag of our CAPABILITY command; async-imap's own tags are `A<number>`.
const CAPABILITY_TAG: &str = "dm1";

/// The SASL mechanisms the server offers before login (its `AUTH=` capabilities). async-imap
/// has no CAPABILITY before login, so the command is written to the stream directly (nothing
/// else is buffered there between commands) and its answer read through async-imap.
async fn offered_mechanisms(
    client: &mut Client<ImapStream>,
) -> Result<Vec<String>, async_imap::error::Error> {
    use tokio::io::AsyncWriteExt;
    let stream = client.get_mut();
    stream
        .write_all(format!("{CAPABILITY_TAG} CAPABILITY\r\n").as_bytes())
        .await?;
    stream.flush().await?;
    let mut offered = Vec::new();
    loop {
        let Some(response) = client.read_response().await? else {
            return Err(async_imap::error::Error::ConnectionLost);
        };
        match response.parsed() {
            Response::Capabilities(caps) => offered.extend(caps.iter().filter_map(|c| match c {
                Capability::Auth(m) => Some(m.to_string()),
                _ => None,
            })),
            Response::Done { tag, .. } if tag.0 == CAPABILITY_TAG => return Ok(offered),
            _ => {}
        }
    }
}

async fn timed<T>(
    cfg: &Imap,
    what: &'static str,
    f: impl std::future::Future<Output = T>,
) -> Result<T, ImapError> {
    tokio::time::timeout(CONNECT_TIMEOUT, f)
        .await
        .map_err(|_| ImapError::Timeout {
            host: cfg.host.clone(),
            port: cfg.port,
            what,
        })
}
