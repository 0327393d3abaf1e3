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
