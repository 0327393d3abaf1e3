//! The `in-cluster` backend's connection: the pod's service account as Kubernetes mounts it
//! (`token`, `ca.crt`, `namespace` in one directory) and the apiserver address from
//! `KUBERNETES_SERVICE_HOST`/`_PORT`. The directory is a setting so the same code runs outside
//! a pod in tests; the token file is re-read as the kubelet rotates it.

use std::path::Path;

/// Where Kubernetes mounts a pod's service-account credentials.
pub const DEFAULT_SERVICEACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The connection settings the service account in `dir` and the environment `lookup` describes.
pub fn config(dir: &Path, lookup: impl Fn(&str) -> Option<String>) -> Result<kube::Config, String> {
    let host = lookup("KUBERNETES_SERVICE_HOST")
        .ok_or("KUBERNETES_SERVICE_HOST is not set: the in-cluster backend only works inside a pod")?;
    let port = lookup("KUBERNETES_SERVICE_PORT").ok_or("KUBERNETES_SERVICE_PORT is not set")?;
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    let url: http::Uri =
        format!("https://{host}:{port}").parse().map_err(|e| format!("apiserver address {host}:{port}: {e}"))?;
    let token = dir.join("token");
    if !token.is_file() {
        return Err(format!("no service-account token at {}", token.display()));
    }
    let ca_path = dir.join("ca.crt");
    let ca_pem = std::fs::read(&ca_path).map_err(|e| format!("cannot read {}: {e}", ca_path.display()))?;
    let roots = super::ca_certificates(&ca_pem).map_err(|e| format!("{}: {e}", ca_path.display()))?;
    let namespace = std::fs::read_to_string(dir.join("namespace")).map(|n| n.trim().to_string()).ok();
    let mut config = kube::Config::new(url);
    config.root_cert = Some(roots);
    config.auth_info.token_file = Some(token.to_string_lossy().into_owned());
    if let Some(namespace) = namespace.filter(|n| !n.is_empty()) {
        config.default_namespace = namespace;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_pod_the_error_says_so() {
        let err = config(Path::new("/nonexistent"), |_| None).expect_err("no env");
        assert!(err.contains("only works inside a pod"), "{err}");
        let env = |name: &str| match name {
            "KUBERNETES_SERVICE_HOST" => Some("10.0.0.1".to_string()),
            "KUBERNETES_SERVICE_PORT" => Some("443".to_string()),
            _ => None,
        };
        let err = config(Path::new("/nonexistent"), env).expect_err("no token");
        assert!(err.contains("no service-account token at /nonexistent/token"), "{err}");
    }
}
