use super::{Journal, Priority, field_name, put};
use std::os::unix::net::UnixDatagram;
use tracing::Level;
use tracing_subscriber::layer::SubscriberExt as _;

/// A socket standing in for journald's, in a folder of its own.
fn listener() -> (tempfile::TempDir, UnixDatagram, Journal) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("socket");
    let socket = UnixDatagram::bind(&path).expect("bind");
    let journal = Journal::open(&path).expect("open");
    (dir, socket, journal)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn levels_map_to_syslog_severities() {
    assert_eq!(Priority::of(Level::ERROR, None), Priority::Err);
    assert_eq!(Priority::of(Level::WARN, None), Priority::Warning);
    assert_eq!(Priority::of(Level::INFO, None), Priority::Info);
    assert_eq!(Priority::of(Level::DEBUG, None), Priority::Debug);
    assert_eq!(Priority::of(Level::TRACE, None), Priority::Debug);
    assert_eq!(Priority::Err as u8, 3);
}

#[test]
fn a_priority_field_names_a_severity_above_the_level() {
    assert_eq!(Priority::of(Level::ERROR, Some("crit")), Priority::Crit);
    assert_eq!(Priority::Crit as u8, 2);
    assert_eq!(Priority::of(Level::INFO, Some("notice")), Priority::Notice);
    // not a syslog name: the level decides
    assert_eq!(Priority::of(Level::ERROR, Some("urgent")), Priority::Err);
}

#[test]
fn field_names_are_made_what_journald_accepts() {
    assert_eq!(field_name("decision").as_deref(), Some("DECISION"));
    assert_eq!(field_name("retry_in_s").as_deref(), Some("RETRY_IN_S"));
    assert_eq!(field_name("_log.target").as_deref(), Some("LOG_TARGET"));
    assert_eq!(field_name("1st").as_deref(), Some("ST"));
    assert_eq!(field_name("__").as_deref(), None);
    assert_eq!(field_name(&"x".repeat(80)).map(|n| n.len()), Some(64));
}

#[test]
fn a_field_journald_gives_a_meaning_to_is_not_taken_over() {
    assert_eq!(
        field_name("message_id").as_deref(),
        Some("DESKMAIL_MESSAGE_ID")
    );
    assert_eq!(field_name("priority").as_deref(), Some("DESKMAIL_PRIORITY"));
}

#[test]
fn a_value_with_a_line_break_goes_in_the_binary_safe_form() {
    let mut buf = Vec::new();
    put(&mut buf, "A", b"one line");
    put(&mut buf, "B", b"two\nlines");
    let mut expected = b"A=one line\nB\n".to_vec();
    expected.extend_from_slice(&9u64.to_le_bytes());
    expected.extend_from_slice(b"two\nlines\n");
    assert_eq!(buf, expected);
}

#[test]
fn an_event_becomes_one_datagram_with_priority_message_and_fields() {
    let (_dir, socket, journal) = listener();
    let subscriber = tracing_subscriber::registry().with(journal);
    tracing::subscriber::with_default(subscriber, || {
        let reason = "too old: 9 days";
        tracing::error!(priority = "crit", %reason, message_id = "<a@b.c>", tries = 3, "EMERGENCY BRAKE");
    });
    let mut buf = vec![0; 65536];
    let n = socket.recv(&mut buf).expect("a datagram");
    let got = &buf[..n];
    let text = String::from_utf8_lossy(got);
    for line in [
        "PRIORITY=2\n",
        "SYSLOG_IDENTIFIER=deskmail\n",
        "MESSAGE=EMERGENCY BRAKE priority=\"crit\" reason=\"too old: 9 days\" message_id=\"<a@b.c>\" tries=3\n",
        "REASON=too old: 9 days\n",
        "DESKMAIL_MESSAGE_ID=<a@b.c>\n",
        "TRIES=3\n",
        "TARGET=deskmail::cli::logging::journal::tests\n",
    ] {
        assert!(contains(got, line.as_bytes()), "{line:?} in {text:?}");
    }
    assert!(!text.contains("PRIORITY=crit"), "{text:?}");
}

#[test]
fn an_entry_too_big_for_a_datagram_goes_in_a_sealed_memfd() {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    use std::io::{Read as _, Seek as _};
    let (_dir, socket, journal) = listener();
    let entry: Vec<u8> = b"MESSAGE="
        .iter()
        .chain(&[b'x'; 1 << 20])
        .copied()
        .collect();
    let sender = std::thread::spawn(move || journal.send(&entry).map(|()| entry));

    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut data = [0u8; 16];
    let got = rustix::net::recvmsg(
        &socket,
        &mut [std::io::IoSliceMut::new(&mut data)],
        &mut control,
        RecvFlags::empty(),
    )
    .expect("recvmsg");
    assert_eq!(got.bytes, 0, "the datagram itself is empty");
    let fd = control
        .drain()
        .find_map(|m| match m {
            RecvAncillaryMessage::ScmRights(mut fds) => fds.next(),
            _ => None,
        })
        .expect("a file descriptor passed");
    let seals = rustix::fs::fcntl_get_seals(&fd).expect("seals");
    assert!(seals.contains(rustix::fs::SealFlags::WRITE | rustix::fs::SealFlags::GROW));
    let mut file = std::fs::File::from(fd);
    file.rewind().expect("rewind");
    let mut held = Vec::new();
    file.read_to_end(&mut held).expect("read memfd");
    let entry = sender.join().expect("sender").expect("sent");
    assert_eq!(held, entry);
}
