//! `deskmail check-config --connect`: log in to the IMAP and SMTP servers the way the daemon
//! does (its own connect code) and print each step on its own line, ok or failed with the
//! reason. Passwords are read, never printed.

use super::Verdict;
use anyhow::Result;
use deskmail::config::{Config, InboundKind, Outbound};
use deskmail::error_chain::Chain;
use deskmail::source::imap::{self, ImapStep};
use deskmail::transport::smtp::{SmtpStep, SmtpTransport};

/// Print the steps of each server; true when every one succeeded.
pub async fn connect(config: &Config) -> Result<bool> {
    let mut all_ok = true;
    match &config.inbound.kind {
        InboundKind::Imap(cfg) => {
            out!("IMAP {}:{} ({}):", cfg.host, cfg.port, cfg.tls);
            let mut done = Vec::new();
            let result = imap::try_login(cfg, &mut |s| done.push(s.name(cfg))).await;
            let plan: Vec<String> = ImapStep::plan(cfg).iter().map(|s| s.name(cfg)).collect();
            all_ok &= report(&plan, &done, result.map_err(|e| Chain(&e).to_string()))?;
        }
        InboundKind::Maildir { path } => {
            out!(
                "inbound: Maildir {}: no server to log in to",
                path.display()
            );
        }
    }
    match &config.outbound {
        Outbound::Smtp(cfg) => {
            out!("SMTP {}:{} ({}):", cfg.host, cfg.port, cfg.tls);
            let transport = SmtpTransport::new(cfg, &config.desk.address);
            let mut done = Vec::new();
            let result = transport.try_login(&mut |s| done.push(s.name(cfg))).await;
            let plan: Vec<String> = SmtpStep::plan(cfg).iter().map(|s| s.name(cfg)).collect();
            all_ok &= report(&plan, &done, result.map_err(|e| Chain(&e).to_string()))?;
        }
        Outbound::Maildir { path } => {
            out!(
                "outbound: Maildir {}: no server to log in to",
                path.display()
            );
        }
    }
    Ok(all_ok)
}

/// One line per planned step: the ones reached are ok (named as they went: with a token, the
/// mechanism the server's offer chose), the next failed with the reason, the rest not tried.
fn report(
    plan: &[String],
    reached: &[String],
    result: std::result::Result<(), String>,
) -> Result<bool> {
    let failed = result.as_ref().err();
    let mut reason = failed;
    for (i, step) in plan.iter().enumerate() {
        if let Some(went) = reached.get(i) {
            out!("  {:<8} {went}", Verdict::Ok.label());
        } else if let Some(why) = reason.take() {
            out!("  {:<8} {step}: {why}", "failed");
        } else if failed.is_some() {
            out!("  {:<8} {step}", "-");
        }
    }
    Ok(failed.is_none())
}
