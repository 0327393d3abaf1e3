//! Clusters the server cannot dial, reached through an outbound agent (`backend: agent`): the
//! agent CA (`pki.rs`), single-use registration tokens (`bootstrap.rs`), and the mTLS tunnel
//! listener with its open tunnels (`tunnel.rs`), which the client factory dials through
//! (`kube/dialer.rs`). Routes: `routes/agents.rs`. The agent binary is the `periscope-agent` crate.

pub mod bootstrap;
pub mod mux;
pub mod pki;
pub mod tunnel;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

/// Agent tunnel settings of `periscope serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct AgentArgs {
    /// Where agents connect (mTLS). Required when a cluster has `backend: agent`.
    #[arg(long = "agent-listen", env = "PERISCOPE_AGENT_LISTEN_ADDR")]
    pub tunnel_listen: Option<SocketAddr>,
    /// Directory of the agent CA (`ca.crt`, `ca.key`), created on first start.
    #[arg(long = "agent-ca-dir", env = "PERISCOPE_AGENT_CA_DIR", default_value = "/var/lib/periscope/agent-ca")]
    pub ca_dir: PathBuf,
    /// Names (comma-separated host names or IPs) the tunnel listener's certificate carries:
    /// the address agents dial.
    #[arg(long = "agent-tunnel-sans", env = "PERISCOPE_AGENT_TUNNEL_SANS", default_value = "localhost,127.0.0.1")]
    pub tunnel_sans: String,
    /// How long an agent's client certificate lives (agents renew it over the tunnel after
    /// two thirds of that).
    #[arg(long = "agent-cert-lifetime", env = "PERISCOPE_AGENT_CERT_LIFETIME", default_value = "2160h", value_parser = crate::config::auth::parse_duration)]
    pub cert_lifetime: std::time::Duration,
    /// How long a registration token waits to be redeemed.
    #[arg(long = "agent-token-ttl", env = "PERISCOPE_AGENT_TOKEN_TTL", default_value = "15m", value_parser = crate::config::auth::parse_duration)]
    pub token_ttl: std::time::Duration,
}

/// The agent side of the server: CA, tokens, tunnels.
pub struct Agents {
    pub ca: Option<Arc<pki::AgentCa>>,
    pub tokens: bootstrap::BootstrapTokens,
    pub tunnels: Arc<tunnel::Tunnels>,
    pub cert_lifetime: std::time::Duration,
    pub token_ttl: std::time::Duration,
}

impl AgentArgs {
    /// The agent state for the registry's `agent` clusters; the CA is loaded (or created) only
    /// when the tunnel is on.
    pub fn agents(&self, agent_clusters: Vec<String>) -> anyhow::Result<Agents> {
        anyhow::ensure!(
            agent_clusters.is_empty() || self.tunnel_listen.is_some(),
            "clusters {agent_clusters:?} use backend agent: set --agent-listen (PERISCOPE_AGENT_LISTEN_ADDR)"
        );
        let ca = match self.tunnel_listen {
            Some(_) => Some(Arc::new(pki::AgentCa::load_or_create(&self.ca_dir)?)),
            None => None,
        };
        let cert_lifetime = self.cert_lifetime.max(std::time::Duration::from_secs(10));
        let renewer = ca.clone().map(|ca| tunnel::Renewer { ca, lifetime: cert_lifetime });
        Ok(Agents {
            ca,
            tokens: Default::default(),
            tunnels: tunnel::Tunnels::new(agent_clusters, renewer),
            cert_lifetime,
            token_ttl: self.token_ttl,
        })
    }

    /// The names the tunnel certificate carries.
    pub fn sans(&self) -> Vec<String> {
        self.tunnel_sans.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    }
}
