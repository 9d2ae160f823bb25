//! What can go wrong with the IMAP mailbox, each error naming the server (and the mailbox or
//! user where it matters) so that the log says what to check: the network, TLS, the login, a
//! refused command, or the reconnect backoff still running.

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("IMAP server {host}:{port}: {source}")]
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
    #[error("IMAP server {host}:{port}: TLS failed: {message}")]
    Tls {
        host: String,
        port: u16,
        message: String,
    },
    #[error(
        "IMAP server {host} refused login for {user}: {message} (check inbound.username and the password)"
    )]
    Login {
        host: String,
        user: String,
        message: String,
    },
    #[error("IMAP password: {0}")]
    Secret(crate::secret::SecretError),
    #[error("IMAP server {host}, mailbox {mailbox}: {what}: {message}")]
    Command {
        host: String,
        mailbox: String,
        what: &'static str,
        message: String,
    },
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
