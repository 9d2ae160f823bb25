//! The web edge, beside source and transport: one HTTP server in the daemon, on the tokio
//! runtime it already has. The public listener (`web.listen`) serves the requester's pages
//! (`public`); the operations listener (`web.admin_listen`, loopback by default) serves health
//! and metrics (`admin`) and nothing else. A handler parses a request, calls the same core as
//! mail does, and writes through the same store; it never blocks the mail work.

pub mod admin;
pub mod form;
pub mod public;
mod readers;
mod scrape;
pub mod security;
mod serve;
pub mod ticket;

use crate::agent::token::TokenKey;
use crate::clock::Clock;
use crate::compose::Templates;
use crate::config::{Config, WebSettings};
use crate::requester::token::PageKey;
use crate::shutdown::Shutdown;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A listener could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "cannot listen on {addr} ({key}); is another program using the port, or is the address \
         not on this machine? Change {key} or stop the other program"
    )]
    Bind {
        key: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What every handler may use: the config the daemon started with, and where the database is
/// (a post opens a store to write; pages read through connections kept in `readers`; SQLite's
/// WAL lets readers beside the daemon's writer).
#[derive(Clone)]
pub struct WebState {
    pub config: Arc<Config>,
    pub database: PathBuf,
    /// The daemon's counters, shared with its engine (`/metrics` on the admin listener).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The mail templates: what a requester does on a page tells the agents by mail.
    pub templates: Arc<Templates>,
    /// Signs the agents' reply addresses in those mails.
    pub token_key: TokenKey,
    /// Signs and checks the requesters' page links.
    pub page_key: PageKey,
    /// The daemon's clock (`--now` shifts it): pages, health and mails judge time as the loop
    /// does.
    pub clock: Clock,
}

/// Both listeners, bound before the daemon reports ready: an address in use is a start error,
/// not a log line later.
pub struct Listeners {
    public: TcpListener,
    admin: TcpListener,
}

impl Listeners {
    pub async fn bind(web: &WebSettings) -> Result<Listeners, WebError> {
        let bind = |key: &'static str, addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| WebError::Bind { key, addr, source })
        };
        Ok(Listeners {
            public: bind("web.listen", web.listen).await?,
            admin: bind("web.admin_listen", web.admin_listen).await?,
        })
    }

    /// The addresses actually bound (a port 0 in the config gets one from the system).
    pub fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.public.local_addr().ok(), self.admin.local_addr().ok())
    }
}

/// Serve both listeners until the daemon stops; each as its own task, so a slow client on one
/// never holds up the other or the mail loop.
pub fn spawn(listeners: Listeners, state: WebState, shutdown: Shutdown) {
    let (public, admin) = listeners.addresses();
    tracing::info!(
        public = public.map(|a| a.to_string()).unwrap_or_default(),
        admin = admin.map(|a| a.to_string()).unwrap_or_default(),
        "web pages listening"
    );
    let header_timeout = state
        .config
        .web
        .as_ref()
        .map_or(crate::config::DEFAULT_HEADER_TIMEOUT, |w| w.header_timeout);
    tokio::spawn(serve::serve(
        "public",
        listeners.public,
        public::router(state.clone()),
        header_timeout,
        shutdown.clone(),
    ));
    tokio::spawn(serve::serve(
        "admin",
        listeners.admin,
        admin::router(state),
        header_timeout,
        shutdown,
    ));
}
