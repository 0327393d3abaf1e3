//! SPKI pinning for the registration dial to a server with a self-signed certificate
//! (`--server-ca-hash sha256:<hex>`, as kubeadm pins its CA): the presented chain must contain a
//! certificate whose SubjectPublicKeyInfo hashes to the pin, and the server's certificate must
//! verify up to that certificate (for the dialled name).

use std::sync::Arc;

use rustls::{
    DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
    client::{
        WebPkiServerVerifier,
        danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    },
    crypto::CryptoProvider,
    pki_types::{CertificateDer, ServerName, UnixTime},
};
use sha2::{Digest, Sha256};

/// A pinned public key.
#[derive(Debug)]
pub struct SpkiPin {
    sha256: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl SpkiPin {
    /// Parses `sha256:<64 hex digits>`.
    pub fn parse(text: &str) -> anyhow::Result<SpkiPin> {
        let hex = text.trim().strip_prefix("sha256:").ok_or_else(|| anyhow::anyhow!("a pin is sha256:<hex>"))?;
        anyhow::ensure!(
            hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "a pin is sha256:<64 hex digits>"
        );
        let mut sha256 = [0u8; 32];
        for (i, byte) in sha256.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
        }
        Ok(SpkiPin { sha256, provider: Arc::new(rustls::crypto::ring::default_provider()) })
    }

    /// The pin of a DER certificate's public key.
    #[cfg(test)]
    pub fn of(cert: &[u8]) -> Option<String> {
        let hash = spki_sha256(cert)?;
        Some(format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    }

    /// TLS settings that trust exactly what the pin allows.
    pub fn client_config(self) -> anyhow::Result<rustls::ClientConfig> {
        let provider = self.provider.clone();
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(self))
            .with_no_client_auth())
    }
}

fn spki_sha256(der: &[u8]) -> Option<[u8; 32]> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(Sha256::digest(cert.tbs_certificate.subject_pki.raw).into())
}

impl ServerCertVerifier for SpkiPin {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .find(|c| spki_sha256(c).is_some_and(|h| h == self.sha256))
            .ok_or_else(|| Error::General("no certificate the server presented matches the pinned key".into()))?;
        if pinned == end_entity {
            return Ok(ServerCertVerified::assertion());
        }
        let mut roots = RootCertStore::empty();
        roots.add(pinned.clone().into_owned()).map_err(|e| Error::General(e.to_string()))?;
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| Error::General(e.to_string()))?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    fn ca() -> (CertificateDer<'static>, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("ca");
        (cert.der().clone(), Issuer::new(params, key))
    }

    fn leaf(issuer: &Issuer<'static, KeyPair>) -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.signed_by(&key, issuer).expect("leaf").der().clone()
    }

    fn verify(pin: &str, chain: &[CertificateDer<'static>]) -> Result<ServerCertVerified, Error> {
        let name = ServerName::try_from("localhost").expect("name");
        SpkiPin::parse(pin).expect("pin").verify_server_cert(&chain[0], &chain[1..], &name, &[], UnixTime::now())
    }

    #[test]
    fn the_pinned_ca_must_have_signed_the_servers_certificate() {
        let (ca_cert, issuer) = ca();
        let pin = SpkiPin::of(&ca_cert).expect("pin");
        let server = leaf(&issuer);
        assert!(verify(&pin, &[server.clone(), ca_cert.clone()]).is_ok());
        let (other_ca, other_issuer) = ca();
        assert!(
            verify(&SpkiPin::of(&other_ca).expect("pin"), &[server.clone(), ca_cert.clone()]).is_err(),
            "another key"
        );
        // The pinned CA in the chain, but the server's certificate signed by someone else.
        assert!(verify(&pin, &[leaf(&other_issuer), ca_cert]).is_err());
        assert!(SpkiPin::parse("sha256:zz").is_err() && SpkiPin::parse("md5:00").is_err());
    }
}
