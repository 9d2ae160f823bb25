//! What a valid config may still get wrong: settings that load but are unlikely to be meant,
//! told by `check-config` as warnings (printed, exit 0), never refused.

use super::{Config, InboundKind, Outbound, TlsMode};

/// One warning: the key it is about and what to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub key: &'static str,
    pub text: String,
}

/// Which TLS mode the well-known mail ports speak (IMAP 993/143, SMTP 465/587/25).
fn port_speaks(port: u16) -> Option<TlsMode> {
    match port {
        993 | 465 => Some(TlsMode::Implicit),
        143 | 587 | 25 => Some(TlsMode::StartTls),
        _ => None,
    }
}

fn tls_fits_port(key: &'static str, tls: TlsMode, port: u16, out: &mut Vec<Warning>) {
    let Some(speaks) = port_speaks(port) else {
        return;
    };
    if tls == TlsMode::None || tls == speaks {
        return;
    }
    out.push(Warning {
        key,
        text: format!(
            "tls = \"{}\" on port {port}, where servers use {speaks}: the connection will likely \
             hang or fail; set tls = \"{}\", or the port that goes with {tls}",
            tls.as_str(),
            speaks.as_str(),
        ),
    });
}

/// Every warning about `config`.
pub fn warnings(config: &Config) -> Vec<Warning> {
    let mut out = Vec::new();
    if let InboundKind::Imap(imap) = &config.inbound.kind {
        tls_fits_port("inbound.tls", imap.tls, imap.port, &mut out);
    }
    if let Outbound::Smtp(smtp) = &config.outbound {
        tls_fits_port("outbound.tls", smtp.tls, smtp.port, &mut out);
    }
    out
}
