//! Certificate checking that says what is wrong with a certificate, and the per-site
//! exception that accepts a broken one while still recording the problem.
//!
//! Every client of the fetcher verifies through [`RecordingVerifier`], which delegates
//! to the normal webpki verifier (Mozilla's roots from `webpki-roots`). When that fails,
//! it names the problem ([`TlsProblem`]: expired, self-signed, name mismatch …). Normally
//! the handshake then fails with that problem inside the error, so the failure is
//! classified without reading messages. For a site with `accept_invalid_certs = true` the
//! handshake goes on and the problem is kept per server name, so every answer from that
//! server carries it (`Page::tls_problem`): the exception is visible, never silent.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore};

pub use crate::observe::TlsProblemKind;

/// A TLS problem with the words of the check that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsProblem {
    pub kind: TlsProblemKind,
    pub detail: String,
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

impl std::error::Error for TlsProblem {}

impl TlsProblem {
    /// The problem a rustls error describes.
    pub(crate) fn from_rustls(error: &rustls::Error) -> TlsProblem {
        let kind = match error {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::Other(OtherError(inner)) => {
                    if let Some(problem) = inner.downcast_ref::<TlsProblem>() {
                        return problem.clone();
                    }
                    TlsProblemKind::Other
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsProblemKind::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsProblemKind::NotYetValid
                }
                CertificateError::UnknownIssuer => TlsProblemKind::UnknownIssuer,
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsProblemKind::NameMismatch,
                _ => TlsProblemKind::Other,
            },
            _ => TlsProblemKind::Other,
        };
        TlsProblem {
            kind,
            detail: error.to_string(),
        }
    }
}

/// Problems seen per server name by a client that accepts them.
pub(crate) type SeenProblems = Arc<Mutex<HashMap<String, TlsProblem>>>;

#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    /// `Some` for a site that accepts invalid certificates: where the problems go.
    accept_into: Option<SeenProblems>,
}

impl RecordingVerifier {
    fn problem(
        &self,
        error: &rustls::Error,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> TlsProblem {
        let mut problem = TlsProblem::from_rustls(error);
        if problem.kind == TlsProblemKind::UnknownIssuer
            && self.signs_itself(end_entity, server_name, now)
        {
            problem.kind = TlsProblemKind::SelfSigned;
            problem.detail =
                "the certificate is self-signed: no trusted authority issued it".to_string();
        }
        problem
    }

    /// Whether the certificate verifies with itself as the only trusted root: then it
    /// is self-signed (whatever else is wrong with it).
    fn signs_itself(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> bool {
        let mut roots = RootCertStore::empty();
        if roots.add(end_entity.clone().into_owned()).is_err() {
            return false;
        }
        let Ok(itself) =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .build()
        else {
            return false;
        };
        match itself.verify_server_cert(end_entity, &[], server_name, &[], now) {
            Ok(_) => true,
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            )) => false,
            Err(_) => true,
        }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = server_name.to_str().into_owned();
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => {
                if let Some(seen) = &self.accept_into {
                    seen.lock().expect("tls problems lock").remove(&name);
                }
                Ok(verified)
            }
            Err(error) => {
                let problem = self.problem(&error, end_entity, server_name, now);
                match &self.accept_into {
                    Some(seen) => {
                        tracing::debug!(server = %name, %problem, "accepting an invalid certificate");
                        seen.lock()
                            .expect("tls problems lock")
                            .insert(name, problem);
                        Ok(ServerCertVerified::assertion())
                    }
                    None => Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                        OtherError(Arc::new(problem)),
                    ))),
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("a root certificate is not usable: {0}")]
    Root(rustls::Error),
    #[error("cannot build the certificate verifier: {0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
    #[error("cannot set up TLS: {0}")]
    Config(rustls::Error),
}

/// A rustls client configuration (ring provider, Mozilla roots plus `extra_roots`)
/// verifying through [`RecordingVerifier`]; with `accept_into`, invalid certificates are
/// accepted and their problems stored there.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    accept_into: Option<SeenProblems>,
) -> Result<ClientConfig, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots.add(root.clone()).map_err(TlsSetupError::Root)?;
    }
    let webpki =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()?;
    let verifier = Arc::new(RecordingVerifier {
        webpki,
        provider: provider.clone(),
        accept_into,
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsSetupError::Config)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
