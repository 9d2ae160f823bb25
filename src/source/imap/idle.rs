//! Waiting for new mail with IMAP IDLE (RFC 2177): the server tells us when something arrives.
//! Re-issued well before the 29-minute limit servers apply; ends early on shutdown.

use super::connect::ImapSession;
use crate::shutdown::Shutdown;
use async_imap::extensions::idle::IdleResponse;
use std::time::Duration;

/// Servers drop an IDLE after 30 minutes; stay well below.
const MAX_IDLE: Duration = Duration::from_secs(25 * 60);

/// IDLE for up to `max`; returns the session, ready for commands again.
pub async fn idle(
    session: ImapSession,
    max: Duration,
    shutdown: &mut Shutdown,
) -> Result<ImapSession, async_imap::error::Error> {
    let mut handle = session.idle();
    tokio::time::timeout(Duration::from_secs(30), handle.init())
        .await
        .unwrap_or(Err(async_imap::error::Error::ConnectionLost))?;
    let response = {
        let limit = max.min(MAX_IDLE);
        let (wait, stop) = handle.wait_with_timeout(limit);
        tokio::pin!(wait);
        // our own deadline: async-imap restarts its timer on every "* OK Still here" keepalive,
        // so on a quiet mailbox its timeout alone would never end the IDLE (and the tick)
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        tokio::select! {
            r = &mut wait => r,
            _ = shutdown.interrupted() => {
                drop(stop);
                wait.await
            }
            _ = &mut deadline => {
                drop(stop);
                wait.await
            }
        }
    };
    match response {
        Ok(IdleResponse::NewData(data)) => {
            tracing::debug!(response = ?data.parsed(), "IDLE: server reports a change")
        }
        Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt) => {}
        Err(e) => return Err(e),
    }
    tokio::time::timeout(Duration::from_secs(30), handle.done())
        .await
        .unwrap_or(Err(async_imap::error::Error::ConnectionLost))
}
