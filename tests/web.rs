//! The web edge of `deskmail run`: with `[web]` the daemon listens on both addresses (the
//! public pages and, apart, health and metrics), without it on none; an address in use stops
//! the start naming the key.

mod common;
use common::http::{free_address, get, web_config as web_section};
use common::{Daemon, Desk};

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
