//! Runs the real `helm` binary for release writes, pointed at Periscope's own Kubernetes API
//! proxy with a short-lived token of the requesting user: impersonation, RBAC and the proxy's
//! audit rows hold for everything helm does, with no special case.

use std::{path::PathBuf, process::Stdio, time::Duration};

use tokio::process::Command;

/// The longest a helm command may run.
const HELM_TIMEOUT: Duration = Duration::from_secs(300);
/// The most of helm's output kept for the answer and the audit row.
const MAX_OUTPUT: usize = 16 * 1024;

/// Where the helm binary is: `PERISCOPE_HELM_BINARY`, else `helm` on `PATH`.
pub fn helm_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PERISCOPE_HELM_BINARY").map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| PathBuf::from(dir).join("helm")).find(|p| p.is_file())
}

/// A private directory for one helm run (its kubeconfig holds a token), removed afterwards.
struct TempHome(PathBuf);

impl TempHome {
    fn new() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("periscope-helm-{}", crate::auth::crypto::random_token(12)));
        std::fs::create_dir(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(TempHome(dir))
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a helm command ended.
#[derive(Debug)]
pub struct HelmRun {
    pub success: bool,
    /// stdout and stderr, trimmed to the last [`MAX_OUTPUT`] bytes.
    pub output: String,
}

/// Runs `helm args…` against the proxy at `server` (`http://host:port/api/clusters/{c}/k8s`)
/// with `token`, storing releases with `driver` (`secret` or `configmap`).
pub async fn run(
    binary: &PathBuf,
    server: &str,
    token: &str,
    driver: &str,
    args: &[String],
) -> std::io::Result<HelmRun> {
    let home = TempHome::new()?;
    let kubeconfig = home.path().join("kubeconfig");
    let config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n\
         current-context: c\nusers:\n- name: u\n  user:\n    token: {}\n",
        serde_json::to_string(server).unwrap_or_default(),
        serde_json::to_string(token).unwrap_or_default()
    );
    std::fs::write(&kubeconfig, config)?;
    let child = Command::new(binary)
        .args(args)
        .env_clear()
        .env("KUBECONFIG", &kubeconfig)
        .env("HELM_DRIVER", driver)
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let output = match tokio::time::timeout(HELM_TIMEOUT, child.wait_with_output()).await {
        Ok(output) => output?,
        Err(_) => {
            return Ok(HelmRun {
                success: false,
                output: format!("helm did not finish within {} s", HELM_TIMEOUT.as_secs()),
            });
        }
    };
    let mut text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if text.len() > MAX_OUTPUT {
        let cut = text.len() - MAX_OUTPUT;
        let at = (cut..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text = text.split_off(at);
    }
    Ok(HelmRun { success: output.status.success(), output: text.trim().to_string() })
}
