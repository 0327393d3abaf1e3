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

/// The most of helm's standard output kept for a dry run's rendered release.
const MAX_STDOUT: usize = 16 * 1024 * 1024;

/// A private directory for one helm run (its kubeconfig holds a token; charts and values files
/// go beside it), removed afterwards.
pub struct HelmJob(PathBuf);

impl HelmJob {
    /// A fresh directory readable by this process only.
    pub fn new() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("periscope-helm-{}", crate::auth::crypto::random_token(12)));
        std::fs::create_dir(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(HelmJob(dir))
    }

    /// The job's directory.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// Writes `bytes` to `name` in the job's directory, returning the path helm is given.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<String> {
        let path = self.0.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Runs `helm args…` against the proxy at `server` (`http://host:port/api/clusters/{c}/k8s`)
    /// with `token`, storing releases with `driver` (`secret` or `configmap`).
    pub async fn run(
        &self,
        binary: &PathBuf,
        server: &str,
        token: &str,
        driver: &str,
        args: &[String],
    ) -> std::io::Result<HelmRun> {
        let kubeconfig = self.0.join("kubeconfig");
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
            .env("HELM_CACHE_HOME", self.0.join("cache"))
            .env("HELM_CONFIG_HOME", self.0.join("config"))
            .env("HELM_DATA_HOME", self.0.join("data"))
            .env("HOME", &self.0)
            .current_dir(&self.0)
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
                    stdout: String::new(),
                });
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout[..output.stdout.len().min(MAX_STDOUT)]).into_owned();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        Ok(HelmRun {
            success: output.status.success(),
            output: last_bytes(text, MAX_OUTPUT).trim().to_string(),
            stdout,
        })
    }
}

impl Drop for HelmJob {
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
    /// stdout alone (a dry run's rendered release), at most [`MAX_STDOUT`] bytes.
    pub stdout: String,
}

/// The last `max` bytes of `text` (cut at a character boundary).
fn last_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let cut = text.len() - max;
        let at = (cut..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text = text.split_off(at);
    }
    text
}
