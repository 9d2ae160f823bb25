//! Accepting and serving connections on one listener, with the limits `axum::serve` does not
//! set: a client must send its request head within `web.header_timeout_seconds` (also between
//! requests on a kept-alive connection), the head is bounded in bytes (more is a 431), and at
//! most `MAX_CONNECTIONS` connections are served at once (more wait in the kernel's backlog).
//! On shutdown no new connection is taken and open ones finish their request, for a bounded time.

use crate::shutdown::Shutdown;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections served at once per listener. A connection costs its task and a read buffer of
/// at most `HEAD_LIMIT`: 256 of them stay within a few MB, and behind a reverse proxy (which
/// keeps a few connections alive) a desk never gets near it.
pub const MAX_CONNECTIONS: usize = 256;

/// The largest request head (request line and headers) read; a larger one is answered 431.
/// Browsers send 1–4 KB; hyper takes no less than 8 KiB.
pub const HEAD_LIMIT: usize = 16 * 1024;

/// How long open connections get to finish when the daemon stops.
const DRAIN: Duration = Duration::from_secs(5);

/// Serve `router` on `listener` until `shutdown`; each connection is its own task.
pub async fn serve(
    which: &'static str,
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: Shutdown,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(HEAD_LIMIT);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let stopped = shutdown.stopped();
    tokio::pin!(stopped);
    loop {
        let accepted = tokio::select! {
            () = &mut stopped => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((stream, peer, slot)) = accepted else {
            continue;
        };
        // Nagle would hold the answer's last segment back for the client's ACK
        let _ = stream.set_nodelay(true);
        let router = TowerToHyperService::new(router.clone());
        // the peer's address, for the rate limit on posts (`ConnectInfo` as axum gives it)
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.call(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // a client that went away or was too slow: its business, not an error of ours
                tracing::debug!(listener = which, peer = %peer.ip(), error = %e, "web connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            listener = which,
            "web connections still open after {} s; closed",
            DRAIN.as_secs()
        );
    }
}

/// The next connection, once a slot is free. An accept error (e.g. out of file descriptors)
/// is logged and waited out briefly, so it cannot spin.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(
    tokio::net::TcpStream,
    SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
)> {
    let slot = slots.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => Some((stream, peer, slot)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot accept a web connection; retrying shortly");
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}
