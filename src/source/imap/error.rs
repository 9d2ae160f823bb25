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
        source: async_imap::error::Error,
    },
    #[error("IMAP server {host}:{port}: TLS failed: the connection was already encrypted")]
    AlreadyEncrypted { host: String, port: u16 },
    #[error(
        "IMAP server {host} refused login for {user} (check inbound.username and the password)"
    )]
    Login {
        host: String,
        user: String,
        source: async_imap::error::Error,
    },
    #[error("IMAP password")]
    Secret(#[source] crate::secret::SecretError),
    #[error("IMAP server {host}, mailbox {mailbox}: {what}")]
    Command {
        host: String,
        mailbox: String,
        what: &'static str,
        source: async_imap::error::Error,
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
