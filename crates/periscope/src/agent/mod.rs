//! Clusters the server cannot dial, reached through an outbound agent (`backend: agent`): the
//! agent CA (`pki.rs`), single-use registration tokens (`bootstrap.rs`), and the mTLS tunnel
//! listener with its open tunnels (`tunnel.rs`), which the client factory dials through
//! (`kube/dialer.rs`). Routes: `routes/agents.rs`. The agent binary is the `periscope-agent` crate.

pub mod bootstrap;
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
    /// Days an agent's client certificate lives.
    #[arg(long = "agent-cert-days", env = "PERISCOPE_AGENT_CERT_DAYS", default_value_t = 90)]
    pub cert_days: u64,
}

/// The agent side of the server: CA, tokens, tunnels.
pub struct Agents {
    pub ca: Option<pki::AgentCa>,
    pub tokens: bootstrap::BootstrapTokens,
    pub tunnels: Arc<tunnel::Tunnels>,
    pub cert_lifetime: std::time::Duration,
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
            Some(_) => Some(pki::AgentCa::load_or_create(&self.ca_dir)?),
            None => None,
        };
        Ok(Agents {
            ca,
            tokens: Default::default(),
            tunnels: tunnel::Tunnels::new(agent_clusters),
            cert_lifetime: std::time::Duration::from_secs(self.cert_days.max(1) * 24 * 3600),
        })
    }

    /// The names the tunnel certificate carries.
    pub fn sans(&self) -> Vec<String> {
        self.tunnel_sans.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    }
}
