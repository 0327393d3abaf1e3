//! The agent tunnel's own certificate authority: one ECDSA P-256 CA per installation, kept in
//! files under the agent data directory (created on first start, mode 0600), the tunnel
//! listener's serving certificate minted at each start for the configured names, and agent
//! client certificates signed from their CSRs with everything decided here (CN = the cluster,
//! clientAuth only, never a CA), whatever the CSR asked for.

use std::{net::IpAddr, path::Path, time::Duration};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use time::OffsetDateTime;

/// Why the PKI could not do something.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("agent CA files in {dir}: {message}")]
    Files { dir: String, message: String },
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("the certificate signing request is not valid: {0}")]
    BadCsr(String),
}

/// The CA, loaded or created.
pub struct AgentCa {
    /// The CA certificate, PEM (what agents and the listener trust).
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// How long agent client certificates live.
pub const CLIENT_CERT_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
/// Validity starts this far back, so a clock a little behind still accepts a fresh certificate.
const BACKDATE: Duration = Duration::from_secs(60);

/// A signed agent certificate.
#[derive(Debug, Clone)]
pub struct SignedCert {
    pub cert_pem: String,
    pub not_after: OffsetDateTime,
}

impl AgentCa {
    /// Loads `ca.crt`/`ca.key` from `dir`, creating both (and `dir`) when neither exists.
    pub fn load_or_create(dir: &Path) -> Result<AgentCa, PkiError> {
        let files = |message: String| PkiError::Files { dir: dir.display().to_string(), message };
        let (cert_path, key_path) = (dir.join("ca.crt"), dir.join("ca.key"));
        match (cert_path.is_file(), key_path.is_file()) {
            (true, true) => {
                let cert_pem = std::fs::read_to_string(&cert_path).map_err(|e| files(e.to_string()))?;
                let key_pem = std::fs::read_to_string(&key_path).map_err(|e| files(e.to_string()))?;
                let key = KeyPair::from_pem(&key_pem).map_err(|e| files(format!("ca.key: {e}")))?;
                let issuer = Issuer::from_ca_cert_pem(&cert_pem, key).map_err(|e| files(format!("ca.crt: {e}")))?;
                Ok(AgentCa { cert_pem, issuer })
            }
            (false, false) => {
                std::fs::create_dir_all(dir).map_err(|e| files(e.to_string()))?;
                let key = KeyPair::generate()?;
                let mut params = CertificateParams::default();
                params.distinguished_name = name("periscope-agent");
                params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
                params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
                let now = OffsetDateTime::now_utc();
                params.not_before = now - BACKDATE;
                params.not_after = now + Duration::from_secs(10 * 365 * 24 * 3600);
                let cert = params.self_signed(&key)?;
                write_private(&key_path, &key.serialize_pem()).map_err(|e| files(e.to_string()))?;
                std::fs::write(&cert_path, cert.pem()).map_err(|e| files(e.to_string()))?;
                Ok(AgentCa { cert_pem: cert.pem(), issuer: Issuer::new(params, key) })
            }
            _ => Err(files("one of ca.crt and ca.key is missing; restore it or remove both".into())),
        }
    }

    /// A serving certificate for the tunnel listener naming `sans` (host names or IPs), with its key.
    pub fn server_cert(&self, sans: &[String]) -> Result<(String, String), PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name("periscope-server");
        params.subject_alt_names = sans
            .iter()
            .map(|s| match s.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName(s.clone().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - BACKDATE;
        params.not_after = now + Duration::from_secs(90 * 24 * 3600);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Signs an agent's CSR (PEM) as cluster `cluster` for `lifetime`. Only the CSR's public key
    /// (and its self-signature, checked) is used.
    pub fn sign_agent(&self, csr_pem: &str, cluster: &str, lifetime: Duration) -> Result<SignedCert, PkiError> {
        let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| PkiError::BadCsr(e.to_string()))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(cluster);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - BACKDATE;
        params.not_after = now + lifetime;
        let cert = params.signed_by(&csr.public_key, &self.issuer)?;
        Ok(SignedCert { cert_pem: cert.pem(), not_after: params.not_after })
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// A key and CSR for cluster `cluster` (what an agent sends to register), PEM.
pub fn agent_csr(cluster: &str) -> Result<(String, String), PkiError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params.distinguished_name = name(cluster);
    let csr = params.serialize_request(&key)?;
    Ok((key.serialize_pem(), csr.pem()?))
}

/// The common name of a DER certificate (an agent's cluster).
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?.to_string();
    Some(cn)
}

/// The `notBefore` and `notAfter` of a PEM certificate, as Unix seconds.
pub fn validity_unix(pem: &str) -> Option<(i64, i64)> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    Some((cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_persists_and_signs_client_certificates_as_it_decides() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = AgentCa::load_or_create(dir.path()).expect("created");
        let again = AgentCa::load_or_create(dir.path()).expect("loaded");
        assert_eq!(ca.cert_pem, again.cert_pem, "the same CA after a restart");

        // A CSR asking to be a CA, for another name, gets a client certificate for the cluster.
        let key = KeyPair::generate().expect("key");
        let mut greedy = CertificateParams::new(vec!["evil.example".to_string()]).expect("params");
        greedy.distinguished_name = name("someone-else");
        greedy.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let csr = greedy.serialize_request(&key).expect("csr").pem().expect("pem");
        let signed = again.sign_agent(&csr, "beta", CLIENT_CERT_LIFETIME).expect("signed");
        let (_, pem) = x509_parser::pem::parse_x509_pem(signed.cert_pem.as_bytes()).expect("pem");
        let cert = pem.parse_x509().expect("x509");
        assert_eq!(common_name(&pem.contents).as_deref(), Some("beta"));
        assert!(!cert.is_ca(), "never a CA");
        let eku = cert.extended_key_usage().expect("eku").expect("present").value;
        assert!(eku.client_auth && !eku.server_auth);
        assert!(cert.subject_alternative_name().expect("san").is_none(), "the CSR's names are dropped");
        let (from, until) = validity_unix(&signed.cert_pem).expect("validity");
        assert_eq!(until, signed.not_after.unix_timestamp());
        assert!(until - from >= CLIENT_CERT_LIFETIME.as_secs() as i64);
        assert!(matches!(again.sign_agent("not a csr", "beta", CLIENT_CERT_LIFETIME), Err(PkiError::BadCsr(_))));
    }

    #[test]
    fn half_a_ca_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        AgentCa::load_or_create(dir.path()).expect("created");
        std::fs::remove_file(dir.path().join("ca.key")).expect("removed");
        assert!(matches!(AgentCa::load_or_create(dir.path()), Err(PkiError::Files { .. })));
    }
}
