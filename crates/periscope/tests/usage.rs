//! metrics-server usage against a real apiserver and a real metrics-server (testenv runs one
//! per cluster, scraping kwok's simulated usage; a pod's `kwok.x-k8s.io/usage-*` annotations
//! set what it reports): the usage route, the usage columns of the pods and nodes lists and
//! sorting by them, RBAC through the aggregation layer, bad input, and pages that still load
//! (without the columns) while metrics-server is stopped.

mod common;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster, podlogs::kwok_placement, repo_root};
use reqwest::StatusCode;
use serde_json::Value;

/// metrics-server scrapes every 10 s; a new pod's first sample takes one or two scrapes.
const SAMPLED_WITHIN: Duration = Duration::from_secs(120);

/// Pods of the given names with kwok usage (cpu, memory) for their one container.
fn metered_pods(ns: &str, pods: &[(&str, &str, &str)]) -> String {
    let kwok = kwok_placement(2);
    pods.iter()
        .map(|(name, cpu, memory)| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n    \
                 kwok.x-k8s.io/usage-cpu: {cpu}\n    kwok.x-k8s.io/usage-memory: {memory}\nspec:\n{kwok}  containers:\n    \
                 - {{name: app, image: fake}}\n---\n"
            )
        })
        .collect()
}

/// Polls `path` until `done` holds for its JSON body, or panics with the last body at the deadline.
async fn wait_for(server: &Server, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + SAMPLED_WITHIN;
    loop {
        let (status, body) = server.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} did not get there within {SAMPLED_WITHIN:?}: {body}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn column_keys(page: &Value) -> Vec<String> {
    page["columns"].as_array().expect("columns").iter().filter_map(|c| c["key"].as_str().map(String::from)).collect()
}

fn cells(page: &Value, key: &str) -> Vec<Value> {
    page["items"].as_array().expect("items").iter().map(|r| r[key].clone()).collect()
}

const MI: u64 = 1024 * 1024;

#[tokio::test]
async fn pods_and_nodes_show_usage_and_sort_by_it() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "usage");
    alpha.kubectl_stdin(
        &["apply", "-f", "-"],
        Some(&metered_pods(&ns.name, &[("small", "50m", "30Mi"), ("big", "300m", "200Mi"), ("mid", "120m", "64Mi")])),
    );
    let server = tier_server(&alpha, "grace", &["sre"]);

    let usage = format!("/api/clusters/alpha/usage/pods?namespace={}", ns.name);
    let body = wait_for(&server, &usage, |b| b["items"].as_array().is_some_and(|i| i.len() == 3)).await;
    assert_eq!(body["available"], true, "{body}");
    assert!(body["window"].is_string(), "{body}");
    let of = |name: &str| body["items"].as_array().unwrap().iter().find(|u| u["name"] == name).cloned().unwrap();
    assert_eq!((of("big")["cpu"].as_u64(), of("big")["memory"].as_u64()), (Some(300), Some(200 * MI)), "{body}");
    assert_eq!((of("small")["cpu"].as_u64(), of("small")["memory"].as_u64()), (Some(50), Some(30 * MI)), "{body}");
    assert_eq!(of("mid")["containers"][0]["name"], "app", "{body}");
    assert_eq!(of("mid")["namespace"], ns.name.as_str(), "{body}");

    let (_, top) = server.get_json(&format!("{usage}&sort=-cpu&limit=2")).await;
    assert_eq!(names(&top), ["big", "mid"], "{top}");
    let (_, one) = server.get_json(&format!("{usage}&name=mid")).await;
    assert_eq!(names(&one), ["mid"], "{one}");
    assert_eq!(one["items"][0]["cpu"], 120, "{one}");
    let (status, none) = server.get_json(&format!("{usage}&name=not-sampled")).await;
    assert_eq!(
        (status, none["available"].clone(), names(&none).len()),
        (StatusCode::OK, Value::Bool(true), 0),
        "{none}"
    );

    // The pods list gains the columns and cells, and sorts by them on the server.
    let list = format!("/api/clusters/alpha/resources/core/v1/pods?namespace={}", ns.name);
    let (status, page) = server.get_json(&list).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(column_keys(&page).ends_with(&["cpu".to_string(), "memory".to_string()]), "{page}");
    let (_, by_cpu) = server.get_json(&format!("{list}&sort=-cpu")).await;
    assert_eq!(names(&by_cpu), ["big", "mid", "small"], "{by_cpu}");
    assert_eq!(cells(&by_cpu, "cpu"), [300, 120, 50].map(Value::from), "{by_cpu}");
    let (_, by_memory) = server.get_json(&format!("{list}&sort=memory&limit=2")).await;
    assert_eq!(names(&by_memory), ["small", "mid"], "{by_memory}");
    assert_eq!(cells(&by_memory, "memory"), [30 * MI, 64 * MI].map(Value::from), "{by_memory}");
    // Paging through a usage sort continues in the same order.
    let next = by_memory["continue"].as_str().expect("a second page");
    let (_, rest) = server.get_json(&format!("{list}&sort=memory&limit=2&continue={next}")).await;
    assert_eq!(names(&rest), ["big"], "{rest}");

    // Nodes: the kwok nodes carry the sum of their pods' usage.
    let nodes = wait_for(&server, "/api/clusters/alpha/usage/nodes", |b| {
        b["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|n| n["name"] == "kwok-node-0" && n["cpu"].as_u64() > Some(0)))
    })
    .await;
    assert!(nodes["items"].as_array().unwrap().iter().all(|n| n.get("namespace").is_none()), "{nodes}");
    let (status, page) = server.get_json("/api/clusters/alpha/resources/core/v1/nodes?sort=-cpu").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(column_keys(&page).contains(&"cpu".to_string()), "{page}");
    let kwok_cpu =
        page["items"].as_array().unwrap().iter().find(|n| n["name"] == "kwok-node-0").map(|n| n["cpu"].clone());
    assert!(kwok_cpu.as_ref().and_then(Value::as_u64).is_some_and(|c| c > 0), "{page}");
}

#[tokio::test]
async fn usage_is_read_as_the_caller() {
    let alpha = cluster("alpha");
    let mine = TestNamespace::new(&alpha, "usage-mine");
    let theirs = TestNamespace::new(&alpha, "usage-theirs");
    for ns in [&mine, &theirs] {
        alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&metered_pods(&ns.name, &[("p", "70m", "10Mi")])));
    }
    let user = format!("usage-{}", periscope_testkit::random_suffix());
    mine.grant(&user, "view");
    let server = tier_server(&alpha, &user, &[]);

    let body = wait_for(&server, &format!("/api/clusters/alpha/usage/pods?namespace={}", mine.name), |b| {
        b["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert_eq!(body["items"][0]["cpu"], 70, "{body}");
    let (_, page) =
        server.get_json(&format!("/api/clusters/alpha/resources/core/v1/pods?namespace={}", mine.name)).await;
    assert_eq!(cells(&page, "cpu"), [Value::from(70)], "view includes metrics.k8s.io: {page}");

    // Elsewhere the apiserver refuses the read as this user: no usage, and why; never an error.
    let (status, body) = server.get_json(&format!("/api/clusters/alpha/usage/pods?namespace={}", theirs.name)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["available"], false, "{body}");
    assert!(body["reason"].as_str().is_some_and(|r| r.contains("may not read")), "{body}");
    assert_eq!(names(&body).len(), 0, "{body}");
    let (_, nodes) = server.get_json("/api/clusters/alpha/usage/nodes").await;
    assert_eq!(nodes["available"], false, "node metrics need a cluster-wide grant: {nodes}");
}

#[tokio::test]
async fn bad_usage_requests_are_envelopes() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "grace", &["sre"]);
    for path in [
        "/api/clusters/alpha/usage/services",
        "/api/clusters/alpha/usage/pods?sort=name",
        "/api/clusters/alpha/usage/pods?limit=0",
        "/api/clusters/alpha/usage/pods?name=web",
        "/api/clusters/alpha/usage/pods?namespace=Not_A_Namespace",
        "/api/clusters/alpha/usage/nodes?namespace=team-a",
        "/api/clusters/alpha/usage/pods?colour=blue",
        "/api/clusters/alpha/resources/core/v1/configmaps?sort=cpu",
    ] {
        let (status, body) = server.get_json(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["code"], "E_BAD_REQUEST", "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
    }
    let (status, body) = server.get_json("/api/clusters/nowhere/usage/nodes").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// A control plane of this test's own: it stops and starts that cluster's metrics-server.
const OWN_CLUSTER: &str = "nometrics";

fn metrics_server(action: &str) {
    let out = Command::new(repo_root().join("testenv/cluster.sh"))
        .args(["metrics-server", action, OWN_CLUSTER])
        .output()
        .expect("run cluster.sh");
    assert!(out.status.success(), "metrics-server {action}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Brings the cluster down when the test ends, passed or not.
struct Down;

impl Drop for Down {
    fn drop(&mut self) {
        let status = Command::new(repo_root().join("testenv/cluster.sh")).args(["down", OWN_CLUSTER]).status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("testenv/cluster.sh down {OWN_CLUSTER}: {status:?}");
        }
    }
}

#[tokio::test]
async fn pages_load_without_usage_while_metrics_server_is_stopped() {
    let _down = Down;
    let own: TestCluster = cluster(OWN_CLUSTER);
    let ns = TestNamespace::new(&own, "usage-off");
    own.kubectl_stdin(&["apply", "-f", "-"], Some(&metered_pods(&ns.name, &[("p", "40m", "16Mi")])));
    let server = tier_server(&own, "grace", &["sre"]);
    let usage = format!("/api/clusters/{OWN_CLUSTER}/usage/pods?namespace={}", ns.name);
    wait_for(&server, &usage, |b| b["items"].as_array().is_some_and(|i| !i.is_empty())).await;

    metrics_server("stop");
    // Held reads answer for a few seconds; then the stopped server shows.
    let body = wait_for(&server, &usage, |b| b["available"] == false).await;
    assert!(body["reason"].as_str().is_some_and(|r| r.contains("metrics-server")), "{body}");
    for list in [
        format!("/api/clusters/{OWN_CLUSTER}/resources/core/v1/pods?namespace={}", ns.name),
        format!("/api/clusters/{OWN_CLUSTER}/resources/core/v1/pods?namespace={}&sort=-cpu", ns.name),
        format!("/api/clusters/{OWN_CLUSTER}/resources/core/v1/nodes"),
    ] {
        let (status, page) = server.get_json(&list).await;
        assert_eq!(status, StatusCode::OK, "{list}: {page}");
        assert!(!column_keys(&page).contains(&"cpu".to_string()), "no usage columns: {page}");
        assert!(!page["items"].as_array().expect("items").is_empty(), "{list}: {page}");
    }
    let (status, dashboard) = server.get_json(&format!("/api/clusters/{OWN_CLUSTER}/dashboard")).await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");

    metrics_server("start");
    let body = wait_for(&server, &usage, |b| b["items"].as_array().is_some_and(|i| !i.is_empty())).await;
    assert_eq!(body["items"][0]["cpu"], 40, "usage is back: {body}");
}
