//! A tiny HTTP/1.1 client for the web tests: one request per connection, the answer's status,
//! headers and body as text. Enough to see what a browser would get, headers included.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback address with a port nobody listens on now, for a daemon to take.
pub fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address")
}

/// The `[web]` section for a desk whose pages listen on `public` and whose health and metrics
/// listen on `admin`.
pub fn web_config(public: SocketAddr, admin: SocketAddr) -> String {
    format!(
        "\n[web]\nlisten = \"{public}\"\nbase_url = \"https://desk.example.org/\"\nadmin_listen = \"{admin}\"\n"
    )
}

/// `GET path` at `addr`, waiting up to 20 s for a daemon that is still starting to listen.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Send `raw` (a whole request) and read the whole answer.
pub fn request(addr: SocketAddr, raw: &str) -> Response {
    let start = Instant::now();
    let mut stream = loop {
        match TcpStream::connect(addr) {
            Ok(s) => break s,
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("nothing listens on {addr}: {e}"),
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(raw.as_bytes()).expect("send the request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    parse(&String::from_utf8_lossy(&answer))
}

fn parse(text: &str) -> Response {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

/// `POST path` at `addr` with `fields` as a form (`application/x-www-form-urlencoded`), as a
/// browser sends a `<form>` without JavaScript.
pub fn post_form(addr: SocketAddr, path: &str, fields: &[(&str, &str)]) -> Response {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect();
    post(
        addr,
        path,
        "application/x-www-form-urlencoded",
        &body.join("&"),
    )
}

/// `POST path` at `addr` with `body` of `content_type`.
pub fn post(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> Response {
    request(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// A form value as a browser encodes it: letters, digits and `-_.*` as they are, a space as
/// `+`, every other byte `%XX`.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}
