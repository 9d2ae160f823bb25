//! Where the log goes and in what form: natively to journald under systemd (priorities and
//! fields `journalctl` can select on), readable lines on a terminal or any other stderr, or
//! JSON lines for a log shipper (`--log-format json`).
//!
//! `-v`/`-vv`/`RUST_LOG` open up deskmail's own lines only, in every form. The libraries' debug
//! and trace output is the wire protocol itself — IMAP `LOGIN` with the password, SMTP `AUTH`
//! in base64, whole messages — so their lines stop at info whatever the filter says: no
//! verbosity may put a secret or a mail's text into a log.

mod fields;
mod journal;

use std::path::PathBuf;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// The journal when systemd connected stderr to it, else text.
    #[default]
    Auto,
    /// Readable lines on stderr.
    Text,
    /// One JSON object per line on stderr, for log shippers.
    Json,
    /// journald's native protocol, also where systemd did not set it up.
    Journal,
}

/// The form the log took: a fatal error at the end goes the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    Text,
    Json,
    Journal,
}

/// Journald's socket; `DESKMAIL_JOURNAL_SOCKET` replaces it for the tests, which listen on a
/// socket of their own.
fn journal_socket() -> PathBuf {
    std::env::var_os("DESKMAIL_JOURNAL_SOCKET")
        .map_or_else(|| journal::SOCKET.into(), PathBuf::from)
}

/// Whether systemd connected stderr to the journal: `JOURNAL_STREAM` names that stream's
/// device and inode (systemd.exec(7)), and a program whose stderr was redirected since — by a
/// shell, or as a child of the service — still has the variable but not the stream.
fn stderr_is_the_journal() -> bool {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| names_stream(&stream.to_string_lossy(), m.dev(), m.ino()))
}

/// `JOURNAL_STREAM=DEVICE:INODE`, both in decimal.
fn names_stream(value: &str, dev: u64, ino: u64) -> bool {
    value
        .split_once(':')
        .and_then(|(d, i)| Some((d.parse::<u64>().ok()?, i.parse::<u64>().ok()?)))
        == Some((dev, ino))
}

/// Sets up logging; says which form it took.
pub fn init(format: LogFormat, verbose: u8) -> Sink {
    use std::io::IsTerminal as _;
    use tracing_subscriber::filter::{FilterExt as _, filter_fn};
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let libraries_at_info = filter_fn(|meta| {
        meta.target().starts_with("deskmail") || *meta.level() <= tracing::Level::INFO
    });
    let filter = filter.and(libraries_at_info);

    let journal = match format {
        LogFormat::Journal => match journal::Journal::open(&journal_socket()) {
            Ok(journal) => Some(journal),
            Err(e) => {
                eprintln!(
                    "deskmail: no journal at {} ({e}); logging to stderr",
                    journal_socket().display()
                );
                None
            }
        },
        // under systemd with the journal gone, stderr still reaches whatever took its place
        LogFormat::Auto if stderr_is_the_journal() => {
            journal::Journal::open(&journal_socket()).ok()
        }
        LogFormat::Auto | LogFormat::Text | LogFormat::Json => None,
    };
    let (sink, layer): (Sink, Box<dyn Layer<_> + Send + Sync>) = match (journal, format) {
        (Some(journal), _) => (Sink::Journal, journal.with_filter(filter).boxed()),
        (None, LogFormat::Json) => (
            Sink::Json,
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(std::io::stderr)
                .with_filter(filter)
                .boxed(),
        ),
        (None, _) => (
            Sink::Text,
            tracing_subscriber::fmt::layer()
                .fmt_fields(fields::QuotedFields)
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_target(false)
                .with_filter(filter)
                .boxed(),
        ),
    };
    let _ = tracing_subscriber::registry().with(layer).try_init();
    sink
}

/// The error that ends deskmail: a plain line in the text form (as before), an entry at `err`
/// in the journal and one more JSON line for a shipper.
pub fn fatal(sink: Sink, error: &dyn std::fmt::Display) {
    match sink {
        Sink::Text => eprintln!("deskmail: {error}"),
        Sink::Json | Sink::Journal => tracing::error!(error = %error, "deskmail cannot go on"),
    }
}

#[cfg(test)]
mod tests {
    use super::names_stream;

    #[test]
    fn journal_stream_names_device_and_inode() {
        assert!(names_stream("64769:1234567", 64769, 1234567));
        assert!(!names_stream("64769:1234567", 64769, 7654321));
        assert!(!names_stream("64769", 64769, 1234567));
        assert!(!names_stream("", 0, 0));
        assert!(!names_stream("a:b", 0, 0));
    }
}
