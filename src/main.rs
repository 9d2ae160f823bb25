//! The `deskmail` command: parse the command line, set up logging, load the config, and hand
//! over to one of the commands in `cli/`. Exit codes: 0 ok, 1 failure, 2 bad configuration.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let sink = cli::logging::init(args.log_format, args.verbose);
    match cli::dispatch(args) {
        Ok(code) => code,
        // the reader of our output went away (`deskmail … | head`): not an error. Only our own
        // write, not a cause deep in the chain: a mail server's broken pipe is a failure.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // what a restart cannot fix: a bad config or templates, a database from a newer
            // deskmail (systemd's RestartPreventExitStatus=2 keeps it from looping)
            let config_error = e.chain().any(|c| {
                c.downcast_ref::<deskmail::config::ConfigError>().is_some()
                    || c.downcast_ref::<deskmail::compose::TemplateError>()
                        .is_some()
                    || matches!(
                        c.downcast_ref::<deskmail::store::StoreError>(),
                        Some(deskmail::store::StoreError::Newer { .. })
                    )
            });
            // with its causes, each once (anyhow's `{:#}` repeats those a library both shows and chains)
            cli::logging::fatal(sink, &deskmail::error_chain::Chain(e.as_ref()));
            ExitCode::from(if config_error { 2 } else { 1 })
        }
    }
}
