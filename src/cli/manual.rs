//! What the package (and a from-source install) puts beside the binary: shell completions and
//! man pages, both made from the clap definition so they always match the commands, plus
//! deskmail.toml(5) from the README's configuration reference (`deskmail::manual`).

use super::Args;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;
use std::process::ExitCode;

/// `deskmail completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = Args::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "deskmail", &mut script);
    out!("{}", String::from_utf8_lossy(&script).trim_end());
    Ok(ExitCode::SUCCESS)
}

/// `deskmail generate-man DIR`: DIR/man1/deskmail.1, one page per command and subcommand
/// (deskmail-tickets.1, deskmail-tickets-list.1, …), and DIR/man5/deskmail.toml.5.
pub fn generate_man(dir: &Path) -> Result<ExitCode> {
    let man1 = dir.join("man1");
    let man5 = dir.join("man5");
    for d in [&man1, &man5] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut cmd = Args::command().disable_help_subcommand(true);
    cmd.build();
    let date = page_date();
    let mut written = 0;
    write_pages(&cmd, &man1, &date, &mut written)?;
    let version = env!("CARGO_PKG_VERSION");
    let page = deskmail::manual::config_page(deskmail::manual::README, version, &date)?;
    write(&man5.join("deskmail.toml.5"), page.as_bytes())?;
    out!("wrote {} pages to {}", written + 1, dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The pages' date: SOURCE_DATE_EPOCH's day when set (a package built twice is the same), else
/// today's.
fn page_date() -> String {
    let when = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now);
    when.format("%Y-%m-%d").to_string()
}

fn write_pages(cmd: &clap::Command, man1: &Path, date: &str, written: &mut usize) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, man1, date, written)?;
    }
    let man = clap_mangen::Man::new(cmd.clone())
        .date(date)
        .source(format!("deskmail {}", env!("CARGO_PKG_VERSION")))
        .manual("deskmail manual");
    let mut page = Vec::new();
    man.render(&mut page)?;
    if cmd.get_name() == "deskmail" {
        // the top page points on to the file and the rest of the documentation
        page.extend_from_slice(
            b".SH FILES\n\
              .TP\n/etc/deskmail/deskmail.toml\nthe configuration (\\fBdeskmail.toml\\fR(5))\n\
              .TP\n/var/lib/deskmail\nthe database (store.path)\n\
              .SH SEE ALSO\n\\fBdeskmail.toml\\fR(5), /usr/share/doc/deskmail/README.md\n",
        );
    }
    write(&man1.join(man.get_filename()), &page)?;
    *written += 1;
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
