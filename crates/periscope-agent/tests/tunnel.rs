//! The agent tunnel against the real control plane: a server whose cluster `beta` has
//! `backend: agent` (it cannot dial it), the real `periscope-agent` process registering with a
//! single-use token and carrying every request; tokens refused when reused, expired or for
//! another cluster; a killed agent seen at once, a restarted one back with its stored certificate.

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use common::{BETA_BY_AGENT, agent_binary, get, post, server_binary, start_beta_agent};
use periscope_testkit::{
    PodLogs, Server, TestNamespace, cluster,
    exec::{self, Terminal},
    free_port, podlogs, sse,
    tunnel::{self, AgentLaunch},
};

/// A server whose cluster `beta` is reached through an agent, its CA in `ca_dir`, with extra
/// environment; and its tunnel address.
fn agent_server(ca_dir: &Path, env: &[(&str, &str)]) -> (Server, String) {
    let address = format!("127.0.0.1:{}", free_port());
    (tunnel::agent_server(&server_binary(), BETA_BY_AGENT, ca_dir, &address, env), address)
}

async fn mint_token(server: &Server) -> String {
    tunnel::mint_token(server, "beta").await
}

async fn wait_connected(server: &Server, connected: bool, within: Duration) -> Duration {
    tunnel::wait_connected(server, "beta", connected, within).await
}
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Beta's agent as `GET /api/agents` shows it.
async fn beta_agent(server: &Server) -> Value {
    let (_, agents) = get(server, "/api/agents").await;
    agents["agents"].as_array().and_then(|a| a.iter().find(|x| x["cluster"] == "beta")).cloned().unwrap_or(Value::Null)
}

/// Beta's status in the fleet and the reason of its error (empty when none).
async fn fleet_state(server: &Server) -> (String, String) {
    let (_, fleet) = get(server, "/api/fleet").await;
    let beta = fleet["clusters"].as_array().and_then(|c| c.iter().find(|c| c["name"] == "beta")).cloned();
    let beta = beta.unwrap_or_else(|| panic!("beta in the fleet: {fleet}"));
    (beta["status"].as_str().unwrap_or("").to_string(), beta["error"]["code"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn an_agent_registers_once_and_carries_its_clusters_requests() {
    let beta = cluster("beta");
    let ns = TestNamespace::new(&beta, "agent");
    beta.kubectl(&["-n", &ns.name, "create", "configmap", "through-the-tunnel", "--from-literal=k=v"]);
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let (server, tunnel) = agent_server(ca_dir.path(), &[]);
    let list = format!("/api/clusters/beta/resources/core/v1/configmaps?namespace={}", ns.name);

    // Without an agent the cluster is unreachable, and says why.
    let (status, answer) = get(&server, &list).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("agent_disconnected")), "{answer}");
    assert_eq!(fleet_state(&server).await, ("unreachable".to_string(), "agent_disconnected".to_string()));

    // Tokens: single use, bound to their cluster, and only for agent clusters.
    let (status, minted) = post(&server, "/api/agents/tokens", &json!({"cluster": "beta"})).await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    let token = minted["token"].as_str().expect("token").to_string();
    let (status, _) = post(&server, "/api/agents/tokens", &json!({"cluster": "nope"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let csr = "-----BEGIN CERTIFICATE REQUEST-----\nMA==\n-----END CERTIFICATE REQUEST-----\n";
    let (status, refused) =
        post(&server, "/api/agents/register", &json!({"token": token, "cluster": "gamma", "csr": csr})).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("E_UNAUTHENTICATED")));
    let (status, _) =
        post(&server, "/api/agents/register", &json!({"token": token, "cluster": "beta", "csr": csr})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a token presented for another cluster is burned");

    let token = mint_token(&server).await;
    let state = tempfile::tempdir().expect("state");
    let agent = start_beta_agent(&server, &tunnel, state.path(), Some(&token));
    wait_connected(&server, true, Duration::from_secs(20)).await;
    let (status, _) =
        post(&server, "/api/agents/register", &json!({"token": token, "cluster": "beta", "csr": csr})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a used token is gone");

    // Reads, writes and access reviews travel the tunnel as the impersonated user.
    let (status, page) = get(&server, &list).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(names.contains(&"through-the-tunnel"), "{page}");
    let (status, checks) = post(
        &server,
        "/api/clusters/beta/can-i",
        &json!({"checks": [{"verb": "delete", "group": "", "resource": "configmaps", "namespace": ns.name}]}),
    )
    .await;
    assert_eq!((status, checks["results"][0]["allowed"].as_bool()), (StatusCode::OK, Some(true)), "{checks}");
    let kubectl_get = format!("/api/clusters/beta/k8s/api/v1/namespaces/{}/configmaps/through-the-tunnel", ns.name);
    let (status, object) = get(&server, &kubectl_get).await;
    assert_eq!((status, object["data"]["k"].as_str()), (StatusCode::OK, Some("v")), "{object}");

    // A live stream's deltas and an exec session (an upgraded connection) travel it too.
    let watch = server.url(&format!("/api/clusters/beta/watch/core/v1/configmaps?namespace={}", ns.name));
    let mut live = sse::open_ok(&server.http, &watch, None).await;
    let snapshot = live.expect(Duration::from_secs(20)).await;
    assert!(snapshot.data["items"].as_array().is_some_and(|i| !i.is_empty()), "{snapshot:?}");
    beta.kubectl(&["-n", &ns.name, "create", "configmap", "live-delta"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let event = live.expect(Duration::from_secs(20)).await;
        if event.event == "added" && event.data["object"]["name"] == "live-delta" {
            break;
        }
        assert!(Instant::now() < deadline, "no delta for live-delta");
    }
    exec::running_pod(&beta, &ns, "box");
    let query = format!("container=shell&command={}", exec::command_param(&["bash"]));
    let url = exec::exec_url(&server.base_url, "beta", &ns.name, "box", &query);
    let mut term = Terminal::open(&url, &server.base_url, &[]).await.expect("the terminal opens through the tunnel");
    assert!(term.hello(Duration::from_secs(20)).await, "{:?}", term.controls);
    term.send("echo tunnel-$((40+2))\n").await;
    assert!(term.output_contains(Duration::from_secs(20), "tunnel-42").await, "{}", term.text());
    drop(term);

    // An apply, and a followed log, through the tunnel too.
    let applied = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: {}\ndata:\n  via: tunnel\n",
        ns.name
    );
    let response = server
        .http
        .patch(server.url(&format!("/api/clusters/beta/resources/core/v1/configmaps/{}/applied", ns.name)))
        .header("content-type", "application/yaml")
        .body(applied)
        .send()
        .await
        .expect("apply answers");
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
    assert_eq!(beta.kubectl(&["-n", &ns.name, "get", "configmap", "applied", "-o", "jsonpath={.data.via}"]), "tunnel");
    let logs = PodLogs::create(&beta, &ns.name, "talker", &["app"]);
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: talker, namespace: {}}}\nspec:\n{}  containers: [{{name: app, image: x}}]\n",
        ns.name,
        podlogs::kwok_placement(2)
    );
    beta.kubectl_stdin(&["apply", "-f", "-"], Some(&pod));
    logs.wait_served();
    let follow = server
        .url(&format!("/api/clusters/beta/resources/core/v1/pods/{}/talker/logs?follow=true&tailLines=0", ns.name));
    let mut followed = sse::open_ok(&server.http, &follow, None).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = false;
    while !seen && Instant::now() < deadline {
        logs.append("app", "a line through the tunnel");
        if let Some(event) = followed.next(Duration::from_millis(500)).await {
            seen = event.data["l"].as_str().is_some_and(|l| l.contains("a line through the tunnel"));
        }
    }
    assert!(seen, "a followed log line came through the tunnel");
    drop(followed);

    // A killed agent is seen at once; restarted with its stored certificate (no token), it is
    // back, and an open live stream resumes without losing what changed meanwhile.
    drop(agent);
    let seen = wait_connected(&server, false, Duration::from_secs(5)).await;
    // The fleet says so within 5 s (its answers are cached for a few seconds).
    let start = Instant::now();
    while fleet_state(&server).await.1 != "agent_disconnected" {
        assert!(start.elapsed() < Duration::from_secs(5), "the fleet still shows beta reachable");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // (Not the list: a snapshot younger than the freshness window still answers it.)
    let (status, answer) = get(&server, &kubectl_get).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("agent_disconnected")), "{answer}");
    beta.kubectl(&["-n", &ns.name, "create", "configmap", "during-the-outage"]);
    let _again = start_beta_agent(&server, &tunnel, state.path(), None);
    let back = wait_connected(&server, true, Duration::from_secs(10)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let event = live.expect(Duration::from_secs(30)).await;
        let names: Vec<String> = std::iter::once(&event.data["object"])
            .chain(event.data["items"].as_array().into_iter().flatten())
            .filter_map(|o| o["name"].as_str().map(str::to_string))
            .collect();
        if names.iter().any(|n| n == "during-the-outage") {
            break;
        }
        assert!(Instant::now() < deadline, "the live stream never showed what changed during the outage");
    }
    let (status, _) = get(&server, &kubectl_get).await;
    assert_eq!(status, StatusCode::OK);
    eprintln!("disconnect seen in {seen:?}, back in {back:?}");
}

#[tokio::test]
async fn an_agent_renews_its_certificate_over_the_tunnel_without_dropping_a_request() {
    let beta = cluster("beta");
    let ns = TestNamespace::new(&beta, "agent-renew");
    beta.kubectl(&["-n", &ns.name, "create", "configmap", "steady", "--from-literal=k=v"]);
    let ca_dir = tempfile::tempdir().expect("ca dir");
    // 15 s certificates: the agent renews after 10 s.
    let (server, tunnel) = agent_server(ca_dir.path(), &[("PERISCOPE_AGENT_CERT_LIFETIME", "15s")]);
    let state = tempfile::tempdir().expect("state");
    let token = mint_token(&server).await;
    let agent = start_beta_agent(&server, &tunnel, state.path(), Some(&token));
    wait_connected(&server, true, Duration::from_secs(20)).await;
    let first = beta_agent(&server).await;
    assert_eq!(first["version"], env!("CARGO_PKG_VERSION"), "the agent said hello: {first}");
    let first_cert = std::fs::read_to_string(state.path().join("client.crt")).expect("stored certificate");

    // Requests keep flowing while the certificate is renewed.
    let path = format!("/api/clusters/beta/k8s/api/v1/namespaces/{}/configmaps/steady", ns.name);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut requests = 0;
    loop {
        let (status, body) = get(&server, &path).await;
        assert_eq!(status, StatusCode::OK, "request {requests} during renewal: {body}");
        requests += 1;
        if beta_agent(&server).await["renewedAt"].is_string() {
            break;
        }
        assert!(Instant::now() < deadline, "no renewal within 30 s: {}", beta_agent(&server).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let renewed = beta_agent(&server).await;
    assert!(renewed["certExpires"].as_i64() > first["certExpires"].as_i64(), "{first} then {renewed}");
    let stored = std::fs::read_to_string(state.path().join("client.crt")).expect("stored certificate");
    assert_ne!(stored, first_cert, "the renewed certificate is stored");
    assert!(requests > 1);
    let (_, trail) = get(&server, "/api/audit?verb=agent_renew&limit=20").await;
    let renewals: Vec<&Value> =
        trail["items"].as_array().expect("items").iter().filter(|r| r["outcome"] == "success").collect();
    assert!(!renewals.is_empty() && renewals.iter().all(|r| r["actor"]["sub"] == "agent:beta"), "{trail}");

    // Restarted, the agent connects with the renewed certificate (no token).
    drop(agent);
    wait_connected(&server, false, Duration::from_secs(5)).await;
    let agent = start_beta_agent(&server, &tunnel, state.path(), None);
    wait_connected(&server, true, Duration::from_secs(10)).await;
    drop(agent);
    wait_connected(&server, false, Duration::from_secs(5)).await;

    // Once expired, only a new token brings it back.
    let expires =
        std::fs::read_to_string(state.path().join("client.crt")).map(|pem| periscope::agent::pki::validity_unix(&pem));
    let until = expires.ok().flatten().map(|(_, until)| until).expect("validity");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    tokio::time::sleep(Duration::from_secs((until - now + 1).max(0) as u64)).await;
    let mut expired = start_beta_agent(&server, &tunnel, state.path(), None);
    let status = expired.0.wait().expect("the agent stops");
    assert!(!status.success(), "an expired certificate without a token stops the agent");
    let _agent = start_beta_agent(&server, &tunnel, state.path(), Some(&mint_token(&server).await));
    wait_connected(&server, true, Duration::from_secs(20)).await;
}

#[tokio::test]
async fn an_agent_in_the_cluster_keeps_its_identity_in_a_secret() {
    let beta = cluster("beta");
    let ns = TestNamespace::new(&beta, "agent-secret");
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let (server, tunnel) = agent_server(ca_dir.path(), &[]);
    // No state directory: what a pod would have (the directory given is never written).
    let unused = tempfile::tempdir().expect("dir");
    let secret = ["--state-secret", "periscope-agent-state", "--state-namespace", ns.name.as_str()];
    let token = mint_token(&server).await;
    let kubeconfig = beta.admin_kubeconfig();
    let launch = |token| AgentLaunch {
        binary: agent_binary(),
        server: &server,
        tunnel: &tunnel,
        cluster: "beta",
        state_dir: unused.path(),
        kubeconfig: &kubeconfig,
        token,
        extra: &secret,
    };
    let agent = launch(Some(&token)).start();
    wait_connected(&server, true, Duration::from_secs(20)).await;
    let keys = beta.kubectl(&["-n", &ns.name, "get", "secret", "periscope-agent-state", "-o", "jsonpath={.data}"]);
    for key in ["client.key", "client.crt", "ca.crt"] {
        assert!(keys.contains(key), "{key} in the Secret: {keys}");
    }
    assert!(std::fs::read_dir(unused.path()).expect("dir").next().is_none(), "nothing written to the directory");
    drop(agent);
    wait_connected(&server, false, Duration::from_secs(5)).await;
    // A new pod (no token) comes back with the identity from the Secret.
    let _agent = launch(None).start();
    wait_connected(&server, true, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn an_expired_token_issues_no_certificate() {
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let (server, _) = agent_server(ca_dir.path(), &[("PERISCOPE_AGENT_TOKEN_TTL", "1s")]);
    let (status, minted) = post(&server, "/api/agents/tokens", &json!({"cluster": "beta"})).await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    // The condition is the token's age: wait until its stated expiry has passed.
    let expires: jiff::Timestamp = minted["expiresAt"].as_str().and_then(|t| t.parse().ok()).expect("expiresAt");
    while jiff::Timestamp::now() <= expires {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, csr) = periscope::agent::pki::agent_csr("beta").expect("csr");
    let body = json!({"token": minted["token"], "cluster": "beta", "csr": csr});
    let (status, answer) = post(&server, "/api/agents/register", &body).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("E_UNAUTHENTICATED")), "{answer}");
    assert!(answer.get("cert").is_none());
    // A fresh token with the same CSR works: the refusal was the token's age.
    let (_, minted) = post(&server, "/api/agents/tokens", &json!({"cluster": "beta"})).await;
    let body = json!({"token": minted["token"], "cluster": "beta", "csr": csr});
    let (status, answer) = post(&server, "/api/agents/register", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["cert"].as_str().is_some_and(|c| c.contains("BEGIN CERTIFICATE")));
}
