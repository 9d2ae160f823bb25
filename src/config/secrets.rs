//! Where the mail passwords come from (`password`, `password_file`, `password_command`, or
//! systemd's credentials): only the source is kept at load, so the commands that never log in
//! need no access to the secret itself; `crate::secret` reads it when a login needs it.

use super::{ConfigError, invalid};
use std::path::{Path, PathBuf};

/// Where a password comes from; the config holds only this. Read at every connection (and by
/// `run` and `check-config` at start), so rotated secrets and short-lived OAuth2 tokens work, and
/// the commands that never log in (`tickets`, `backup`, …) need no access to it.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Password(String),
    File(PathBuf),
    /// A command whose standard output is the secret (like mbsync's PassCmd).
    Command(String),
    /// None of the keys is set: systemd's `LoadCredential=NAME`, i.e.
    /// `$CREDENTIALS_DIRECTORY/NAME` of the process that logs in.
    Credential(&'static str),
}

// by hand: the derived one would print a password written in the config
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({self})")
    }
}

/// Where the secret comes from, never its value (for messages and `config show`).
impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Password(_) => f.write_str("written in the config file"),
            Secret::File(path) => write!(f, "from file {}", path.display()),
            Secret::Command(command) => write!(f, "from the output of `{command}`"),
            Secret::Credential(name) => write!(f, "from systemd credential {name}"),
        }
    }
}

impl Secret {
    /// The key under `[inbound]`/`[outbound]` that says where this secret comes from (the one a
    /// message about it names).
    pub fn key(&self) -> &'static str {
        match self {
            Secret::Password(_) => "password",
            Secret::File(_) | Secret::Credential(_) => "password_file",
            Secret::Command(_) => "password_command",
        }
    }
}

/// password / password_file / password_command, else systemd's `$CREDENTIALS_DIRECTORY/<name>`.
/// Only where it comes from: nothing is read here (see [`Secret`]).
pub(super) fn secret(
    section: &str,
    password: Option<&str>,
    file: Option<&Path>,
    command: Option<&str>,
    rel: &dyn Fn(&Path) -> PathBuf,
) -> Result<Option<Secret>, ConfigError> {
    let given = [password.is_some(), file.is_some(), command.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(invalid(
            &format!("{section}.password"),
            "more than one of password, password_file and password_command is set",
            "keep exactly one",
        ));
    }
    if let Some(p) = password {
        return Ok(Some(Secret::Password(p.to_string())));
    }
    if let Some(f) = file {
        return Ok(Some(Secret::File(rel(f))));
    }
    if let Some(c) = command {
        if c.trim().is_empty() {
            return Err(invalid(
                &format!("{section}.password_command"),
                "is empty",
                "give a command that prints the password or token",
            ));
        }
        return Ok(Some(Secret::Command(c.to_string())));
    }
    Ok(None)
}

/// The names `LoadCredential=` gives the passwords when the config names no other source.
pub const IMAP_CREDENTIAL: &str = "imap-password";
pub const SMTP_CREDENTIAL: &str = "smtp-password";
