//! Passwords and tokens, fetched when a connection is made: from the config, a file (also
//! systemd's `$CREDENTIALS_DIRECTORY`), or a command's output (an OAuth2 token helper, whose
//! tokens [`oauth`] holds until they expire). Never logged. Only the commands that log in read
//! them: `run` (all at start, then at every connection) and `check-config`.

use crate::config::{AuthMechanism, Config, ConfigError, Secret};
use crate::error_chain::Chain;
use std::time::Duration;

pub mod oauth;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read password file {path}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("password command `{command}` could not run")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("password command `{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("password command `{command}` did not finish within {seconds} s")]
    Timeout { command: String, seconds: u64 },
    #[error("password command `{command}` printed no usable OAuth2 token")]
    Token {
        command: String,
        source: crate::secret::oauth::token::TokenFormatError,
    },
    #[error("the password from {0} is empty")]
    Empty(String),
    #[error(
        "no password is configured, and $CREDENTIALS_DIRECTORY (where systemd's \
         LoadCredential={0} puts it) is not set"
    )]
    NoCredentials(&'static str),
}

const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The secret's current value, without a trailing newline.
pub async fn resolve(secret: &Secret) -> Result<String, SecretError> {
    resolve_in(secret, std::env::var_os("CREDENTIALS_DIRECTORY").as_deref()).await
}

/// [`resolve`] with systemd's credentials folder given (the environment's, or a test's).
async fn resolve_in(
    secret: &Secret,
    credentials: Option<&std::ffi::OsStr>,
) -> Result<String, SecretError> {
    let (value, origin) = match secret {
        Secret::Password(p) => (p.clone(), "the config".to_string()),
        Secret::File(path) => read(path).await?,
        Secret::Command(command) => (run(command).await?, format!("`{command}`")),
        Secret::Credential(name) => {
            let dir = credentials.ok_or(SecretError::NoCredentials(name))?;
            read(&std::path::Path::new(dir).join(name)).await?
        }
    };
    let value = value.trim_end_matches(['\r', '\n']).to_string();
    if value.is_empty() {
        return Err(SecretError::Empty(origin));
    }
    Ok(value)
}

/// A password file's text, and where it came from.
async fn read(path: &std::path::Path) -> Result<(String, String), SecretError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|source| SecretError::File {
            path: path.to_path_buf(),
            source,
        })?;
    Ok((text, path.display().to_string()))
}

/// One secret the config names, and whether it could be read now.
pub struct Checked<'a> {
    /// The config key that names it, e.g. `inbound.password_file`.
    pub key: String,
    pub secret: &'a Secret,
    pub result: Result<(), SecretError>,
}

/// Read every secret the config names (the values are dropped at once). An OAuth2 token is
/// fetched into the process's token cache, so that `run`'s first logins use it.
pub async fn check_all(config: &Config) -> Vec<Checked<'_>> {
    let mut out = Vec::new();
    for (section, secret, auth) in config.secrets() {
        let result = match (auth, secret) {
            (AuthMechanism::OAuth2, Secret::Command(command)) => crate::secret::oauth::tokens()
                .get(command, section)
                .await
                .map(drop),
            _ => resolve(secret).await.map(drop),
        };
        out.push(Checked {
            key: format!("{section}.{}", secret.key()),
            secret,
            result,
        });
    }
    out
}

/// `run` at start: a secret that cannot be read stops deskmail now, with the key and the fix,
/// not at the first login in a retry loop.
pub async fn require_all(config: &Config) -> Result<(), ConfigError> {
    for checked in check_all(config).await {
        if let Err(e) = checked.result {
            return Err(ConfigError::Invalid {
                key: checked.key,
                problem: Chain(&e).to_string(),
                fix: fix(checked.secret).to_string(),
                at: None,
            }
            .located_in(&config.file));
        }
    }
    Ok(())
}

/// How to repair a secret of this kind that cannot be read.
pub fn fix(secret: &Secret) -> &'static str {
    match secret {
        Secret::Password(_) => "write the password, or name a password_file instead",
        Secret::File(_) => {
            "create the file (mode 0600, the password on one line), readable by the user \
             deskmail runs as, or fix the path"
        }
        Secret::Command(_) => {
            "make the command print the password or token; try it as the user deskmail runs as"
        }
        Secret::Credential(_) => {
            "set password_file (or password, or password_command); under systemd, pass the \
             file with LoadCredential= (see systemd/deskmail.service)"
        }
    }
}

async fn run(command: &str) -> Result<String, SecretError> {
    let child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(COMMAND_TIMEOUT, child)
        .await
        .map_err(|_| SecretError::Timeout {
            command: command.to_string(),
            seconds: COMMAND_TIMEOUT.as_secs(),
        })?
        .map_err(|source| SecretError::Spawn {
            command: command.to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(SecretError::Failed {
            command: command.to_string(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr)
                .trim()
                .chars()
                .take(300)
                .collect(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn secrets_come_from_config_file_and_command() {
        assert_eq!(resolve(&Secret::Password("pw".into())).await.unwrap(), "pw");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").unwrap();
        assert_eq!(resolve(&Secret::File(file)).await.unwrap(), "from-file");
        assert_eq!(
            resolve(&Secret::Command("echo token-123".into()))
                .await
                .unwrap(),
            "token-123"
        );
        let err = resolve(&Secret::Command("echo oops >&2; exit 3".into()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("oops"), "{err}");
        assert!(matches!(
            resolve(&Secret::Command("true".into())).await,
            Err(SecretError::Empty(_))
        ));
        assert!(matches!(
            resolve(&Secret::File(dir.path().join("missing"))).await,
            Err(SecretError::File { .. })
        ));
    }

    #[tokio::test]
    async fn a_systemd_credential_is_looked_up_only_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("imap-password"), "cred\n").unwrap();
        let secret = Secret::Credential("imap-password");
        let creds = Some(dir.path().as_os_str());
        assert_eq!(resolve_in(&secret, creds).await.unwrap(), "cred");
        assert!(matches!(
            resolve_in(&Secret::Credential("smtp-password"), creds).await,
            Err(SecretError::File { .. })
        ));
        let err = resolve_in(&secret, None).await.unwrap_err();
        assert!(matches!(err, SecretError::NoCredentials(_)), "{err}");
        assert!(err.to_string().contains("LoadCredential=imap-password"));
    }
}
