//! Agent-backed servers for tests and benchmarks: a `periscope serve` with the agent tunnel on
//! (its CA directory and tunnel address chosen by the caller, so a restarted server keeps
//! both), the real `periscope-agent` process, registration tokens and the agents' status.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::{Server, ServerOptions};

/// Dev auth as root in `sre`, the admin tier (agents are managed by admins).
pub const ADMIN_AUTH: &str = "dev:\n  subject: root\n  email: root@example.test\n  groups: [\"sre\"]\nauthorization:\n  mode: tier\n  groupTiers:\n    sre: admin\n";

/// Starts `binary serve` with `clusters_yaml`, the tunnel on `tunnel` (`127.0.0.1:port`, in
/// its certificate) and the agent CA in `ca_dir`, plus `env`.
pub fn agent_server(binary: &Path, clusters_yaml: &str, ca_dir: &Path, tunnel: &str, env: &[(&str, &str)]) -> Server {
    let mut all = vec![
        ("PERISCOPE_AGENT_LISTEN_ADDR".to_string(), tunnel.to_string()),
        ("PERISCOPE_AGENT_CA_DIR".to_string(), ca_dir.to_string_lossy().into_owned()),
        ("PERISCOPE_AGENT_TUNNEL_SANS".to_string(), "127.0.0.1".to_string()),
    ];
    all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Server::start(
        binary,
        ServerOptions {
            clusters_yaml: Some(clusters_yaml.into()),
            auth_yaml: Some(ADMIN_AUTH.into()),
            env: all,
            port: None,
        },
    )
}

/// A running `periscope-agent`; killed when dropped.
pub struct AgentProcess(pub Child);

impl AgentProcess {
    /// The agent's process id (for resource measurements).
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How to start one agent.
pub struct AgentLaunch<'a> {
    pub binary: &'a Path,
    pub server: &'a Server,
    pub tunnel: &'a str,
    pub cluster: &'a str,
    pub state_dir: &'a Path,
    pub kubeconfig: &'a Path,
    /// Needed until the state directory holds a certificate.
    pub token: Option<&'a str>,
    /// More arguments (e.g. `--state-secret NAME`).
    pub extra: &'a [&'a str],
}

impl AgentLaunch<'_> {
    /// Starts the agent (its log goes to the caller's stderr).
    pub fn start(&self) -> AgentProcess {
        let mut command = Command::new(self.binary);
        command
            .args(self.extra)
            .args(["--server-url", &self.server.base_url, "--tunnel-addr", self.tunnel, "--cluster", self.cluster])
            .args(["--health-addr", "127.0.0.1:0"])
            .arg("--state-dir")
            .arg(self.state_dir)
            .arg("--kubeconfig")
            .arg(self.kubeconfig)
            .env("PERISCOPE_LOG", std::env::var("PERISCOPE_AGENT_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(token) = self.token {
            command.args(["--token", token]);
        }
        AgentProcess(command.spawn().unwrap_or_else(|e| panic!("{} does not start: {e}", self.binary.display())))
    }
}

/// A fresh single-use registration token for `cluster`.
pub async fn mint_token(server: &Server, cluster: &str) -> String {
    let response = server
        .http
        .post(server.url("/api/agents/tokens"))
        .json(&json!({ "cluster": cluster }))
        .send()
        .await
        .expect("request reaches the server");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    body["token"].as_str().unwrap_or_else(|| panic!("no token minted for {cluster}: {body}")).to_string()
}

/// Whether `agents` (a `GET /api/agents` answer) shows `cluster` connected.
fn shows_connected(agents: &Value, cluster: &str) -> bool {
    agents["agents"].as_array().is_some_and(|a| a.iter().any(|x| x["cluster"] == cluster && x["connected"] == true))
}

/// Whether `GET /api/agents` shows `cluster` connected now.
pub async fn is_connected(server: &Server, cluster: &str) -> bool {
    shows_connected(&server.get_json("/api/agents").await.1, cluster)
}

/// Waits until `GET /api/agents` shows `cluster` connected (or not); how long that took.
pub async fn wait_connected(server: &Server, cluster: &str, connected: bool, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (_, agents) = server.get_json("/api/agents").await;
        if shows_connected(&agents, cluster) == connected {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "{cluster} connected={connected} not seen within {within:?}: {agents}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
