//! The agent's identity: its key, the certificate the server's CA signed for it and that CA,
//! kept in its state store (`store.rs`). Without them the agent registers with its token.

use std::sync::Arc;

use anyhow::Context;
use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

use crate::{Args, store::StateStore};

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
    /// The identity in the state store, or a new one registered with `--token`.
    pub async fn load_or_register(args: &Args, store: &StateStore) -> anyhow::Result<Identity> {
        if let Some([key_pem, cert_pem, ca_pem]) = store.load().await? {
            let stored = Identity { key_pem, cert_pem, ca_pem, obtained: None };
            let expired = stored.validity().is_none_or(|(_, until)| until <= now_unix());
            match (expired, &args.token) {
                (false, _) => {
                    tracing::info!(store = %store.describe(), "using the stored agent certificate");
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
        if let Some(pin) = &args.server_ca_hash {
            http = http.use_preconfigured_tls(crate::pin::SpkiPin::parse(pin)?.client_config()?);
        }
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
        identity.save(store).await?;
        tracing::info!(cluster = %args.cluster, expires_at = %registered.expires_at, "registered");
        Ok(identity)
    }

    /// An identity from a renewal: the new key, the certificate signed for it, the CA bundle.
    pub fn new(key_pem: String, cert_pem: String, ca_pem: String) -> Identity {
        Identity { key_pem, cert_pem, ca_pem, obtained: Some(now_unix()) }
    }

    /// Stores the identity.
    pub async fn save(&self, store: &StateStore) -> anyhow::Result<()> {
        store.save([&self.key_pem, &self.cert_pem, &self.ca_pem]).await
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

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
