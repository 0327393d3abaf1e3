//! The fleet view against real apiservers: a cluster stopped mid-test turns `unreachable`
//! while the others stay reachable, and a cluster that never answers costs at most the budget.

mod common;

use std::time::{Duration, Instant};

use common::*;
use periscope_testkit::{Server, ServerOptions, cluster, repo_root};
use reqwest::StatusCode;
use serde_json::Value;

/// The server's total fleet budget (routes/fleet.rs) plus a margin for the HTTP round trip.
const BUDGET_WITH_MARGIN: Duration = Duration::from_secs(5 + 1);

fn entry<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["clusters"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("cluster {name} in the fleet: {body}"))
}

async fn timed_fleet(server: &Server) -> (Value, Duration) {
    let started = Instant::now();
    let (status, body) = server.get_json("/api/fleet").await;
    let elapsed = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(elapsed < BUDGET_WITH_MARGIN, "fleet took {elapsed:?}");
    (body, elapsed)
}

fn admin_server(clusters_yaml: String) -> Server {
    Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(clusters_yaml),
            auth_yaml: Some(dev_auth("fleet-admin", &["sre"], TIER_AUTHZ)),
            env: vec![],
            port: None,
        },
    )
}

#[tokio::test]
async fn a_cluster_stopped_mid_test_turns_unreachable() {
    let alpha = cluster("alpha");
    // Our own cluster: stopping alpha or beta would break everyone else's tests.
    let doomed = cluster("fleetstop");
    let server = admin_server(format!(
        "clusters:\n{}{}    environment: scratch\n",
        kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()),
        kubeconfig_entry("fleetstop", &doomed.bridge_kubeconfig())
    ));

    let (body, _) = timed_fleet(&server).await;
    let fresh = entry(&body, "fleetstop");
    // Only the seeds run there: every node ready, no failing pod.
    assert_eq!(fresh["status"], "healthy", "{fresh}");
    assert_eq!(fresh["backend"], "kubeconfig");
    assert!(fresh["version"].as_str().is_some_and(|v| v.starts_with("v1.")), "{fresh}");
    assert_eq!(fresh["nodes"]["total"], fresh["nodes"]["ready"], "{fresh}");
    assert!(fresh["nodes"]["total"].as_u64() >= Some(2), "two kwok nodes are seeded: {fresh}");
    assert!(fresh["pods"]["running"].as_u64() >= Some(3), "web x2 + api: {fresh}");
    assert!(fresh.get("error").is_none(), "{fresh}");
    // alpha is shared with other tests, which may leave failing pods behind: reachable is
    // what matters here, and healthy/degraded both mean the probe got through.
    let a = entry(&body, "alpha");
    assert!(a["status"] == "healthy" || a["status"] == "degraded", "{a}");
    assert!(a.get("error").is_none(), "{a}");
    assert_eq!(body["rollup"]["totalClusters"], 2);
    assert_eq!(body["rollup"]["byEnvironment"]["scratch"], 1, "{body}");
    assert_eq!(body["rollup"]["byEnvironment"]["other"], 1, "{body}");

    // A second call within the cache's lifetime is the same answer.
    let (again, _) = timed_fleet(&server).await;
    assert_eq!(again["rollup"]["generatedAt"], body["rollup"]["generatedAt"], "cached for ~10 s");

    let out = std::process::Command::new(repo_root().join("testenv/cluster.sh"))
        .args(["down", "fleetstop"])
        .output()
        .expect("run cluster.sh down");
    assert!(out.status.success(), "cluster.sh down fleetstop: {}", String::from_utf8_lossy(&out.stderr));

    // The cached answer may still say healthy for up to 10 s; after that the probe must see
    // the dead apiserver, and every call must stay within the budget.
    let give_up = Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let (body, _) = timed_fleet(&server).await;
        let gone = entry(&body, "fleetstop").clone();
        if gone["status"] != "healthy" {
            let a = entry(&body, "alpha");
            assert!(a["status"] == "healthy" || a["status"] == "degraded", "alpha still answers: {a}");
            break gone;
        }
        assert!(Instant::now() < give_up, "fleetstop still healthy 20 s after it was stopped: {body}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(dead["status"], "unreachable", "{dead}");
    let code = dead["error"]["code"].as_str().unwrap_or_default();
    assert!(code == "apiserver_unreachable" || code == "timeout", "{dead}");
    assert!(dead["error"]["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains('\n')), "{dead}");
    assert!(dead["nodes"].is_null() && dead["lastContact"].is_null(), "{dead}");
}

#[tokio::test]
async fn a_cluster_that_never_answers_costs_at_most_the_budget() {
    let alpha = cluster("alpha");
    // Accepts TCP connections (the kernel's backlog does) but never speaks TLS.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = black_hole.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = loopback_kubeconfig(dir.path(), port);
    let server = admin_server(format!(
        "clusters:\n{}{}",
        kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()),
        kubeconfig_entry("hole", &kubeconfig)
    ));

    let (body, elapsed) = timed_fleet(&server).await;
    let hole = entry(&body, "hole");
    assert_eq!(hole["status"], "unreachable", "{hole}");
    assert_eq!(hole["error"]["code"], "timeout", "{hole}");
    // The soft per-cluster deadline (3 s) is what bounded the call.
    assert!(elapsed >= Duration::from_millis(2900), "the hole was waited for: {elapsed:?}");
    let a = entry(&body, "alpha");
    assert!(a["status"] == "healthy" || a["status"] == "degraded", "{a}");
    assert_eq!(body["rollup"]["byStatus"]["unreachable"], 1, "{body}");
    drop(black_hole);
}

#[tokio::test]
async fn users_without_rbac_see_denied_clusters() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "carol", &[]);
    let (body, _) = timed_fleet(&server).await;
    let a = entry(&body, "alpha");
    assert_eq!(a["status"], "denied", "{a}");
    assert_eq!(a["error"]["code"], "denied", "{a}");
    // Discovery is open to every authenticated user, so the version is still known.
    assert!(a["version"].as_str().is_some(), "{a}");
}
