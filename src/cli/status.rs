//! `deskmail status [--json]`: the desk's health as a monitoring plugin reports it, read from
//! the database without talking to the daemon. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN —
//! also for a configuration that cannot be read, which a monitor must not take for CRITICAL.

use super::Args;
use anyhow::Result;
use deskmail::config::Config;
use deskmail::error_chain::Chain;
use deskmail::status;
use std::process::ExitCode;

pub fn status(args: &Args, as_json: bool) -> Result<ExitCode> {
    let now = super::clock(args).now();
    let report = match Config::load(&args.config) {
        Ok(config) => {
            let report = status::probe::report(&config.status_desk(), now);
            if !as_json {
                out!(
                    "{}",
                    status::text::render(&report, config.calendar.tz()).trim_end()
                );
                return Ok(ExitCode::from(report.verdict.exit_code()));
            }
            report
        }
        Err(e) => status::unknown(
            args.config.clone(),
            now,
            format!("configuration refused: {}", Chain(&e)),
        ),
    };
    if as_json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("DESKMAIL {} - {}", report.verdict.word(), report.summary);
    }
    Ok(ExitCode::from(report.verdict.exit_code()))
}
