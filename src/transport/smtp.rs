//! SMTP submission with lettre: STARTTLS, implicit TLS, or plain to loopback; AUTH when
//! configured; pooled connections reused across mails. The secret is read when the transport
//! is built, and the transport is rebuilt after an authentication failure, so a rotated password
//! or a fresh OAuth2 token is picked up.

use super::SendError;
use crate::config::{Smtp, TlsMode};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

pub struct SmtpTransport {
    cfg: Smtp,
    sender: String,
    inner: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

/// SMTP replies that mean our login is wrong: the mails are fine, so they wait, not fail.
fn is_auth_failure(e: &lettre::transport::smtp::Error) -> bool {
    e.status()
        .is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535" | "538"))
}

impl SmtpTransport {
    pub fn new(cfg: &Smtp, sender: &str) -> SmtpTransport {
        SmtpTransport {
            cfg: cfg.clone(),
            sender: sender.to_string(),
            inner: None,
        }
    }

    pub fn describe(&self) -> String {
        format!("SMTP {}:{}", self.cfg.host, self.cfg.port)
    }

    fn error(&self, message: String, transient: bool) -> SendError {
        SendError::Smtp {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
            message,
            transient,
        }
    }

    async fn build(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        let host = self
            .cfg
            .host
            .trim_matches(|c| c == '[' || c == ']')
            .to_string();
        let tls_params = || -> Result<TlsParameters, SendError> {
            let mut b = TlsParameters::builder(host.clone());
            if let Some(path) = &self.cfg.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    self.error(format!("cannot read CA file {}: {e}", path.display()), true)
                })?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| self.error(format!("CA file {}: {e}", path.display()), true))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| self.error(format!("TLS setup: {e}"), true))
        };
        let tls = match self.cfg.tls {
            TlsMode::Implicit => Tls::Wrapper(tls_params()?),
            TlsMode::StartTls => Tls::Required(tls_params()?),
            TlsMode::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(self.cfg.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(self.cfg.timeout_seconds)));
        if let Some((user, secret)) = &self.cfg.login {
            let password = crate::secret::resolve(secret)
                .await
                .map_err(|e| self.error(format!("SMTP password: {e}"), true))?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(builder.build())
    }

    pub async fn send(&mut self, recipients: &[String], raw: &[u8]) -> Result<(), SendError> {
        let from = self
            .sender
            .parse()
            .map_err(|e| self.error(format!("desk address {:?}: {e}", self.sender), false))?;
        let to = recipients
            .iter()
            .map(|r| r.parse())
            .collect::<Result<Vec<lettre::Address>, _>>()
            .map_err(|e| self.error(format!("recipient: {e}"), false))?;
        let envelope = Envelope::new(Some(from), to)
            .map_err(|e| self.error(format!("envelope: {e}"), false))?;
        if self.inner.is_none() {
            self.inner = Some(self.build().await?);
        }
        let Some(transport) = self.inner.as_ref() else {
            return Err(self.error("no transport".into(), true));
        };
        match transport.send_raw(&envelope, raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let auth = is_auth_failure(&e);
                if auth || !e.is_permanent() {
                    // a fresh connection (and secret) next time
                    self.inner = None;
                }
                let transient = auth || !e.is_permanent();
                Err(self.error(e.to_string(), transient))
            }
        }
    }

    /// Close pooled connections (on shutdown).
    pub async fn close(&mut self) {
        if let Some(t) = self.inner.take() {
            t.shutdown().await;
        }
    }
}
