//! Command-line interface: the argument grammar and one small module per command.

/// `println!` that returns an error instead of panicking when stdout is gone (`| head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

mod check;
mod explain;
pub mod logging;
mod manual;
mod outbox;
mod preview;
mod privacy;
mod retention;
mod run;
mod status;
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
    /// Log form: auto (the journal under systemd, else text), text, json, journal.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub log_format: logging::LogFormat,
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
    /// Write a consistent copy of the database to FILE, mode 0600, or to stdout with `-`
    /// (safe while deskmail runs).
    Backup { file: PathBuf },
    /// Purge raw mail no longer needed (store.keep_raw_days) now; the daemon does it daily.
    Purge {
        /// Show what would go (counts, bytes); change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Everything held about one person, as one JSON document on stdout (GDPR/AVG).
    Export { address: String },
    /// Erase one person's address, name and mails everywhere in the database (GDPR/AVG).
    Forget {
        address: String,
        /// Show how much would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// How the desk is doing, for people and monitoring: exit 0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Classify one stored message and say why, without changing anything.
    Explain {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print the shell completion script (the package installs bash, zsh and fish's), e.g.
    /// `deskmail completions bash > /etc/bash_completion.d/deskmail`.
    Completions { shell: clap_complete::Shell },
    /// Write the man pages (man1/, man5/) into DIR; for packaging.
    #[command(hide = true)]
    GenerateMan { dir: PathBuf },
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
    /// Send a failed mail again (ID from `outbox list`), or every failed one.
    Retry {
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        id: Option<i64>,
        #[arg(long)]
        all_failed: bool,
    },
    /// Put a failed mail aside: it is not sent and no longer counts as failed.
    Dismiss { id: i64 },
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

pub fn load_config(args: &Args) -> Result<Config> {
    Config::load(&args.config).with_context(|| "configuration refused".to_string())
}

pub fn clock(args: &Args) -> Clock {
    args.now.map_or_else(Clock::system, Clock::starting_at)
}

pub fn dispatch(args: Args) -> Result<ExitCode> {
    // a monitor reads a config it cannot load as UNKNOWN (3), not as the usual 2 (CRITICAL)
    if let Command::Status { json } = args.command {
        return status::status(&args, json);
    }
    // made from the command line's definition: no config needed
    match &args.command {
        Command::Completions { shell } => return manual::completions(*shell),
        Command::GenerateMan { dir } => return manual::generate_man(dir),
        _ => {}
    }
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
            OutboxCommand::Retry { id, all_failed } => {
                outbox::retry(&config, *id, *all_failed, clock.now())
            }
            OutboxCommand::Dismiss { id } => outbox::dismiss(&config, *id),
        },
        Command::Backup { file } => retention::backup(&config, file),
        Command::Purge { dry_run, json } => retention::purge(&config, clock.now(), *dry_run, *json),
        Command::Export { address } => privacy::export(&config, address, clock.now()),
        Command::Forget { address, dry_run } => {
            privacy::forget(&config, address, *dry_run, clock.now())
        }
        Command::Explain { file, json } => explain::explain(&config, file, *json, clock.now()),
        Command::Status { json } => status::status(&args, *json),
        Command::Completions { shell } => manual::completions(*shell),
        Command::GenerateMan { dir } => manual::generate_man(dir),
    }
}
