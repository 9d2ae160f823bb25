//! The real mail servers for end-to-end tests: Dovecot (IMAP) and Postfix (SMTP) on loopback,
//! set up and started by `scripts/mailstack up` (once per test process). Plus a tiny SMTP
//! client to deliver test mail and an IMAP reader to see what arrived.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const IMAP_PORT: u16 = 10143;
pub const IMAPS_PORT: u16 = 10993;
pub const SMTP_PORT: u16 = 10025;
pub const SUBMISSION_PORT: u16 = 10587;
pub const SMTPS_PORT: u16 = 10465;
/// Postfix with the self-signed certificate (`selfsigned_cert`): submission and smtps.
pub const PINNED_SUBMISSION_PORT: u16 = 10588;
pub const PINNED_SMTPS_PORT: u16 = 10466;
pub const PASSWORD: &str = "secret";

pub fn state_dir() -> PathBuf {
    std::env::var_os("DESKMAIL_MAILSTACK_DIR")
        .map_or_else(|| PathBuf::from("/tmp/deskmail-mailstack"), PathBuf::from)
}

pub fn ca_file() -> PathBuf {
    state_dir().join("tls/ca.pem")
}

/// The servers' self-signed certificate, as `openssl req -x509` makes it (CA:TRUE): Dovecot
/// presents it to clients that ask for `localhost`, Postfix on the `PINNED_*` ports.
pub fn selfsigned_cert() -> PathBuf {
    state_dir().join("tls/selfsigned.pem")
}

/// Where Dovecot's log ends now: [`dovecot_log_since`] reads what it writes after that.
pub fn dovecot_log_end() -> u64 {
    std::fs::metadata(state_dir().join("log/dovecot.log")).map_or(0, |m| m.len())
}

/// What Dovecot logged after `end` (from [`dovecot_log_end`]): the log is shared by every test
/// and grows large, so a test reads only its own stretch.
pub fn dovecot_log_since(end: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let mut file =
        std::fs::File::open(state_dir().join("log/dovecot.log")).expect("open Dovecot's log");
    file.seek(SeekFrom::Start(end))
        .expect("seek in Dovecot's log");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).expect("read Dovecot's log");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/mailstack")
}

/// Run `scripts/mailstack ARGS`, failing the test loudly (with the servers' logs) if it fails.
pub fn mailstack(args: &[&str]) {
    let out = std::process::Command::new(script())
        .args(args)
        .output()
        .expect("run scripts/mailstack");
    assert!(
        out.status.success(),
        "scripts/mailstack {args:?} failed:\n{}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        logs()
    );
}

/// The servers' recent log lines, for failure messages.
pub fn logs() -> String {
    std::process::Command::new(script())
        .arg("logs")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Whether the tests can have the mail servers: only as root. Servers that already run (started
/// by root, e.g. for someone else's tests) do not count: every test adds mailboxes of its own
/// (`adduser` writes the root-owned users file) and the outage tests stop and start the
/// servers, which no other user may do. So without root the tests skip, whether or not the
/// servers run, and they never touch them.
pub fn available() -> bool {
    super::is_root()
}

/// At the start of a test that needs the servers: make sure Dovecot and Postfix run (installed
/// on a fresh machine, started if stopped; once per test process) and return `Some(())`, or,
/// without root, [`skip`](super::skip) and return `None`. As root, a failing `up` fails
/// the test: the servers could be had, so that is a fault, not a skip.
#[must_use]
pub fn up() -> Option<()> {
    if !available() {
        return super::skip(
            "needs the test mail servers, which need root to start and to add mailboxes \
             (run scripts/test as root; see tests/mailstack.md)",
        );
    }
    static UP: OnceLock<()> = OnceLock::new();
    UP.get_or_init(|| mailstack(&["up"]));
    Some(())
}

/// A desk's own mailboxes on the test servers.
pub struct DeskUsers {
    pub desk: String,
    pub portal: String,
    pub agents: String,
}

/// Fresh mailboxes for a desk, with the servers up; `None` (the test skips) without them.
pub fn desk_users() -> Option<DeskUsers> {
    up()?;
    Some(DeskUsers {
        desk: new_user("desk"),
        portal: new_user("portal"),
        agents: new_user("agents"),
    })
}

/// A fresh mailbox `NAME-<unique>@desk.test` with the test password.
pub fn new_user(name: &str) -> String {
    new_user_with_password(name, PASSWORD)
}

/// A fresh mailbox `NAME-<unique>@desk.test` with its own password.
pub fn new_user_with_password(name: &str, password: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let address = format!("{name}-{}-{n}@desk.test", std::process::id());
    mailstack(&["adduser", &address, password]);
    address
}

/// Deliver a raw message through Postfix (plain SMTP on loopback, no auth).
pub fn smtp_send(from: &str, to: &[&str], raw: &str) {
    let stream = TcpStream::connect(("127.0.0.1", SMTP_PORT)).expect("connect to Postfix");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut w = stream;
    let expect = |code: &str, reader: &mut BufReader<TcpStream>| {
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("SMTP reply");
            assert!(
                line.starts_with(code),
                "SMTP: expected {code}, got {line:?}"
            );
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
    };
    expect("220", &mut reader);
    let cmd = |c: String, code: &str, w: &mut TcpStream, reader: &mut BufReader<TcpStream>| {
        w.write_all(c.as_bytes()).expect("SMTP write");
        expect(code, reader);
    };
    cmd(
        "EHLO tests.desk.test\r\n".into(),
        "250",
        &mut w,
        &mut reader,
    );
    cmd(
        format!("MAIL FROM:<{from}>\r\n"),
        "250",
        &mut w,
        &mut reader,
    );
    for rcpt in to {
        cmd(format!("RCPT TO:<{rcpt}>\r\n"), "250", &mut w, &mut reader);
    }
    cmd("DATA\r\n".into(), "354", &mut w, &mut reader);
    let mut data = String::new();
    for line in raw.replace("\r\n", "\n").lines() {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    cmd(data, "250", &mut w, &mut reader);
    let _ = w.write_all(b"QUIT\r\n");
}

/// Raw messages in a user's INBOX, oldest first (plain IMAP on loopback; the test password).
pub fn inbox(user: &str) -> Vec<String> {
    folder(user, "INBOX")
        .into_iter()
        .map(|(raw, _)| raw)
        .collect()
}

/// Raw messages and their flags in one of a user's folders, oldest first (empty if the folder
/// does not exist).
pub fn folder(user: &str, name: &str) -> Vec<(String, Vec<String>)> {
    folder_as(user, PASSWORD, name)
}

/// A logged-in IMAP session of `user` on the test Dovecot (plain, loopback).
async fn login(user: &str, password: &str) -> async_imap::Session<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", IMAP_PORT))
        .await
        .expect("connect to Dovecot");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    client
        .login(user, password)
        .await
        .map_err(|(e, _)| e)
        .expect("login")
}

/// [`folder`] for a user with a password of their own.
pub fn folder_as(user: &str, password: &str, name: &str) -> Vec<(String, Vec<String>)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use futures::TryStreamExt;
        let mut session = login(user, password).await;
        let Ok(mailbox) = session.examine(name).await else {
            return Vec::new();
        };
        if mailbox.exists == 0 {
            return Vec::new();
        }
        let fetched: Vec<_> = session
            .fetch("1:*", "(UID FLAGS BODY.PEEK[])")
            .await
            .expect("FETCH")
            .try_collect()
            .await
            .expect("FETCH results");
        let mut out: Vec<(u32, String, Vec<String>)> = fetched
            .iter()
            .map(|f| {
                let flags = f.flags().map(|fl| format!("{fl:?}")).collect();
                (
                    f.uid.unwrap_or(0),
                    String::from_utf8_lossy(f.body().unwrap_or_default()).into_owned(),
                    flags,
                )
            })
            .collect();
        out.sort_by_key(|(uid, _, _)| *uid);
        let _ = session.logout().await;
        out.into_iter().map(|(_, m, f)| (m, f)).collect()
    })
}

/// Take `flags` off every message in `user`'s INBOX (as if they had never been marked).
pub fn unflag_all(user: &str, flags: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use futures::TryStreamExt;
        let mut session = login(user, PASSWORD).await;
        session.select("INBOX").await.expect("SELECT");
        let _: Vec<_> = session
            .store("1:*", format!("-FLAGS.SILENT ({flags})"))
            .await
            .expect("STORE")
            .try_collect()
            .await
            .expect("STORE results");
        let _ = session.logout().await;
    })
}

/// Wait until `user`'s INBOX holds at least `n` messages; returns them.
pub fn wait_for_mail(user: &str, n: usize, limit: Duration) -> Vec<String> {
    wait_for_mail_as(user, PASSWORD, n, limit)
}

/// [`wait_for_mail`] for a user with a password of their own.
pub fn wait_for_mail_as(user: &str, password: &str, n: usize, limit: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let mails: Vec<String> = folder_as(user, password, "INBOX")
            .into_iter()
            .map(|(raw, _)| raw)
            .collect();
        if mails.len() >= n {
            return mails;
        }
        assert!(
            start.elapsed() < limit,
            "{user}: {} of {n} mails after {limit:?}\n{}",
            mails.len(),
            logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The config of a desk whose mailbox is `desk` on the test Dovecot, sending through Postfix.
pub fn imap_config(desk: &str, portal: &str, agents: &str, extra_inbound: &str) -> String {
    format!(
        r#"
[desk]
name = "Servicedesk Test"
address = "{desk}"
timezone = "Europe/Amsterdam"
language = "nl"

[store]
path = "var/deskmail.sqlite"

[inbound]
kind = "imap"
host = "127.0.0.1"
port = {IMAP_PORT}
tls = "starttls"
username = "{desk}"
password = "{PASSWORD}"
ca_file = "{ca}"
poll_seconds = 1
# the tests deliver their mail before the first run; tests/first_start.rs tests the default
since = "all"
{extra_inbound}

[outbound]
kind = "smtp"
host = "127.0.0.1"
port = {SMTP_PORT}
tls = "none"

[portal]
form_url = "https://portal.example.org/general"
senders = ["{portal}"]

[agents]
queue = "{agents}"
# the tests read the agents' mailbox for their notices; a morning digest of urgent tickets would
# come first on some hours of the day (the digest is tested in tests/promises.rs)
digest = false

[schedule]
tick_seconds = 2
"#,
        ca = ca_file().display()
    )
}

/// [`imap_config`] for a desk reaching both servers as `localhost` over TLS, trusting only
/// `trust` (its `ca_file`): IMAP on `imap` (port, `tls`), authenticated SMTP on `smtp`.
pub fn tls_config(
    desk: &str,
    portal: &str,
    agents: &str,
    imap: (u16, &str),
    smtp: (u16, &str),
    trust: &std::path::Path,
) -> String {
    let plain = imap_config(desk, portal, agents, "");
    let config = plain
        .replace("host = \"127.0.0.1\"", "host = \"localhost\"")
        .replace(
            &format!("port = {IMAP_PORT}\ntls = \"starttls\""),
            &format!("port = {}\ntls = \"{}\"", imap.0, imap.1),
        )
        .replace(
            &format!("ca_file = \"{}\"", ca_file().display()),
            &format!("ca_file = \"{}\"", trust.display()),
        )
        .replace(
            &format!("port = {SMTP_PORT}\ntls = \"none\""),
            &format!(
                "port = {}\ntls = \"{}\"\nusername = \"{desk}\"\npassword = \"{PASSWORD}\"\n\
                 ca_file = \"{}\"",
                smtp.0,
                smtp.1,
                trust.display()
            ),
        );
    assert_eq!(
        config.matches(&trust.display().to_string()).count(),
        2,
        "{config}"
    );
    config
}
