//! The cluster registry: validated cluster entries, each with its prepared connection.
//! Built once at start-up from `clusters.yaml`, or from the local kubeconfig's contexts.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::agent::tunnel::Tunnels;
use crate::config::clusters::{Backend, ClusterConfig, EksEndpoint, sanitize_label};
use crate::kube::{
    ClusterConnection,
    eks::{CredentialChain, EksTokens},
    incluster,
};

/// Settings the backends read besides `clusters.yaml`.
#[derive(Debug, Clone, clap::Args)]
pub struct BackendArgs {
    /// Directory with the service account's `token`, `ca.crt` and `namespace` (in-cluster backend).
    #[arg(long = "serviceaccount-dir", env = "PERISCOPE_SERVICEACCOUNT_DIR", default_value = incluster::DEFAULT_SERVICEACCOUNT_DIR)]
    pub serviceaccount_dir: PathBuf,
}

impl Default for BackendArgs {
    fn default() -> Self {
        BackendArgs { serviceaccount_dir: PathBuf::from(incluster::DEFAULT_SERVICEACCOUNT_DIR) }
    }
}

/// Why the registry could not be built; each stops the server at start-up.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The cluster's kubeconfig, in-cluster or AWS credentials could not be loaded.
    #[error("cluster {name:?}: {message}")]
    Credentials { name: String, message: String },
    /// No clusters file and no usable local kubeconfig.
    #[error("no clusters file and no usable kubeconfig: {0}")]
    NoKubeconfig(String),
}

/// A cluster Periscope serves.
pub struct Cluster {
    /// Shared form of the name, used as part of client cache keys.
    pub name: Arc<str>,
    pub config: ClusterConfig,
    pub connection: ClusterConnection,
}

/// Every cluster, in configuration order, with lookup by name.
pub struct Registry {
    clusters: Vec<Arc<Cluster>>,
    by_name: HashMap<String, Arc<Cluster>>,
}

impl Registry {
    /// Prepares a connection for every configured cluster; `agent` clusters dial through `tunnels`,
    /// `eks` clusters sign with the process's AWS identity (found once, shared).
    pub async fn build(
        configs: Vec<ClusterConfig>,
        tunnels: &Arc<Tunnels>,
        backends: &BackendArgs,
    ) -> Result<Registry, RegistryError> {
        let mut clusters = Vec::with_capacity(configs.len());
        let mut aws: Option<Arc<CredentialChain>> = None;
        for config in configs {
            let credentials = |message: String| RegistryError::Credentials { name: config.name.clone(), message };
            let kube_config = kube_config_for(&config, backends).await?;
            let through = (config.backend == Backend::Agent).then(|| tunnels.clone());
            let eks = match (&config.eks, &config.region) {
                (Some(endpoint), Some(region)) => {
                    let chain = aws.get_or_insert_with(|| Arc::new(CredentialChain::from_env()));
                    chain.check_configured().map_err(|e| credentials(e.to_string()))?;
                    Some(Arc::new(EksTokens::new(endpoint.cluster_name.clone(), region.clone(), chain.clone())))
                }
                _ => None,
            };
            let connection = ClusterConnection::new(&config.name, kube_config, through, eks)
                .map_err(|e| credentials(e.to_string()))?;
            clusters.push(Arc::new(Cluster { name: Arc::from(config.name.as_str()), config, connection }));
        }
        let by_name = clusters.iter().map(|c| (c.config.name.clone(), c.clone())).collect();
        Ok(Registry { clusters, by_name })
    }

    /// Looks a cluster up by its URL name.
    pub fn get(&self, name: &str) -> Option<&Arc<Cluster>> {
        self.by_name.get(name)
    }

    /// All clusters in configuration order.
    pub fn all(&self) -> &[Arc<Cluster>] {
        &self.clusters
    }
}

async fn kube_config_for(config: &ClusterConfig, backends: &BackendArgs) -> Result<kube::Config, RegistryError> {
    let credentials = |message: String| RegistryError::Credentials { name: config.name.clone(), message };
    match config.backend {
        Backend::Kubeconfig => {
            // The validator guarantees the path for this backend.
            let path = config.kubeconfig_path.as_deref().unwrap_or(Path::new(""));
            let file = Kubeconfig::read_from(path)
                .map_err(|e| credentials(format!("cannot read kubeconfig {}: {e}", path.display())))?;
            let options = KubeConfigOptions { context: config.kubeconfig_context.clone(), ..Default::default() };
            kube::Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|e| credentials(format!("kubeconfig {}: {e}", path.display())))
        }
        Backend::InCluster => {
            incluster::config(&backends.serviceaccount_dir, |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
                .map_err(|e| credentials(format!("in-cluster credentials: {e}")))
        }
        // Never resolved: the dialer opens a tunnel stream instead, and the agent adds its own
        // credentials on the far side.
        Backend::Agent => format!("http://{}.agent.invalid", config.name)
            .parse()
            .map(kube::Config::new)
            .map_err(|e| credentials(format!("agent URL: {e}"))),
        Backend::Eks => match &config.eks {
            Some(endpoint) => eks_config(endpoint).map_err(|e| credentials(format!("eks endpoint: {e}"))),
            None => Err(credentials("backend eks without endpoint".into())),
        },
    }
}

/// The connection settings of an EKS endpoint; the token is added per request.
fn eks_config(endpoint: &EksEndpoint) -> Result<kube::Config, String> {
    let url: http::Uri = endpoint.url.parse().map_err(|e| format!("{}: {e}", endpoint.url))?;
    let roots = crate::kube::ca_certificates(&endpoint.ca_pem).map_err(|e| format!("certificate authority: {e}"))?;
    let mut config = kube::Config::new(url);
    config.root_cert = Some(roots);
    Ok(config)
}

/// With no clusters file: every context of `$KUBECONFIG` (first file) or `~/.kube/config`
/// becomes a `kubeconfig` cluster, named after its context (made DNS-1123 safe).
pub fn from_local_kubeconfig() -> Result<Vec<ClusterConfig>, RegistryError> {
    let path = local_kubeconfig_path().ok_or_else(|| RegistryError::NoKubeconfig("HOME is not set".into()))?;
    let file = Kubeconfig::read_from(&path)
        .map_err(|e| RegistryError::NoKubeconfig(format!("cannot read {}: {e}", path.display())))?;
    let mut out: Vec<ClusterConfig> = Vec::new();
    for context in &file.contexts {
        let name = sanitize_label(&context.name);
        if name.is_empty() || out.iter().any(|c| c.name == name) {
            tracing::warn!(context = %context.name, "skipping kubeconfig context: its name is empty or clashes once made DNS-1123 safe");
            continue;
        }
        out.push(ClusterConfig {
            name,
            backend: Backend::Kubeconfig,
            arn: None,
            region: None,
            kubeconfig_path: Some(path.clone()),
            kubeconfig_context: Some(context.name.clone()),
            environment: None,
            tags: Default::default(),
            exec_enabled: true,
            exec: None,
            eks: None,
        });
    }
    Ok(out)
}

fn local_kubeconfig_path() -> Option<std::path::PathBuf> {
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty())
        && let Some(first) = std::env::split_paths(&list).next()
    {
        return Some(first);
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".kube").join("config"))
}
