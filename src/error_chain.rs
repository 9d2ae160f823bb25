//! An error on one line with its causes: "cannot read CA file /etc/x.pem: No such file or
//! directory". Our errors keep the error they come from as their `source` instead of copying its
//! text, so whatever shows an error to a person — stderr, the log, an outbox row's last error, a
//! note to the agents — writes it with this, or the cause would be lost.

use std::error::Error;
use std::fmt;

/// Displays an error and its causes, joined by ": ".
pub struct Chain<'a>(pub &'a (dyn Error + 'a));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = self.0.to_string();
        f.write_str(&written)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            let text = c.to_string();
            // some libraries both show their cause and return it as its source: once is enough
            if !written.contains(&text) {
                write!(f, ": {text}")?;
                written.push_str(": ");
                written.push_str(&text);
            }
            cause = c.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read {path}")]
    struct Outer {
        path: &'static str,
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("IMAP server: {0}")]
    struct Repeating(#[source] std::io::Error);

    #[test]
    fn causes_follow_the_error_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let outer = Outer {
            path: "/x",
            source: io(),
        };
        assert_eq!(Chain(&outer).to_string(), "cannot read /x: no such file");
        assert_eq!(
            Chain(&Repeating(io())).to_string(),
            "IMAP server: no such file"
        );
    }
}
