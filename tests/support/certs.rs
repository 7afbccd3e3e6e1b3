//! Test certificates made with rcgen: a certificate authority that a test fetcher trusts
//! (`Fetcher::builder(..).add_root_certificate(pki.ca_der())`), server certificates it
//! signs (valid, expired, for another name), and a self-signed certificate nobody trusts.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its key, as a TLS fixture server presents them.
pub struct ServerCert {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// A test certificate authority.
pub struct TestPki {
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl TestPki {
    pub fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "govwatch test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let ca_der = params.self_signed(&key).unwrap().der().clone();
        TestPki {
            ca_der,
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate, to trust in a test fetcher.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca_der.clone()
    }

    /// A valid certificate for `names` (host names or IP addresses).
    pub fn server_cert(&self, names: &[&str]) -> ServerCert {
        self.sign(params(names))
    }

    /// A certificate for `names` that expired on 2021-01-01.
    pub fn expired_cert(&self, names: &[&str]) -> ServerCert {
        let mut p = params(names);
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        self.sign(p)
    }

    fn sign(&self, params: CertificateParams) -> ServerCert {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        ServerCert {
            chain: vec![cert.der().clone(), self.ca_der.clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// A certificate for `names` that signs itself.
    pub fn self_signed_cert(names: &[&str]) -> ServerCert {
        let key = KeyPair::generate().unwrap();
        let cert = params(names).self_signed(&key).unwrap();
        ServerCert {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

fn params(names: &[&str]) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("test"));
    p
}
