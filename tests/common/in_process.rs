//! The daemon loop inside the test process: a [`Desk`]'s config and SQLite database in its
//! temporary folder, the real templates, and an in-memory source and transport whose handles
//! the test keeps. No binary, no mail server, nothing installed.

use super::{Desk, Sent, sent_from_raw};
use deskmail::clock::Clock;
use deskmail::compose::Templates;
use deskmail::config::Config;
use deskmail::daemon::{self, Engine, RunOptions, Totals};
use deskmail::shutdown::Shutdown;
use deskmail::source::Source;
use deskmail::source::memory::MemorySource;
use deskmail::store::Store;
use deskmail::transport::Transport;
use deskmail::transport::memory::MemoryTransport;

pub struct InProcess {
    pub desk: Desk,
    /// The mailbox the daemon reads: push mail here, see what was marked.
    pub mailbox: MemorySource,
    /// Where the daemon sends: see what went out, make sends fail.
    pub outgoing: MemoryTransport,
    engine: Engine,
}

impl InProcess {
    /// A daemon on a fresh desk with the base config.
    pub fn new() -> InProcess {
        InProcess::with_config("")
    }

    /// A daemon on a fresh desk with extra TOML appended to the base config.
    pub fn with_config(extra: &str) -> InProcess {
        let desk = Desk::with_config(extra);
        let (mailbox, outgoing) = (MemorySource::new(), MemoryTransport::new());
        let engine = engine(&desk, &outgoing);
        InProcess {
            desk,
            mailbox,
            outgoing,
            engine,
        }
    }

    /// A stop and a start: a new engine on the same database, source and transport (what a
    /// daemon kept in memory is gone; what it committed is not).
    pub fn restart(&mut self) {
        self.engine = engine(&self.desk, &self.outgoing);
    }

    /// Deliver a raw mail (written with `\n`) into the mailbox, in arrival order; its key.
    pub fn deliver(&self, mail: &str) -> String {
        self.mailbox.push(mail.replace('\n', "\r\n").as_bytes())
    }

    /// One pass of the loop (what `run --once` does) as if it were `now` (RFC 3339).
    pub async fn pass_at(&mut self, now: &str) -> Totals {
        let start = chrono::DateTime::parse_from_rfc3339(now).expect("an RFC 3339 time");
        let opts = RunOptions {
            once: true,
            dry_run: false,
            clock: Clock::starting_at(start.to_utc()),
        };
        let mut source = Source::Memory(self.mailbox.clone());
        daemon::run(&mut self.engine, &mut source, opts, Shutdown::never())
            .await
            .expect("the pass runs")
    }

    /// Every mail the transport accepted, parsed, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.outgoing
            .accepted()
            .into_iter()
            .map(|m| {
                let raw = String::from_utf8(m.raw).expect("our mail is UTF-8");
                sent_from_raw(std::path::Path::new(""), raw)
            })
            .collect()
    }
}

fn engine(desk: &Desk, outgoing: &MemoryTransport) -> Engine {
    let config = Config::load(&desk.config).expect("the desk's config loads");
    let templates = Templates::load(config.templates.path.as_deref()).expect("templates");
    let store = Store::open(&config.store.path).expect("the database opens");
    let key = daemon::token_key(&config, &store, chrono::Utc::now(), true)
        .expect("the signing key")
        .expect("made on first use");
    let transport = Transport::Memory(outgoing.clone());
    Engine::new(config, templates, store, transport, key)
}
