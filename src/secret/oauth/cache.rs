//! One OAuth2 token per helper command for the whole process: IMAP and SMTP logins that name the
//! same `password_command` share it. It is used until shortly before it expires
//! ([`Token::usable_at`]), then the helper is run again; a token a server refused is dropped
//! so that the retry gets a fresh one. The helper runs one at a time per process.

use super::token::Token;
use crate::config::Secret;
use crate::secret::SecretError;
use chrono::Utc;
use std::collections::HashMap;
use std::sync::LazyLock;
use tokio::sync::Mutex;

/// The tokens held, by command.
pub struct Tokens {
    held: Mutex<HashMap<String, Token>>,
}

/// The process's tokens.
pub fn tokens() -> &'static Tokens {
    static TOKENS: LazyLock<Tokens> = LazyLock::new(|| Tokens {
        held: Mutex::new(HashMap::new()),
    });
    &TOKENS
}

impl Tokens {
    /// The token for `command`: the one held while it is good, else a fresh one. `section`
    /// (`inbound`, `outbound`) names the user in the log.
    pub async fn get(&self, command: &str, section: &str) -> Result<Token, SecretError> {
        let mut held = self.held.lock().await;
        if let Some(token) = held.get(command)
            && token.usable_at(Utc::now())
        {
            return Ok(token.clone());
        }
        let token = fetch(command, section).await?;
        held.insert(command.to_string(), token.clone());
        Ok(token)
    }

    /// After a server refused `refused`: a fresh token, unless another login has already
    /// replaced it.
    pub async fn fresh(
        &self,
        command: &str,
        section: &str,
        refused: &Token,
    ) -> Result<Token, SecretError> {
        let mut held = self.held.lock().await;
        if let Some(token) = held.get(command)
            && token != refused
            && token.usable_at(Utc::now())
        {
            return Ok(token.clone());
        }
        held.remove(command);
        let token = fetch(command, section).await?;
        held.insert(command.to_string(), token.clone());
        Ok(token)
    }
}

/// Run the helper and read its output.
async fn fetch(command: &str, section: &str) -> Result<Token, SecretError> {
    let output = crate::secret::resolve(&Secret::Command(command.to_string())).await?;
    let now = Utc::now();
    let token = Token::parse(&output, now).map_err(|source| SecretError::Token {
        command: command.to_string(),
        source,
    })?;
    if token.expired_at(now) {
        tracing::warn!(key = %format!("{section}.password_command"), expired_at = %token.expires_at(), expiry = %token.expiry(), "the OAuth2 token helper printed a token that has already expired; the server will refuse it");
    } else {
        tracing::info!(key = %format!("{section}.password_command"), valid_until = %token.expires_at(), expiry = %token.expiry(), "OAuth2 token fetched");
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A helper printing `json`, counting its runs in `dir/runs`.
    fn helper(dir: &std::path::Path, json: &str) -> String {
        format!(
            "echo run >> {0}/runs; cat {0}/{json}",
            dir.display(),
            json = json
        )
    }

    fn runs(dir: &std::path::Path) -> usize {
        std::fs::read_to_string(dir.join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn a_token_is_held_until_refused_or_near_its_expiry() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("hour"),
            r#"{"access_token":"a","expires_in":3600}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("gone"),
            r#"{"access_token":"b","expires_in":-1}"#,
        )
        .unwrap();
        let hour = helper(dir.path(), "hour");
        let first = tokens().get(&hour, "inbound").await.unwrap();
        let again = tokens().get(&hour, "outbound").await.unwrap();
        assert_eq!(
            (first.value(), again.value(), runs(dir.path())),
            ("a", "a", 1)
        );
        // refused: fetched afresh, once, also when two logins report the same refusal
        let fresh = tokens().fresh(&hour, "inbound", &first).await.unwrap();
        assert_eq!(runs(dir.path()), 2);
        let other = tokens().fresh(&hour, "outbound", &first).await.unwrap();
        assert_eq!((fresh, runs(dir.path())), (other, 2));
        // a token past its renewal time is never handed out again
        let gone = helper(dir.path(), "gone");
        tokens().get(&gone, "inbound").await.unwrap();
        tokens().get(&gone, "inbound").await.unwrap();
        assert_eq!(runs(dir.path()), 4);
        // output that is no token is an error naming the command, not quoting the output
        std::fs::write(dir.path().join("bad"), r#"{"error":"secret-x"}"#).unwrap();
        let e = tokens()
            .get(&helper(dir.path(), "bad"), "inbound")
            .await
            .unwrap_err();
        let text = crate::error_chain::Chain(&e).to_string();
        assert!(
            text.contains("no usable OAuth2 token") && !text.contains("secret-x"),
            "{text}"
        );
    }
}
