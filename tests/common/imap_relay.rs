//! A relay between deskmail and the test Dovecot's plain IMAP port that hides one SASL mechanism
//! from the capabilities Dovecot announces before login. Dovecot 2.3 offers the same mechanisms
//! on every listener (its auth process lists them once for all logins), so this is how a test
//! meets a server that offers XOAUTH2 without OAUTHBEARER, as Microsoft 365 does — while Dovecot
//! still sees and checks the whole exchange.

use super::mailstack::IMAP_PORT;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// More connections than any test opens; the relay takes no more.
const MAX_CONNECTIONS: usize = 64;
/// Longest server line relayed through the filter; longer ones end the connection.
const MAX_LINE: usize = 64 * 1024;

/// The relay, listening on 127.0.0.1; it stops when dropped.
pub struct ImapRelay {
    pub addr: SocketAddr,
    commands: Arc<Mutex<Vec<String>>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl ImapRelay {
    /// Relay to Dovecot's plain IMAP port, removing `AUTH=<hidden>` from every capability list
    /// the server sends before login.
    pub fn hiding(hidden: &str) -> ImapRelay {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("relay runtime");
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("relay listens");
        let addr = listener.local_addr().expect("relay address");
        let commands = Arc::new(Mutex::new(Vec::new()));
        let hidden = format!(" AUTH={}", hidden.to_ascii_uppercase());
        let seen = commands.clone();
        rt.spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(relay(client, hidden.clone(), seen.clone()));
            }
        });
        ImapRelay {
            addr,
            commands,
            rt: Some(rt),
        }
    }

    /// The `AUTHENTICATE <mechanism>` commands deskmail sent through the relay, without their
    /// tags and without any initial response (which holds the token).
    pub fn authenticate_commands(&self) -> Vec<String> {
        self.commands.lock().expect("relay record").clone()
    }
}

impl Drop for ImapRelay {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

async fn relay(client: TcpStream, hidden: String, seen: Arc<Mutex<Vec<String>>>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", IMAP_PORT)).await else {
        return;
    };
    let (client_read, mut client_write) = client.into_split();
    let (server_read, mut server_write) = server.into_split();
    // deskmail's commands go through unchanged; AUTHENTICATE lines are noted (mechanism only)
    let upstream = async move {
        let mut lines = BufReader::new(client_read);
        let mut line = Vec::new();
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let words: Vec<&str> = text.split_whitespace().collect();
            if let [_tag, command, mechanism, ..] = words[..]
                && command.eq_ignore_ascii_case("AUTHENTICATE")
            {
                seen.lock()
                    .expect("relay record")
                    .push(format!("AUTHENTICATE {mechanism}"));
            }
            if server_write.write_all(&line).await.is_err() {
                return;
            }
        }
    };
    // the server's lines, with the hidden mechanism taken out of capability lists until login
    let downstream = async move {
        let mut lines = BufReader::new(server_read);
        let mut line = Vec::new();
        let mut logged_in = false;
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(n) if n > MAX_LINE && !logged_in => return,
                Ok(_) => {}
            }
            if !logged_in {
                let text = String::from_utf8_lossy(&line).into_owned();
                if text.contains("CAPABILITY") {
                    line = text.replace(&hidden, "").into_bytes();
                }
                // Dovecot's answer to a successful AUTHENTICATE or LOGIN
                logged_in =
                    !text.starts_with('*') && text.contains(" OK ") && text.contains("Logged in");
            }
            if client_write.write_all(&line).await.is_err() {
                return;
            }
        }
    };
    tokio::join!(upstream, downstream);
}
