//! What is wrong with a config: it cannot be read, it is not TOML, or a value is not usable
//! (then the key, the file and line, the problem and the fix).

use super::location::{self, Location};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{}config key `{key}`: {problem}; {fix}", at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default())]
    Invalid {
        key: String,
        problem: String,
        fix: String,
        /// Where the key is written (set once the file is known).
        at: Option<Location>,
    },
}

impl ConfigError {
    /// Name the file, and the key's line in it, on a value error that does not yet.
    pub fn located(self, file: &Path, text: &str) -> ConfigError {
        match self {
            ConfigError::Invalid {
                key,
                problem,
                fix,
                at: None,
            } => ConfigError::Invalid {
                at: Some(Location {
                    file: file.to_path_buf(),
                    line: location::line_of(text, &key),
                }),
                key,
                problem,
                fix,
            },
            other => other,
        }
    }

    /// [`ConfigError::located`] for an error found after loading: the file is read again.
    pub fn located_in(self, file: &Path) -> ConfigError {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        self.located(file, &text)
    }
}

pub(super) fn invalid(
    key: &str,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        problem: problem.into(),
        fix: fix.into(),
        at: None,
    }
}
