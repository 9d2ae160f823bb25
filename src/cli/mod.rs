//! Command-line interface: the argument grammar and one small module per command.

/// `println!` that returns an error instead of panicking when stdout is gone (`| head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod check;
mod check_connect;
mod explain;
mod outbox;
mod preview;
mod run;
mod tickets;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use deskmail::clock::Clock;
use deskmail::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "deskmail", version, about = "Mail bot for IT service desks")]
pub struct Args {
    /// Configuration file.
    #[arg(long, global = true, env = "DESKMAIL_CONFIG", default_value = deskmail::config::DEFAULT_PATH)]
    pub config: PathBuf,
    /// Act as if it were this time (RFC 3339, e.g. 2026-11-30T09:00:00+01:00).
    #[arg(long, global = true, value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check the configuration, its passwords, database folder and templates, then exit (2 if
    /// something is wrong, 1 if a server step of --connect failed).
    CheckConfig {
        /// Also log in to the IMAP and SMTP servers and report each step.
        #[arg(long)]
        connect: bool,
    },
    /// Run the daemon: take in mail, send what is due, keep informing.
    Run {
        /// Process what is there, send what is due, then exit.
        #[arg(long)]
        once: bool,
        /// Decide and log, but change and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Look at the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Look at tickets.
    Tickets {
        #[command(subcommand)]
        command: TicketsCommand,
    },
    /// Look ahead at the progress mails.
    Schedule {
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Look at the mail templates.
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// Look at the outbox: mails waiting to be sent or failed.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Write a consistent copy of the database to FILE (safe while deskmail runs).
    Backup { file: PathBuf },
    /// Classify one stored message and say why, without changing anything.
    Explain {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// The configuration in effect, every default filled in, as TOML; passwords never shown.
    Show,
}

#[derive(Subcommand)]
pub enum TicketsCommand {
    /// Open tickets (all with --all), newest first.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        all: bool,
    },
    /// One ticket with its history and mails.
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Mails waiting or failed (all with --all), newest first.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        all: bool,
    },
    /// Release the emergency brake (outbound.max_per_hour) and let sending go on.
    Resume,
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// The timeline of progress mails that would go out.
    Preview {
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
}

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// Render a template with sample values.
    Preview {
        name: String,
        #[arg(long)]
        lang: Option<String>,
    },
}

fn parse_now(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}: write it as RFC 3339, e.g. 2026-11-30T09:00:00+01:00"))
}

/// Logs to stderr, in a form journald keeps well: no colours unless stderr is a terminal.
///
/// `-v`/`-vv`/`RUST_LOG` open up deskmail's own lines only. The libraries' debug and trace
/// output is the wire protocol itself — IMAP `LOGIN` with the password, SMTP `AUTH` in base64,
/// whole messages — so their lines stop at info whatever the filter says: no verbosity may put
/// a secret or a mail's text into a log.
pub fn logging(verbose: u8) {
    use std::io::IsTerminal;
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::{FilterExt as _, filter_fn};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
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
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(filter.and(libraries_at_info));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

pub fn load_config(args: &Args) -> Result<Config> {
    Config::load(&args.config).with_context(|| "configuration refused".to_string())
}

pub fn clock(args: &Args) -> Clock {
    args.now.map_or_else(Clock::system, Clock::starting_at)
}

pub fn dispatch(args: Args) -> Result<ExitCode> {
    let config = load_config(&args)?;
    let clock = clock(&args);
    match &args.command {
        Command::CheckConfig { connect } => check::check_config(&config, *connect),
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            out!("{}", config.show()?.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { once, dry_run } => run::run(config, *once, *dry_run, clock),
        Command::Tickets { command } => match command {
            TicketsCommand::List { json, all } => tickets::list(&config, *json, *all),
            TicketsCommand::Show { reference, json } => tickets::show(&config, reference, *json),
        },
        Command::Schedule {
            command: ScheduleCommand::Preview { days },
        } => preview::schedule(&config, clock.now(), *days),
        Command::Template {
            command: TemplateCommand::Preview { name, lang },
        } => preview::template(&config, name, lang.as_deref(), clock.now()),
        Command::Outbox { command } => match command {
            OutboxCommand::List { json, all } => outbox::list(&config, *json, *all),
            OutboxCommand::Resume => outbox::resume(&config, clock.now()),
        },
        Command::Backup { file } => {
            // read-only: a backup neither creates nor migrates the database it copies
            let store = deskmail::store::Store::open_existing(&config.store.path)?;
            store.backup(file)?;
            out!(
                "backup of {} written to {}",
                config.store.path.display(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { file, json } => explain::explain(&config, file, *json, clock.now()),
    }
}
