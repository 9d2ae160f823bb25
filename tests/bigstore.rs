//! `bench/bigstore` still runs against the schema as it is: a tiny store through the real
//! binary, and the figures docs/scaling.md quotes come out. A smoke, not a benchmark (the
//! bench's numbers are not judged here).

mod common;
use common::skip;
use std::path::Path;
use std::process::Command;

#[test]
fn bigstore_makes_a_store_and_times_what_grows_with_it() {
    if !Path::new("/usr/bin/time").exists() {
        let _: Option<()> = skip("GNU time at /usr/bin/time (Debian package `time`)");
        return;
    }
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bigstore");
    let out = Command::new(&bench)
        .args(["--tickets", "60", "--open", "6", "--bin"])
        .arg(env!("CARGO_BIN_EXE_deskmail"))
        .env_remove("RUST_LOG")
        .output()
        .expect("run bench/bigstore");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("60 tickets, 300 events, 60 inbound, 120 outbox"),
        "{text}"
    );
    // the open tickets have their dates ahead: a tick with nothing due, and all six listed
    assert!(
        text.contains("(deskmail's own measure; 0 mails due)"),
        "{text}"
    );
    assert!(text.contains("(6 open shown)"), "{text}");
    for figure in [
        "scheduler tick: ",
        "tickets show: ",
        "status: ",
        "peak RSS: ",
    ] {
        assert!(text.contains(figure), "{figure}: {text}");
    }
}
