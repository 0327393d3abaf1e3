//! The agent tunnel against the real control plane: a server whose cluster `beta` has
//! `backend: agent` (it cannot dial it), the real `periscope-agent` process registering with a
//! single-use token and carrying every request; tokens refused when reused, expired or for
//! another cluster; a killed agent seen at once, a restarted one back with its stored certificate.

mod common;

use std::time::{Duration, Instant};

use common::{BETA_BY_AGENT, assert_agent_disconnected, get, post, server_binary, start_beta_agent};
use periscope_testkit::{
    Server, TestNamespace, cluster,
    exec::{self, Terminal},
    free_port, sse,
    tunnel::{agent_server, wait_connected},
};
use reqwest::StatusCode;
use serde_json::json;

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
    let tunnel = format!("127.0.0.1:{}", free_port());
    let server = agent_server(&server_binary(), BETA_BY_AGENT, ca_dir.path(), &tunnel, &[]);
    let list = format!("/api/clusters/beta/resources/core/v1/configmaps?namespace={}", ns.name);

    // Without an agent the cluster is unreachable, and says why.
    let (status, answer) = get(&server, &list).await;
    assert_agent_disconnected(status, &answer);
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

    let (_, minted) = post(&server, "/api/agents/tokens", &json!({"cluster": "beta"})).await;
    let token = minted["token"].as_str().expect("token").to_string();
    let state = tempfile::tempdir().expect("state");
    let agent = start_beta_agent(&server, &tunnel, state.path(), Some(&token));
    wait_connected(&server, "beta", true, Duration::from_secs(20)).await;
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
    drop(live);

    // A killed agent is seen at once; restarted with its stored certificate (no token), it is back.
    drop(agent);
    let seen = wait_connected(&server, "beta", false, Duration::from_secs(5)).await;
    // The fleet says so within 5 s (its answers are cached for a few seconds).
    let start = Instant::now();
    while fleet_state(&server).await.1 != "agent_disconnected" {
        assert!(start.elapsed() < Duration::from_secs(5), "the fleet still shows beta reachable");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // (Not the list: a snapshot younger than the freshness window still answers it.)
    let (status, answer) = get(&server, &kubectl_get).await;
    assert_agent_disconnected(status, &answer);
    let _again = start_beta_agent(&server, &tunnel, state.path(), None);
    let back = wait_connected(&server, "beta", true, Duration::from_secs(10)).await;
    let (status, _) = get(&server, &kubectl_get).await;
    assert_eq!(status, StatusCode::OK);
    eprintln!("disconnect seen in {seen:?}, back in {back:?}");
}
