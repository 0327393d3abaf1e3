//! The Kubernetes API proxy (`/api/clusters/{c}/k8s/{*path}`): kubectl, helm and k9s reach a
//! cluster through Periscope as the signed-in user (a personal access token or the session),
//! with the same impersonation and audit trail as the console. `forward.rs` moves one request
//! (streams unbuffered, upgrades spliced); the route is `routes/proxy.rs`.

use std::time::Duration;

pub mod forward;
pub mod request_info;

/// Proxy and token flags of `periscope serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// MiB a request body through the proxy may have (`kubectl apply` of a large object).
    #[arg(long = "proxy-max-body-mb", env = "PERISCOPE_PROXY_MAX_BODY_MB", default_value_t = 8)]
    pub max_body_mb: usize,
    /// Also audit reads (get, list, watch) through the proxy, not only changes.
    #[arg(long = "proxy-audit-reads", env = "PERISCOPE_PROXY_AUDIT_READS", default_value_t = false)]
    pub audit_reads: bool,
    /// Hours a personal access token may live at most (and lives unless asked for less).
    #[arg(long = "token-max-ttl-hours", env = "PERISCOPE_TOKEN_MAX_TTL_HOURS", default_value_t = 8)]
    pub token_max_ttl_hours: u64,
}

/// What the proxy route needs to know.
#[derive(Debug, Clone, Copy)]
pub struct ProxySettings {
    pub max_body_bytes: usize,
    pub audit_reads: bool,
}

impl ProxyArgs {
    /// The proxy's settings.
    pub fn settings(&self) -> ProxySettings {
        ProxySettings { max_body_bytes: self.max_body_mb.max(1) * 1024 * 1024, audit_reads: self.audit_reads }
    }

    /// The longest token lifetime (at least an hour).
    pub fn token_max_ttl(&self) -> Duration {
        Duration::from_secs(self.token_max_ttl_hours.max(1) * 3600)
    }
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings { max_body_bytes: 8 * 1024 * 1024, audit_reads: false }
    }
}
