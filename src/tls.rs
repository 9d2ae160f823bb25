//! TLS client settings shared by IMAP and SMTP: the public web PKI roots, plus the CA file the
//! config names (a desk's own CA, or its server's own certificate, pinned: `pinned`).
//! Certificate checking stays on.

mod pinned;
mod validity;

use rustls::RootCertStore;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
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
    #[error(
        "the server's certificate is not trusted: it is not the one in {path}, nor issued by a \
         CA there or a public one (put the server's certificate, or its CA's, in ca_file)"
    )]
    NotPinned { path: PathBuf },
    #[error(
        "the server's certificate is not issued by a public CA (name its CA, or the server's \
         certificate itself, in ca_file)"
    )]
    UnknownIssuer,
    #[error("the server's certificate is refused")]
    Refused(#[source] rustls::Error),
    #[error("the server sent no certificate")]
    NoServerCertificate,
    #[error("TLS setup: handshake failed")]
    Handshake(#[source] std::io::Error),
    #[error("TLS setup")]
    Setup(#[source] rustls::Error),
    #[error("TLS setup: the certificate check")]
    Verifier(#[source] rustls::client::VerifierBuilderError),
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

/// TLS from the first byte over `tcp` (IMAPS, SMTPS, IMAP after STARTTLS), checking the
/// server's certificate for `host` against the web PKI and `ca_file`.
pub async fn connect(
    host: &str,
    ca_file: Option<&Path>,
    tcp: tokio::net::TcpStream,
) -> Result<crate::stream::NetStream, TlsError> {
    let config = client_config(ca_file)?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(server_name(host)?, tcp)
        .await
        .map_err(|e| {
            let refused = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .filter(|r| matches!(r, rustls::Error::InvalidCertificate(_)))
                .cloned();
            match refused {
                Some(r) => refusal(r, ca_file),
                None => TlsError::Handshake(e),
            }
        })?;
    Ok(crate::stream::NetStream::Tls(Box::new(stream)))
}

/// Check a chain a server presented (DER, its own certificate first) for `host`, as `connect`
/// does: for a handshake done by someone else's TLS code (lettre's STARTTLS).
pub fn verify_presented(
    host: &str,
    ca_file: Option<&Path>,
    chain: &[Vec<u8>],
) -> Result<(), TlsError> {
    let (end_entity, intermediates) = chain.split_first().ok_or(TlsError::NoServerCertificate)?;
    let intermediates: Vec<_> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    verifier(ca_file)?
        .verify_server_cert(
            &CertificateDer::from(end_entity.as_slice()),
            &intermediates,
            &server_name(host)?,
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
        .map_err(|e| refusal(e, ca_file))
}

/// A refused certificate in the config's words: with no way to a trusted root (for a
/// self-signed one webpki says "CaUsedAsEndEntity"), say where we looked.
fn refusal(e: rustls::Error, ca_file: Option<&Path>) -> TlsError {
    use rustls::CertificateError::{Other, UnknownIssuer};
    match (&e, ca_file) {
        (rustls::Error::InvalidCertificate(UnknownIssuer | Other(_)), Some(path)) => {
            TlsError::NotPinned {
                path: path.to_path_buf(),
            }
        }
        (rustls::Error::InvalidCertificate(UnknownIssuer | Other(_)), None) => {
            TlsError::UnknownIssuer
        }
        _ => TlsError::Refused(e),
    }
}

/// `host` as rustls wants it: an IP address (also in brackets) or a DNS name.
fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host.trim_matches(|c| c == '[' || c == ']').to_string();
    ServerName::try_from(bare).map_err(|source| TlsError::ServerName {
        host: host.to_string(),
        source,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The check of a server's certificate: pinned in `ca_file`, or issued by a CA there or a
/// public one.
fn verifier(ca_file: Option<&Path>) -> Result<Arc<pinned::DeskVerifier>, TlsError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let pinned = match ca_file {
        Some(path) => load_certificates(path)?,
        None => Vec::new(),
    };
    if let Some(path) = ca_file {
        for cert in &pinned {
            roots
                .add(cert.clone())
                .map_err(|source| TlsError::BadCertificate {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
    }
    let webpki =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(TlsError::Verifier)?;
    Ok(Arc::new(pinned::DeskVerifier::new(pinned, webpki)))
}

/// A rustls client configuration trusting the web PKI and `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Setup)?
        .dangerous()
        .with_custom_certificate_verifier(verifier(ca_file)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
