//! `clusters.yaml`: the list of clusters Periscope serves, in the Go original's shape.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::{ConfigError, read_yaml};
use crate::names::check_dns1123_label;

/// How Periscope reaches a cluster's apiserver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// A kubeconfig file (and optionally one of its contexts).
    Kubeconfig,
    /// The service account of the pod Periscope runs in.
    InCluster,
    /// Amazon EKS: a token signed by the process's AWS identity (IRSA, Pod Identity, keys).
    Eks,
    /// Through an outbound agent tunnel.
    Agent,
}

impl Backend {
    fn parse(raw: &str) -> Option<Backend> {
        match raw {
            "kubeconfig" => Some(Backend::Kubeconfig),
            "in-cluster" => Some(Backend::InCluster),
            "eks" => Some(Backend::Eks),
            "agent" => Some(Backend::Agent),
            _ => None,
        }
    }

    /// The name used in configuration and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Kubeconfig => "kubeconfig",
            Backend::InCluster => "in-cluster",
            Backend::Eks => "eks",
            Backend::Agent => "agent",
        }
    }
}

/// Per-cluster exec settings (`exec:` block): each set field overrides the server's flag.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecSettings {
    #[serde(default = "default_true")]
    pub enabled: bool,
    pub server_idle_seconds: Option<i64>,
    pub idle_warn_seconds: Option<i64>,
    pub heartbeat_seconds: Option<i64>,
    pub max_session_seconds: Option<i64>,
    pub max_sessions_per_user: Option<i64>,
    pub max_sessions_total: Option<i64>,
    /// Record what users type (off by default: input can hold passwords).
    #[serde(default)]
    pub record_input: bool,
}

fn default_true() -> bool {
    true
}

/// One entry of `clusters:` as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawCluster {
    name: Option<String>,
    backend: Option<String>,
    arn: Option<String>,
    region: Option<String>,
    kubeconfig_path: Option<PathBuf>,
    kubeconfig_context: Option<String>,
    endpoint: Option<String>,
    certificate_authority_data: Option<String>,
    certificate_authority_file: Option<PathBuf>,
    environment: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    exec: Option<ExecSettings>,
}

/// Where an `eks` cluster's apiserver is and which CA signs its certificate (what
/// `aws eks describe-cluster` reports as `endpoint` and `certificateAuthority.data`).
#[derive(Debug, Clone, PartialEq)]
pub struct EksEndpoint {
    /// `https://…eks.amazonaws.com`.
    pub url: String,
    /// The CA bundle, PEM.
    pub ca_pem: Vec<u8>,
    /// The cluster's name inside its ARN: what tokens are minted for.
    pub cluster_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClustersFile {
    #[serde(default)]
    clusters: Vec<RawCluster>,
}

/// A validated cluster entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Unique DNS-1123 label used in URLs.
    pub name: String,
    pub backend: Backend,
    pub arn: Option<String>,
    pub region: Option<String>,
    pub kubeconfig_path: Option<PathBuf>,
    pub kubeconfig_context: Option<String>,
    /// Free label for fleet grouping.
    pub environment: Option<String>,
    /// Shown on the fleet page, never used for access decisions.
    pub tags: BTreeMap<String, String>,
    /// Whether pod exec is offered on this cluster.
    pub exec_enabled: bool,
    /// The cluster's exec overrides, as written.
    pub exec: Option<ExecSettings>,
    /// The `eks` backend's endpoint and CA (only that backend has one).
    pub eks: Option<EksEndpoint>,
}

/// Reads and validates a clusters file.
pub fn load(path: &Path) -> Result<Vec<ClusterConfig>, ConfigError> {
    let raw: RawClustersFile = read_yaml(path)?;
    validate(path, raw)
}

/// Parses and validates clusters-file text (used by tests and by [`load`]).
pub fn parse(path: &Path, text: &str) -> Result<Vec<ClusterConfig>, ConfigError> {
    let raw: RawClustersFile = super::parse_yaml(path, text)?;
    validate(path, raw)
}

fn validate(path: &Path, raw: RawClustersFile) -> Result<Vec<ClusterConfig>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.clusters.len());
    for (index, entry) in raw.clusters.into_iter().enumerate() {
        let name = entry.name.clone().unwrap_or_default();
        let at = format!("clusters[{index}]");
        if name.is_empty() {
            return Err(invalid(format!("{at}: name is required")));
        }
        if let Err(why) = check_dns1123_label(&name) {
            return Err(invalid(format!("{at}: name {name:?} is not a DNS-1123 label: {why}")));
        }
        if !seen.insert(name.clone()) {
            return Err(invalid(format!("{at}: duplicate cluster name {name:?}")));
        }
        let backend_raw = entry.backend.as_deref().unwrap_or("eks");
        let backend = Backend::parse(backend_raw).ok_or_else(|| {
            invalid(format!(
                "{at} ({name}): unknown backend {backend_raw:?}; expected one of kubeconfig, in-cluster, eks, agent"
            ))
        })?;
        match backend {
            Backend::Kubeconfig if entry.kubeconfig_path.is_none() => {
                return Err(invalid(format!("{at} ({name}): backend kubeconfig requires kubeconfigPath")));
            }
            _ => {}
        }
        let eks = match backend {
            Backend::Eks => {
                Some(eks_endpoint(&entry, base_dir).map_err(|why| invalid(format!("{at} ({name}): {why}")))?)
            }
            _ => None,
        };
        let kubeconfig_path = entry.kubeconfig_path.map(|p| if p.is_relative() { base_dir.join(p) } else { p });
        out.push(ClusterConfig {
            name,
            backend,
            arn: entry.arn,
            region: entry.region,
            kubeconfig_path,
            kubeconfig_context: entry.kubeconfig_context,
            environment: entry.environment.filter(|e| !e.is_empty()),
            tags: entry.tags,
            exec_enabled: entry.exec.as_ref().is_none_or(|e| e.enabled),
            exec: entry.exec,
            eks,
        });
    }
    Ok(out)
}

/// The endpoint of an `eks` entry: its ARN names the cluster, `endpoint` and one CA field say
/// how to reach it (`aws eks describe-cluster --query cluster.[endpoint,certificateAuthority]`).
fn eks_endpoint(entry: &RawCluster, base_dir: &Path) -> Result<EksEndpoint, String> {
    use base64::Engine as _;
    let arn = entry.arn.as_deref().unwrap_or_default();
    if arn.is_empty() || entry.region.as_deref().unwrap_or_default().is_empty() {
        return Err("backend eks requires arn and region".into());
    }
    let cluster_name = match arn.split_once(":cluster/") {
        Some((_, name)) if !name.is_empty() && !name.contains('/') => name.to_string(),
        _ => return Err(format!("arn {arn:?} does not name an EKS cluster")),
    };
    let url = entry.endpoint.clone().unwrap_or_default();
    if !url.starts_with("https://") || url.parse::<http::Uri>().is_err() {
        return Err(format!("backend eks requires endpoint, the cluster's https:// URL (got {url:?})"));
    }
    let ca_pem = match (&entry.certificate_authority_data, &entry.certificate_authority_file) {
        (Some(data), None) => base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| format!("certificateAuthorityData is not base64: {e}"))?,
        (None, Some(file)) => {
            let path = if file.is_relative() { base_dir.join(file) } else { file.clone() };
            std::fs::read(&path).map_err(|e| format!("cannot read certificateAuthorityFile {}: {e}", path.display()))?
        }
        _ => {
            return Err(
                "backend eks requires exactly one of certificateAuthorityData and certificateAuthorityFile".into()
            );
        }
    };
    if !String::from_utf8_lossy(&ca_pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err("the certificate authority is not a PEM certificate".into());
    }
    Ok(EksEndpoint { url, ca_pem, cluster_name })
}

/// Turns an arbitrary kubeconfig context name into a DNS-1123 label (`arn:aws:…/prod` → `arn-aws-prod`).
pub fn sanitize_label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(63).collect();
    trimmed.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<ClusterConfig>, ConfigError> {
        parse(Path::new("/etc/periscope/clusters.yaml"), text)
    }

    #[test]
    fn parses_the_go_shape() {
        let got = parse_str(
            "clusters:\n  - name: prod\n    backend: kubeconfig\n    kubeconfigPath: kc.yaml\n    kubeconfigContext: p\n    environment: production\n    tags: {team: sre}\n    exec: {enabled: false}\n  - name: local\n    backend: in-cluster\n",
        )
        .expect("valid");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].kubeconfig_path.as_deref(), Some(Path::new("/etc/periscope/kc.yaml")));
        assert!(!got[0].exec_enabled);
        assert_eq!(got[0].tags.get("team").map(String::as_str), Some("sre"));
        assert_eq!(got[1].backend, Backend::InCluster);
        assert!(got[1].exec_enabled);
    }

    #[test]
    fn empty_file_is_an_empty_registry() {
        assert!(parse_str("").expect("valid").is_empty());
        assert!(parse_str("# nothing yet\n").expect("valid").is_empty());
    }

    #[test]
    fn rejects_duplicates_with_the_name() {
        let err = parse_str("clusters:\n  - {name: a, backend: in-cluster}\n  - {name: a, backend: in-cluster}\n")
            .expect_err("duplicate");
        assert!(err.to_string().contains("duplicate cluster name \"a\""), "{err}");
    }

    #[test]
    fn rejects_unknown_backend_listing_the_known_ones() {
        let err = parse_str("clusters:\n  - {name: a, backend: docker}\n").expect_err("unknown");
        let msg = err.to_string();
        assert!(msg.contains("unknown backend \"docker\"") && msg.contains("kubeconfig, in-cluster"), "{msg}");
    }

    #[test]
    fn rejects_bad_names_and_missing_fields() {
        for (text, needle) in [
            ("clusters:\n  - {backend: in-cluster}\n", "name is required"),
            ("clusters:\n  - {name: Prod_1, backend: in-cluster}\n", "not a DNS-1123 label"),
            ("clusters:\n  - {name: a, backend: kubeconfig}\n", "requires kubeconfigPath"),
            ("clusters:\n  - {name: a}\n", "requires arn and region"),
            ("clusters:\n  - {name: a, backend: eks, arn: x, region: eu-west-1}\n", "does not name an EKS cluster"),
            (
                "clusters:\n  - {name: a, backend: eks, arn: 'arn:aws:eks:eu-west-1:1:cluster/a', region: eu-west-1}\n",
                "requires endpoint",
            ),
            (
                "clusters:\n  - {name: a, backend: eks, arn: 'arn:aws:eks:eu-west-1:1:cluster/a', region: eu-west-1, endpoint: 'https://a.example'}\n",
                "exactly one of certificateAuthorityData",
            ),
            (
                "clusters:\n  - {name: a, backend: eks, arn: 'arn:aws:eks:eu-west-1:1:cluster/a', region: eu-west-1, endpoint: 'https://a.example', certificateAuthorityData: bm90IGEgY2VydA==}\n",
                "not a PEM certificate",
            ),
            ("clusters:\n  - {name: a, backend: in-cluster, colour: red}\n", "colour"),
            ("clusters: [\n", "invalid YAML"),
        ] {
            let err = parse_str(text).expect_err(text);
            assert!(err.to_string().contains(needle), "{text:?} gave {err}");
        }
    }

    #[test]
    fn sanitizes_context_names() {
        assert_eq!(sanitize_label("arn:aws:eks:eu-west-1:123:cluster/Prod"), "arn-aws-eks-eu-west-1-123-cluster-prod");
        assert_eq!(sanitize_label("kwok-alpha"), "kwok-alpha");
        assert_eq!(sanitize_label("__x__"), "x");
        assert_eq!(sanitize_label(&"a".repeat(80)).len(), 63);
    }
}
