//! TLS client settings shared by IMAP and SMTP: the public web PKI roots, plus the CA file the
//! config names (a desk's own CA, or the tests' self-signed one). Certificate checking stays on.

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read CA file {path}")]
    CaFile {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("CA file {path} holds no certificate")]
    NoCertificate { path: PathBuf },
    #[error("CA file {path} holds a certificate that cannot be trusted")]
    BadCertificate {
        path: PathBuf,
        source: rustls::Error,
    },
    #[error("TLS setup: {host:?} is not a server name")]
    ServerName {
        host: String,
        source: rustls::pki_types::InvalidDnsNameError,
    },
    #[error("TLS setup: handshake failed")]
    Handshake(#[source] std::io::Error),
    #[error("TLS setup")]
    Setup(#[source] rustls::Error),
}

/// The certificates of a PEM file.
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|source| TlsError::CaFile {
            path: path.to_path_buf(),
            source,
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::CaFile {
            path: path.to_path_buf(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// TLS from the first byte over `tcp` (IMAPS, SMTPS), checking the server's certificate for
/// `host` against the web PKI and `ca_file`.
pub async fn connect(
    host: &str,
    ca_file: Option<&Path>,
    tcp: tokio::net::TcpStream,
) -> Result<crate::stream::NetStream, TlsError> {
    let config = client_config(ca_file)?;
    let bare = host.trim_matches(|c| c == '[' || c == ']').to_string();
    let name = ServerName::try_from(bare).map_err(|source| TlsError::ServerName {
        host: host.to_string(),
        source,
    })?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(TlsError::Handshake)?;
    Ok(crate::stream::NetStream::Tls(Box::new(stream)))
}

/// A rustls client configuration trusting the web PKI and `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        for cert in load_certificates(path)? {
            roots.add(cert).map_err(|source| TlsError::BadCertificate {
                path: path.to_path_buf(),
                source,
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Setup)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
