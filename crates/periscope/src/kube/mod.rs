//! Reaching clusters: connection pools per cluster (requests, watches) ([`connection`]) over TCP
//! or an agent tunnel ([`dialer`]) and one cached,
//! impersonating client per identity ([`factory`]), with apiserver request metrics ([`metrics`]).
//! Backend credentials beyond kubeconfig: the pod's service account ([`incluster`]) and EKS
//! tokens ([`eks`], sent by [`bearer`]). Every Kubernetes call goes through here.

pub mod bearer;
pub mod connection;
pub mod dialer;
pub mod eks;
pub mod factory;
pub mod incluster;
pub mod metrics;

pub use connection::{ClusterConnection, Pool};
pub use factory::ClientFactory;

/// The DER certificates of a PEM bundle (a cluster's certificate authority); an unreadable or
/// empty bundle is an error saying which.
pub fn ca_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let roots = CertificateDer::pem_slice_iter(pem)
        .map(|cert| cert.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM: {e}"))?;
    if roots.is_empty() {
        return Err("holds no certificate".into());
    }
    Ok(roots)
}
