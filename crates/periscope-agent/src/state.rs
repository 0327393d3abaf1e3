//! The agent's identity: its key, the certificate the server's CA signed for it and that CA,
//! kept in the state directory. Without them the agent registers with its token.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

use crate::Args;

/// What the agent proves itself with.
pub struct Identity {
    key_pem: String,
    cert_pem: String,
    ca_pem: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registered {
    cert: String,
    ca_bundle: String,
    expires_at: String,
}

impl Identity {
    /// The identity in `--state-dir`, or a new one registered with `--token`.
    pub async fn load_or_register(args: &Args) -> anyhow::Result<Identity> {
        let dir = &args.state_dir;
        let read = |name: &str| std::fs::read_to_string(dir.join(name));
        if let (Ok(key_pem), Ok(cert_pem), Ok(ca_pem)) = (read("client.key"), read("client.crt"), read("ca.crt")) {
            tracing::info!(dir = %dir.display(), "using the stored agent certificate");
            return Ok(Identity { key_pem, cert_pem, ca_pem });
        }
        let token = args.token.as_deref().context("no stored certificate: a registration token (--token) is needed")?;
        let (key_pem, csr) = periscope::agent::pki::agent_csr(&args.cluster)?;
        let mut http = reqwest::Client::builder();
        if let Some(path) = &args.server_ca_file {
            for cert in reqwest::Certificate::from_pem_bundle(&std::fs::read(path)?)? {
                http = http.add_root_certificate(cert);
            }
        }
        let url = format!("{}/api/agents/register", args.server_url.trim_end_matches('/'));
        let body = serde_json::json!({ "token": token, "cluster": args.cluster, "csr": csr });
        let response = http.build()?.post(&url).json(&body).send().await.with_context(|| format!("POST {url}"))?;
        anyhow::ensure!(response.status().is_success(), "registration refused ({})", response.status());
        let registered: Registered = response.json().await?;
        std::fs::create_dir_all(dir)?;
        write_private(&dir.join("client.key"), &key_pem)?;
        std::fs::write(dir.join("client.crt"), &registered.cert)?;
        std::fs::write(dir.join("ca.crt"), &registered.ca_bundle)?;
        tracing::info!(cluster = %args.cluster, expires_at = %registered.expires_at, "registered");
        Ok(Identity { key_pem, cert_pem: registered.cert, ca_pem: registered.ca_bundle })
    }

    /// TLS to the tunnel: the server must be signed by the agent CA; the agent shows its certificate.
    pub fn tls_config(&self) -> anyhow::Result<Arc<ClientConfig>> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            roots.add(cert?)?;
        }
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.cert_pem.as_bytes()).collect::<Result<_, _>>()?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())?;
        let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?;
        Ok(Arc::new(config))
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
