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
    /// When this process obtained the certificate (Unix seconds); `None`: read from disk.
    obtained: Option<i64>,
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
            let stored = Identity { key_pem, cert_pem, ca_pem, obtained: None };
            let expired = stored.validity().is_none_or(|(_, until)| until <= now_unix());
            match (expired, &args.token) {
                (false, _) => {
                    tracing::info!(dir = %dir.display(), "using the stored agent certificate");
                    return Ok(stored);
                }
                (true, Some(_)) => {
                    tracing::warn!("the stored certificate has expired: registering again with the token")
                }
                (true, None) => {
                    anyhow::bail!("the stored certificate has expired: a new registration token (--token) is needed")
                }
            }
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
        let identity =
            Identity { key_pem, cert_pem: registered.cert, ca_pem: registered.ca_bundle, obtained: Some(now_unix()) };
        identity.save(dir)?;
        tracing::info!(cluster = %args.cluster, expires_at = %registered.expires_at, "registered");
        Ok(identity)
    }

    /// An identity from a renewal: the new key, the certificate signed for it, the CA bundle.
    pub fn new(key_pem: String, cert_pem: String, ca_pem: String) -> Identity {
        Identity { key_pem, cert_pem, ca_pem, obtained: Some(now_unix()) }
    }

    /// Writes the identity to `dir`, each file replaced whole (a crash leaves the old or the new).
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text, private) in [
            ("client.key", &self.key_pem, true),
            ("client.crt", &self.cert_pem, false),
            ("ca.crt", &self.ca_pem, false),
        ] {
            let temp = dir.join(format!(".{name}.new"));
            write_file(&temp, text, private)?;
            std::fs::rename(&temp, dir.join(name))?;
        }
        Ok(())
    }

    /// The certificate's validity (Unix seconds).
    pub fn validity(&self) -> Option<(i64, i64)> {
        periscope::agent::pki::validity_unix(&self.cert_pem)
    }

    /// When to renew (Unix seconds): two thirds into the certificate's life, counted from when
    /// this process obtained it (its validity starts a minute early, which would make a short
    /// certificate look due at once), else from its `notBefore`.
    pub fn renewal_due(&self) -> Option<i64> {
        let (from, until) = self.validity()?;
        let start = self.obtained.unwrap_or(from).clamp(from, until);
        Some(start + (until - start) * 2 / 3)
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

fn write_file(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
