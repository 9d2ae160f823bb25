//! Passwords and tokens, fetched when a connection is made: from the config, a file (also
//! systemd's `$CREDENTIALS_DIRECTORY`), or a command's output (an OAuth2 token helper). Never
//! logged.

use crate::config::Secret;
use std::time::Duration;

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
    #[error("the password from {0} is empty")]
    Empty(String),
}

const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The secret's current value, without a trailing newline.
pub async fn resolve(secret: &Secret) -> Result<String, SecretError> {
    let (value, origin) = match secret {
        Secret::Password(p) => (p.clone(), "the config".to_string()),
        Secret::File(path) => {
            let text =
                tokio::fs::read_to_string(path)
                    .await
                    .map_err(|source| SecretError::File {
                        path: path.clone(),
                        source,
                    })?;
            (text, path.display().to_string())
        }
        Secret::Command(command) => (run(command).await?, format!("`{command}`")),
    };
    let value = value.trim_end_matches(['\r', '\n']).to_string();
    if value.is_empty() {
        return Err(SecretError::Empty(origin));
    }
    Ok(value)
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
}
