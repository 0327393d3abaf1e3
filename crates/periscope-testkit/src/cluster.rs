//! The real control plane: `testenv/cluster.sh up NAME` (idempotent, locked) per cluster,
//! kubectl as the cluster admin, and per-test namespaces that clean up after themselves.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Command,
    sync::{Mutex, OnceLock},
};

use crate::{random_suffix, repo_root};

/// A running test cluster and the credentials the seeds created for it.
#[derive(Debug, Clone)]
pub struct TestCluster {
    pub name: String,
    /// The cluster's state directory (kubeconfigs live here).
    pub dir: PathBuf,
}

impl TestCluster {
    /// Kubeconfig of the cluster admin (system:masters).
    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.dir.join("admin.kubeconfig")
    }

    /// Kubeconfig of `periscope-bridge`, which may only impersonate.
    pub fn bridge_kubeconfig(&self) -> PathBuf {
        self.dir.join("bridge.kubeconfig")
    }

    /// Kubeconfig of `periscope-viewer`, bound to the built-in `view` role cluster-wide.
    pub fn viewer_kubeconfig(&self) -> PathBuf {
        self.dir.join("viewer.kubeconfig")
    }

    /// The apiserver's URL, `https://127.0.0.1:<port>` (the `apiserver` line of `ports`).
    pub fn server_url(&self) -> String {
        let ports = read(&self.dir.join("ports"));
        let port = ports.lines().find_map(|l| l.strip_prefix("apiserver=")).map(str::trim);
        // cluster.sh always writes this line; without it the state dir is not a cluster's.
        let port = port.unwrap_or_else(|| panic!("no apiserver= line in {}/ports", self.dir.display()));
        format!("https://127.0.0.1:{port}")
    }

    /// The cluster CA's certificate file (it signed the apiserver's serving certificate).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("kwok/clusters").join(&self.name).join("pki/ca.crt")
    }

    /// The cluster CA's certificate, PEM.
    pub fn ca_pem(&self) -> String {
        read(&self.ca_file())
    }

    /// The long-term AWS key (no session token) this cluster's eks-webhook accepts
    /// (`eks-webhook.json`): an EKS token signed with it for [`EksCredentials::cluster_id`]
    /// authenticates as [`EksCredentials::username`], which may only impersonate.
    pub fn eks_credentials(&self) -> EksCredentials {
        self.eks_credential(false)
    }

    /// Like [`TestCluster::eks_credentials`], but the temporary credential: its token must carry
    /// `X-Amz-Security-Token` equal to [`EksCredentials::session_token`] (as IRSA and Pod
    /// Identity credentials do).
    pub fn eks_session_credentials(&self) -> EksCredentials {
        self.eks_credential(true)
    }

    fn eks_credential(&self, with_session: bool) -> EksCredentials {
        let path = self.dir.join("eks-webhook.json");
        let config: EksWebhookConfig = serde_json::from_str(&read(&path))
            .unwrap_or_else(|e| panic!("{} is not an eks-webhook config: {e}", path.display()));
        let found = config.credentials.into_iter().find(|c| c.session_token.is_some() == with_session);
        let Some(cred) = found else {
            panic!("{} lists no credential with session token: {with_session}", path.display())
        };
        EksCredentials {
            cluster_id: config.cluster_id,
            access_key_id: cred.access_key_id,
            secret_access_key: cred.secret_access_key,
            session_token: cred.session_token,
            username: cred.username,
            groups: cred.groups,
        }
    }

    /// eks-webhook's log: one line per token decision (`allow akid=... sig=<12 hex>` or
    /// `deny akid=... reason="..."`), so a test can count the distinct tokens a server sent.
    pub fn eks_webhook_log(&self) -> PathBuf {
        self.dir.join("eks-webhook.log")
    }

    /// The kubectl built with this cluster's binaries (falls back to `kubectl` on PATH).
    pub fn kubectl_binary(&self) -> PathBuf {
        std::fs::read_to_string(self.dir.join("bin-dir"))
            .map(|bin| PathBuf::from(bin.trim()).join("kubectl"))
            .ok()
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("kubectl"))
    }

    /// Runs kubectl as the admin; panics with kubectl's output when it fails.
    pub fn kubectl(&self, args: &[&str]) -> String {
        self.kubectl_stdin(args, None)
    }

    /// Runs kubectl as the admin with `stdin` piped in (for `apply -f -`).
    pub fn kubectl_stdin(&self, args: &[&str], stdin: Option<&str>) -> String {
        kubectl(&self.kubectl_binary(), &self.admin_kubeconfig(), args, stdin)
            .unwrap_or_else(|e| panic!("kubectl {args:?} on {}: {e}", self.name))
    }
}

/// The AWS credential a cluster's eks-webhook accepts and who it is in Kubernetes.
#[derive(Clone)]
pub struct EksCredentials {
    /// The EKS cluster name a token must be signed for (header `x-k8s-aws-id`): the test cluster's name.
    pub cluster_id: String,
    /// `AKIDPERISCOPETEST<NAME in upper case>`, or `ASIA...` for the session credential.
    pub access_key_id: String,
    /// 40 random base64 characters, made when the cluster was created.
    pub secret_access_key: String,
    /// The session credential's token (~400 base64 characters with `+`, `/`, `=`); `None` for the key.
    pub session_token: Option<String>,
    /// `periscope-eks-server`, bound to the impersonate-only ClusterRole `periscope-impersonator`.
    pub username: String,
    /// Groups the webhook adds (none; the apiserver adds `system:authenticated`).
    pub groups: Vec<String>,
}

impl std::fmt::Debug for EksCredentials {
    // Without the secret: assertion messages end up in CI logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EksCredentials")
            .field("cluster_id", &self.cluster_id)
            .field("access_key_id", &self.access_key_id)
            .field("has_session_token", &self.session_token.is_some())
            .field("username", &self.username)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

/// `eks-webhook.json` as cluster.sh writes it (testenv/ekswebhook's `Config`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EksWebhookConfig {
    #[serde(rename = "clusterID")]
    cluster_id: String,
    credentials: Vec<EksWebhookCredential>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EksWebhookCredential {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    username: String,
    #[serde(default)]
    groups: Vec<String>,
}

/// Reads a file of the cluster's state dir; a missing one means the cluster is not up.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs `binary` (a kubectl) against `kubeconfig`; `Err` carries stderr.
pub fn kubectl(binary: &Path, kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(binary)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(if stdin.is_some() { std::process::Stdio::piped() } else { std::process::Stdio::null() })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin was piped").write_all(input.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// The cluster `name`, brought up (or found running) once per test process.
pub fn cluster(name: &str) -> TestCluster {
    static UP: OnceLock<Mutex<HashMap<String, TestCluster>>> = OnceLock::new();
    let map = UP.get_or_init(Default::default);
    // One test at a time brings a cluster up; the script's own lock covers other processes.
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(c) = map.get(name) {
        return c.clone();
    }
    let script = repo_root().join("testenv/cluster.sh");
    let out = Command::new(&script)
        .args(["up", name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "testenv/cluster.sh up {name} failed ({}):\n{stdout}", out.status);
    let dir = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
    assert!(dir.join("admin.kubeconfig").is_file(), "cluster.sh up {name} printed no state dir: {stdout}");
    let c = TestCluster { name: name.to_string(), dir };
    map.insert(name.to_string(), c.clone());
    c
}

/// A namespace of one test's own, deleted (without waiting) when dropped.
pub struct TestNamespace {
    pub cluster: TestCluster,
    pub name: String,
}

impl TestNamespace {
    /// Creates `t-<prefix>-<random>` in `cluster`.
    pub fn new(cluster: &TestCluster, prefix: &str) -> TestNamespace {
        let name = format!("t-{prefix}-{}", random_suffix());
        cluster.kubectl(&["create", "namespace", &name]);
        TestNamespace { cluster: cluster.clone(), name }
    }

    /// Binds `user` to the built-in ClusterRole `role` inside this namespace only.
    pub fn grant(&self, user: &str, role: &str) {
        let binding = format!("{user}-{role}");
        self.cluster.kubectl(&[
            "create",
            "rolebinding",
            &binding,
            "-n",
            &self.name,
            &format!("--clusterrole={role}"),
            &format!("--user={user}"),
        ]);
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let _ = kubectl(
            &self.cluster.kubectl_binary(),
            &self.cluster.admin_kubeconfig(),
            &["delete", "namespace", &self.name, "--wait=false"],
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The accessors read the files in the layout and format testenv/cluster.sh writes.
    #[test]
    fn reads_eks_credentials_server_and_ca_from_the_state_dir() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pki = dir.path().join("kwok/clusters/demo/pki");
        std::fs::create_dir_all(&pki).expect("pki dir");
        std::fs::write(pki.join("ca.crt"), "-----BEGIN CERTIFICATE-----\n").expect("ca");
        std::fs::write(dir.path().join("ports"), "apiserver=25892\netcd=28654\neks_webhook=20997\n").expect("ports");
        std::fs::write(
            dir.path().join("eks-webhook.json"),
            r#"{
  "clusterID": "demo",
  "credentials": [
    {"accessKeyId": "AKIDPERISCOPETESTDEMO", "secretAccessKey": "s3cr/t+", "username": "periscope-eks-server", "groups": []},
    {"accessKeyId": "ASIAPERISCOPETESTDEMO", "secretAccessKey": "t", "sessionToken": "tok/+=",
     "username": "periscope-eks-server", "groups": []}
  ]
}"#,
        )
        .expect("json");
        let cluster = TestCluster { name: "demo".into(), dir: dir.path().to_path_buf() };

        assert_eq!(cluster.server_url(), "https://127.0.0.1:25892");
        assert_eq!(cluster.ca_pem(), "-----BEGIN CERTIFICATE-----\n");
        let key = cluster.eks_credentials();
        assert!(!format!("{key:?}").contains("s3cr"), "Debug shows no secret");
        assert_eq!(
            (key.cluster_id.as_str(), key.access_key_id.as_str(), key.secret_access_key.as_str()),
            ("demo", "AKIDPERISCOPETESTDEMO", "s3cr/t+")
        );
        assert_eq!((key.username.as_str(), key.session_token, key.groups.len()), ("periscope-eks-server", None, 0));
        let session = cluster.eks_session_credentials();
        assert_eq!(session.access_key_id, "ASIAPERISCOPETESTDEMO");
        assert_eq!(session.session_token.as_deref(), Some("tok/+="));
    }
}
