//! The web edge of `deskmail run`: with `[web]` the daemon listens on both addresses (the
//! public pages and, apart, health and metrics), without it on none; an address in use stops
//! the start naming the key. A client too slow to send its request, or sending too large a
//! head, is cut off without holding up the others; connections beyond the limit wait their turn.

mod common;
use common::http::{free_address, get, web_config as web_section};
use common::{Daemon, Desk};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn with_a_web_section_the_daemon_serves_both_listeners_and_stops_with_them() {
    let (public, admin) = (free_address(), free_address());
    let desk = Desk::with_config(&web_section(public, admin));
    let daemon = Daemon::start(&desk.config);
    // an unknown page is a plain 404 on either listener, not an error or a hang
    let page = get(public, "/no/such/page");
    assert_eq!(page.status, 404, "{}", page.body);
    assert_eq!(get(admin, "/no/such/page").status, 404);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("web pages listening"), "{log}");
    // stopped with the daemon: nothing listens any more
    assert!(std::net::TcpStream::connect(public).is_err());
    assert!(std::net::TcpStream::connect(admin).is_err());
}

#[test]
fn an_address_in_use_stops_the_start_and_names_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let public = taken.local_addr().expect("address");
    let desk = Desk::with_config(&web_section(public, free_address()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_deskmail"))
        .args(["--config", &desk.config.to_string_lossy(), "run"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start deskmail run");
    let start = std::time::Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("deskmail did not stop although {public} is in use");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("its output");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("cannot listen on {public} (web.listen)")),
        "{log}"
    );
    drop(taken);
}

#[test]
fn a_one_shot_run_serves_nothing() {
    let public = free_address();
    let desk = Desk::with_config(&web_section(public, free_address()));
    let out = desk.run(&["run", "--once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("web pages listening"));
}

/// A desk serving its pages, with a client given `seconds` to send a request's head.
fn impatient_daemon(seconds: u64) -> (Desk, Daemon, std::net::SocketAddr) {
    let public = free_address();
    let config = format!(
        "{}header_timeout_seconds = {seconds}\n",
        web_section(public, free_address())
    );
    let desk = Desk::with_config(&config);
    let daemon = Daemon::start(&desk.config);
    // listening: a whole request is answered
    assert_eq!(get(public, "/no/such/page").status, 404);
    (desk, daemon, public)
}

/// Read until the server closes the connection (or resets it), and what it sent before.
fn until_closed(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn a_client_that_stops_halfway_through_its_request_is_disconnected_after_the_timeout() {
    let (_desk, daemon, public) = impatient_daemon(1);
    let mut slow = TcpStream::connect(public).expect("connect");
    let start = Instant::now();
    slow.write_all(b"GET /t/SD-1000.abc HT")
        .expect("send half a request line");
    let got = until_closed(&mut slow);
    let took = start.elapsed();
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "closed after {took:?}, not after about 1 s"
    );
    // an idle kept-alive connection is closed the same way
    let mut idle = TcpStream::connect(public).expect("connect");
    let start = Instant::now();
    until_closed(&mut idle);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(
        get(public, "/no/such/page").status,
        404,
        "others are served"
    );
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn a_huge_request_head_is_refused_with_431() {
    let (_desk, daemon, public) = impatient_daemon(10);
    let mut big = TcpStream::connect(public).expect("connect");
    let head = format!(
        "GET / HTTP/1.1\r\nHost: {public}\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    // the server may answer and close before all of it is sent: a failed write is fine
    let _ = big.write_all(head.as_bytes());
    let got = until_closed(&mut big);
    assert!(
        got.is_empty() || got.starts_with("HTTP/1.1 431"),
        "{}",
        &got[..got.len().min(200)]
    );
    // a head of a few KB, as browsers send, is fine
    let cookie = format!(
        "GET /no/such/page HTTP/1.1\r\nHost: {public}\r\nConnection: close\r\nCookie: {}\r\n\r\n",
        "c".repeat(4000)
    );
    assert_eq!(common::http::request(public, &cookie).status, 404);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn connections_beyond_the_limit_wait_for_a_free_one() {
    let (_desk, daemon, public) = impatient_daemon(3);
    // as many connections as are served at once (web::serve's MAX_CONNECTIONS), all silent;
    // in small groups, so the kernel's accept queue never overflows (a dropped SYN waits 1 s)
    let mut silent = Vec::new();
    for i in 0..256 {
        silent.push(TcpStream::connect(public).expect("connect"));
        if i % 32 == 31 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // the slots free up when the silent ones time out, about 3 s after they connected
    let start = Instant::now();
    let page = get(public, "/no/such/page");
    let waited = start.elapsed();
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(
        waited >= Duration::from_millis(1500),
        "answered after {waited:?}: the silent connections did not hold every slot"
    );
    drop(silent);
    let (code, log) = daemon.stop();
    assert_eq!(code, Some(0), "{log}");
}
