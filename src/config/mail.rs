//! Where mail comes from and goes to: `[inbound]` (Maildir or IMAP) and `[outbound]` (Maildir or
//! SMTP), with TLS modes and credentials. Plaintext is allowed only to a loopback host.

use super::check::in_range;
use super::raw::{RawInbound, RawOutbound};
use super::secrets::{IMAP_CREDENTIAL, SMTP_CREDENTIAL, Secret, secret};
use super::{ConfigError, invalid};
use std::path::{Path, PathBuf};

/// What to do with a source message once its decision is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// Leave it where it is; the store's bookkeeping alone prevents a second pass.
    Keep,
    /// Mark it seen (Maildir: `cur/` with the `S` flag; IMAP: `\Seen` and the `$Deskmail` keyword).
    Seen,
    /// Move it into a folder (Maildir: a sub-folder `.Name`; IMAP: a mailbox).
    Move(String),
}

/// As written in the config (`seen`, `keep`, `move:Folder`).
impl std::fmt::Display for Processed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Processed::Keep => f.write_str("keep"),
            Processed::Seen => f.write_str("seen"),
            Processed::Move(folder) => write!(f, "move:{folder}"),
        }
    }
}

/// `inbound.since`: which mail in the mailbox deskmail takes on at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Mail that arrived after deskmail first ran on this database (the default).
    FirstStart,
    /// Everything in the mailbox.
    All,
    /// Mail that arrived on or after this day (desk time zone).
    Date(chrono::NaiveDate),
}

#[derive(Debug, Clone)]
pub struct InboundSettings {
    pub kind: InboundKind,
    pub processed: Processed,
    /// Folder for mail that could not be processed.
    pub error_folder: String,
    pub max_message_bytes: usize,
    /// Polling interval (Maildir, or IMAP without IDLE).
    pub poll_seconds: u64,
    /// Which mail in the mailbox is taken on at all (`first_start`, `all`, a date).
    pub since: Since,
    /// Older mail gets no portal reply and no confirmation (0: no limit).
    pub max_age_days: u32,
}

impl InboundSettings {
    /// For log lines and `check-config`.
    pub fn describe(&self) -> String {
        match &self.kind {
            InboundKind::Maildir { path } => format!("Maildir {}", path.display()),
            InboundKind::Imap(i) => format!(
                "IMAP {}@{}:{} {} ({})",
                i.username, i.host, i.port, i.mailbox, i.tls
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub enum InboundKind {
    Maildir { path: PathBuf },
    Imap(Imap),
}

/// How a connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    /// Plain connection upgraded with STARTTLS (IMAP 143, submission 587).
    StartTls,
    /// No TLS: only to a loopback host.
    None,
}

impl TlsMode {
    /// As written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::StartTls => "starttls",
            TlsMode::None => "none",
        }
    }
}

impl std::fmt::Display for TlsMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsMode::Implicit => "implicit TLS",
            TlsMode::StartTls => "STARTTLS",
            TlsMode::None => "no TLS",
        })
    }
}

/// How deskmail logs in (`auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    /// IMAP LOGIN / SMTP AUTH PLAIN or LOGIN.
    Password,
    /// An OAuth2 bearer token from `password_command` (`auth = "xoauth2"`): SASL OAUTHBEARER
    /// where the IMAP server offers it, else XOAUTH2; SMTP always XOAUTH2.
    OAuth2,
}

impl AuthMechanism {
    /// As written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMechanism::Password => "password",
            AuthMechanism::OAuth2 => "xoauth2",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Imap {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub secret: Secret,
    pub auth: AuthMechanism,
    pub mailbox: String,
    pub ca_file: Option<PathBuf>,
    /// Use IDLE when the server offers it.
    pub idle: bool,
}

#[derive(Debug, Clone)]
pub enum Outbound {
    Maildir { path: PathBuf },
    Smtp(Smtp),
}

impl Outbound {
    /// For log lines and `check-config`.
    pub fn describe(&self) -> String {
        match self {
            Outbound::Maildir { path } => format!("Maildir {}", path.display()),
            Outbound::Smtp(s) => format!("SMTP {}:{} ({})", s.host, s.port, s.tls),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Username and secret, when the server wants AUTH.
    pub login: Option<(String, Secret)>,
    /// With a password or an OAuth2 token (then `login` holds its `password_command`).
    pub auth: AuthMechanism,
    pub ca_file: Option<PathBuf>,
    pub timeout_seconds: u64,
}

/// Is this host the machine itself? Only then may a connection go without TLS.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_matches(|c| c == '[' || c == ']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn tls_mode(key: &str, value: Option<&str>, host: &str) -> Result<TlsMode, ConfigError> {
    match value.unwrap_or("implicit") {
        "implicit" => Ok(TlsMode::Implicit),
        "starttls" => Ok(TlsMode::StartTls),
        "none" if is_loopback(host) => Ok(TlsMode::None),
        "none" => Err(invalid(
            key,
            format!("\"none\" sends the password unencrypted to {host}"),
            "use \"implicit\" or \"starttls\"; plain connections are allowed only to 127.0.0.1, ::1 or localhost",
        )),
        other => Err(invalid(
            key,
            format!("{other:?} is not a TLS mode"),
            "use \"implicit\", \"starttls\" or (loopback only) \"none\"",
        )),
    }
}

fn default_port(tls: TlsMode, implicit: u16, plain: u16) -> u16 {
    if tls == TlsMode::Implicit {
        implicit
    } else {
        plain
    }
}

fn required<'a>(key: &str, value: Option<&'a str>, fix: &str) -> Result<&'a str, ConfigError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid(key, "is missing", fix))
}

pub(super) fn inbound(
    raw: &RawInbound,
    rel: &dyn Fn(&Path) -> PathBuf,
) -> Result<InboundSettings, ConfigError> {
    let kind = match raw.kind.as_str() {
        "maildir" => {
            let path = raw.path.as_deref().ok_or_else(|| {
                invalid(
                    "inbound.path",
                    "is missing",
                    "name the Maildir folder to read (with cur/ new/ tmp/)",
                )
            })?;
            InboundKind::Maildir { path: rel(path) }
        }
        "imap" => InboundKind::Imap(imap(raw, rel)?),
        other => {
            return Err(invalid(
                "inbound.kind",
                format!("{other:?} is not a known source"),
                "use kind = \"imap\" or \"maildir\"",
            ));
        }
    };
    Ok(InboundSettings {
        kind,
        processed: processed(raw.processed.as_deref().unwrap_or("seen"))?,
        error_folder: folder_name(
            "inbound.error_folder",
            raw.error_folder.as_deref().unwrap_or("Error"),
        )?,
        max_message_bytes: in_range(
            "inbound.max_message_bytes",
            raw.max_message_bytes,
            25 * 1024 * 1024,
            1024,
            None,
            "bytes",
        )?,
        poll_seconds: in_range(
            "inbound.poll_seconds",
            raw.poll_seconds,
            30,
            1,
            Some(3600),
            "seconds",
        )?,
        since: since(raw.since.as_deref().unwrap_or("first_start"))?,
        max_age_days: raw.max_age_days.unwrap_or(7),
    })
}

fn since(value: &str) -> Result<Since, ConfigError> {
    match value {
        "first_start" => Ok(Since::FirstStart),
        "all" => Ok(Since::All),
        other => chrono::NaiveDate::parse_from_str(other, "%Y-%m-%d")
            .map(Since::Date)
            .map_err(|_| {
                invalid(
                    "inbound.since",
                    format!("{other:?} is neither \"first_start\", \"all\" nor a date"),
                    "use \"first_start\" (answer only mail that arrives after deskmail first ran), \"all\", or a day such as \"2026-12-01\"",
                )
            }),
    }
}

fn imap(raw: &RawInbound, rel: &dyn Fn(&Path) -> PathBuf) -> Result<Imap, ConfigError> {
    let host = required(
        "inbound.host",
        raw.host.as_deref(),
        "name the IMAP server, e.g. \"imap.example.org\"",
    )?;
    let tls = tls_mode("inbound.tls", raw.tls.as_deref(), host)?;
    let username = required(
        "inbound.username",
        raw.username.as_deref(),
        "give the mailbox's login name",
    )?;
    let auth = auth("inbound.auth", raw.auth.as_deref())?;
    let secret = secret(
        "inbound",
        raw.password.as_deref(),
        raw.password_file.as_deref(),
        raw.password_command.as_deref(),
        rel,
    )?
    .unwrap_or(Secret::Credential(IMAP_CREDENTIAL));
    token_helper("inbound", auth, &secret)?;
    Ok(Imap {
        host: host.to_string(),
        port: raw.port.unwrap_or(default_port(tls, 993, 143)),
        tls,
        username: username.to_string(),
        secret,
        auth,
        mailbox: raw.mailbox.clone().unwrap_or_else(|| "INBOX".into()),
        ca_file: ca_file("inbound.ca_file", raw.ca_file.as_deref(), rel)?,
        idle: raw.idle.unwrap_or(true),
    })
}

fn auth(key: &str, value: Option<&str>) -> Result<AuthMechanism, ConfigError> {
    match value.unwrap_or("password") {
        "password" | "login" | "plain" => Ok(AuthMechanism::Password),
        "xoauth2" => Ok(AuthMechanism::OAuth2),
        other => Err(invalid(
            key,
            format!("{other:?} is not a supported mechanism"),
            "use \"password\" or \"xoauth2\" (an OAuth2 token from password_command)",
        )),
    }
}

/// OAuth2 tokens expire: they come from a helper command that can fetch a fresh one.
fn token_helper(section: &str, auth: AuthMechanism, secret: &Secret) -> Result<(), ConfigError> {
    if auth == AuthMechanism::OAuth2 && !matches!(secret, Secret::Command(_)) {
        return Err(invalid(
            &format!("{section}.password_command"),
            "xoauth2 needs a fresh token before the last one expires",
            "set password_command to your OAuth2 token helper (see docs/oauth2.md), instead of \
             password or password_file",
        ));
    }
    Ok(())
}

pub(super) fn outbound(
    raw: &RawOutbound,
    rel: &dyn Fn(&Path) -> PathBuf,
) -> Result<Outbound, ConfigError> {
    match raw.kind.as_str() {
        "maildir" => {
            let path = raw.path.as_deref().ok_or_else(|| {
                invalid(
                    "outbound.path",
                    "is missing",
                    "name the Maildir folder outgoing mail is written to",
                )
            })?;
            Ok(Outbound::Maildir { path: rel(path) })
        }
        "smtp" => {
            let host = required(
                "outbound.host",
                raw.host.as_deref(),
                "name the SMTP server, e.g. \"smtp.example.org\"",
            )?;
            let tls = tls_mode("outbound.tls", raw.tls.as_deref(), host)?;
            let secret = secret(
                "outbound",
                raw.password.as_deref(),
                raw.password_file.as_deref(),
                raw.password_command.as_deref(),
                rel,
            )?;
            let login = match (raw.username.as_deref(), secret) {
                (Some(u), Some(s)) => Some((u.to_string(), s)),
                (Some(u), None) => Some((u.to_string(), Secret::Credential(SMTP_CREDENTIAL))),
                (None, None) if raw.auth.as_deref() == Some("xoauth2") => {
                    return Err(invalid(
                        "outbound.username",
                        "auth = \"xoauth2\" but no username",
                        "set username to the mailbox the token is for",
                    ));
                }
                (None, None) => None,
                (None, Some(_)) => {
                    return Err(invalid(
                        "outbound.username",
                        "a password is set but no username",
                        "set username, or remove the password",
                    ));
                }
            };
            let auth = auth("outbound.auth", raw.auth.as_deref())?;
            if let Some((_, secret)) = &login {
                token_helper("outbound", auth, secret)?;
            }
            Ok(Outbound::Smtp(Smtp {
                host: host.to_string(),
                port: raw.port.unwrap_or(default_port(tls, 465, 587)),
                tls,
                login,
                auth,
                ca_file: ca_file("outbound.ca_file", raw.ca_file.as_deref(), rel)?,
                timeout_seconds: in_range(
                    "outbound.timeout_seconds",
                    raw.timeout_seconds,
                    30,
                    1,
                    Some(600),
                    "seconds",
                )?,
            }))
        }
        other => Err(invalid(
            "outbound.kind",
            format!("{other:?} is not a known transport"),
            "use kind = \"smtp\" or \"maildir\"",
        )),
    }
}

/// The CA file, loaded here the way the connection will load it, so a file that is no PEM
/// or holds no certificate is named now rather than at the first connection.
fn ca_file(
    key: &str,
    value: Option<&Path>,
    rel: &dyn Fn(&Path) -> PathBuf,
) -> Result<Option<PathBuf>, ConfigError> {
    const FIX: &str =
        "give the PEM file of the CA that signed the server's certificate, or of that certificate";
    let Some(p) = value else { return Ok(None) };
    let path = rel(p);
    if !path.is_file() {
        return Err(invalid(
            key,
            format!("{} is not a readable file", path.display()),
            FIX,
        ));
    }
    crate::tls::load_certificates(&path).map_err(|e| invalid(key, e.to_string(), FIX))?;
    Ok(Some(path))
}

fn folder_name(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim();
    if v.is_empty() || v.contains(['/', '\\', '\r', '\n', '"']) {
        return Err(invalid(
            key,
            format!("{value:?} is not a usable folder name"),
            "use a plain name such as \"Error\" or \"Processed\"",
        ));
    }
    Ok(v.to_string())
}

fn processed(value: &str) -> Result<Processed, ConfigError> {
    match value {
        "keep" => Ok(Processed::Keep),
        "seen" => Ok(Processed::Seen),
        v => match v.strip_prefix("move:") {
            Some(folder) => Ok(Processed::Move(folder_name("inbound.processed", folder)?)),
            None => Err(invalid(
                "inbound.processed",
                format!("{value:?} is not a known way to mark mail"),
                "use \"seen\", \"keep\" or \"move:Folder\"",
            )),
        },
    }
}

impl super::Config {
    /// Every secret the config names, with its section (`inbound`, `outbound`) and whether it
    /// is a password or an OAuth2 token.
    pub fn secrets(&self) -> Vec<(&'static str, &Secret, AuthMechanism)> {
        let mut out = Vec::new();
        if let InboundKind::Imap(imap) = &self.inbound.kind {
            out.push(("inbound", &imap.secret, imap.auth));
        }
        if let Outbound::Smtp(Smtp {
            login: Some((_, secret)),
            auth,
            ..
        }) = &self.outbound
        {
            out.push(("outbound", secret, *auth));
        }
        out
    }
}
