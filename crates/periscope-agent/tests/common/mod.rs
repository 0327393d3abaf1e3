//! Set-up shared by the agent's integration tests: the binaries under test, a beta agent
//! process, JSON requests to the server.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};

use periscope_testkit::{
    Server, cluster,
    tunnel::{AgentLaunch, AgentProcess},
};
use reqwest::StatusCode;
use serde_json::Value;

/// The agent binary cargo built for these tests.
pub fn agent_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_periscope-agent"))
}

/// The server binary, built beside the agent by the workspace build.
pub fn server_binary() -> PathBuf {
    agent_binary().with_file_name("periscope")
}

/// clusters.yaml with cluster `beta` behind an agent.
pub const BETA_BY_AGENT: &str = "clusters:\n  - name: beta\n    backend: agent\n";

/// Starts the agent of cluster `beta` (through its bridge identity) for `server`.
pub fn start_beta_agent(server: &Server, tunnel: &str, state: &Path, token: Option<&str>) -> AgentProcess {
    AgentLaunch {
        binary: agent_binary(),
        server,
        tunnel,
        cluster: "beta",
        state_dir: state,
        kubeconfig: &cluster("beta").bridge_kubeconfig(),
        token,
        extra: &[],
    }
    .start()
}

/// GETs `path`: the status and the JSON body (`Null` if none).
pub async fn get(server: &Server, path: &str) -> (StatusCode, Value) {
    server.get_json(path).await
}

/// POSTs `body` to `path`: the status and the JSON body (`Null` if none).
pub async fn post(server: &Server, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = server.http.post(server.url(path)).json(body).send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts `answer` is the 502 a request to an agent cluster without its agent gets.
pub fn assert_agent_disconnected(status: StatusCode, answer: &Value) {
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("agent_disconnected")), "{answer}");
}
