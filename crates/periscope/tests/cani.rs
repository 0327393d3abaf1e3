//! can-i against the real apiserver: each answer is compared with what the apiserver then
//! does when the same user actually attempts the action (server-side dry run, so nothing
//! changes), and with the seeded RBAC (alice edits team-a, bob views team-b, carol nothing).

mod common;

use common::*;
use periscope_testkit::{Server, ServerOptions, TestCluster, cluster, cluster::kubectl};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn can_i(server: &Server, cluster: &str, checks: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/clusters/{cluster}/can-i")))
        .json(&json!({ "checks": checks }))
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs kubectl as the admin impersonating `user`; true when the apiserver let it through.
fn attempt(alpha: &TestCluster, user: &str, args: &[&str]) -> bool {
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--as", user]);
    match kubectl(&alpha.kubectl_binary(), &alpha.admin_kubeconfig(), &full, None) {
        Ok(_) => true,
        Err(stderr) => {
            assert!(stderr.contains("forbidden") || stderr.contains("Forbidden"), "{user} {args:?}: {stderr}");
            false
        }
    }
}

#[tokio::test]
async fn answers_match_what_the_apiserver_then_allows() {
    let alpha = cluster("alpha");
    let pod =
        alpha.kubectl(&["get", "pods", "-n", "team-a", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"]);
    assert!(pod.starts_with("web-"), "a seeded web pod: {pod:?}");

    // (check, the same action attempted with kubectl as the user, expected for alice/bob/carol)
    let delete_pod = ["delete", "pod", pod.as_str(), "-n", "team-a", "--dry-run=server", "--wait=false"];
    let cases: Vec<(Value, Vec<&str>, [bool; 3])> = vec![
        (
            json!({"verb": "delete", "group": "", "resource": "pods", "namespace": "team-a", "name": pod}),
            delete_pod.to_vec(),
            [true, false, false],
        ),
        (
            json!({"verb": "list", "group": "core", "resource": "pods", "namespace": "team-b"}),
            vec!["get", "pods", "-n", "team-b"],
            [false, true, false],
        ),
        (
            json!({"verb": "create", "group": "apps", "resource": "deployments", "namespace": "team-a"}),
            vec!["create", "deployment", "cani-probe", "--image=nginx", "-n", "team-a", "--dry-run=server"],
            [true, false, false],
        ),
        (
            // The built-in view role leaves secrets out.
            json!({"verb": "list", "resource": "secrets", "namespace": "team-b"}),
            vec!["get", "secrets", "-n", "team-b"],
            [false, false, false],
        ),
        (json!({"verb": "list", "resource": "nodes"}), vec!["get", "nodes"], [false, false, false]),
    ];
    let checks = Value::Array(cases.iter().map(|c| c.0.clone()).collect());

    for (who, user) in ["alice", "bob", "carol"].into_iter().enumerate() {
        let server = tier_server(&alpha, user, &[]);
        let (status, body) = can_i(&server, "alpha", checks.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let results = body["results"].as_array().expect("results");
        assert_eq!(results.len(), cases.len(), "one answer per check, in order: {body}");
        for ((check, action, expected), result) in cases.iter().zip(results) {
            let allowed = result["allowed"].as_bool().expect("allowed is a bool");
            assert_eq!(allowed, expected[who], "{user} {check}: {result}");
            let actually = attempt(&alpha, user, action);
            assert_eq!(allowed, actually, "can-i for {user} {check} disagrees with the apiserver: {result}");
            if allowed {
                assert!(result["reason"].is_null(), "{result}");
            } else {
                assert_eq!(result["reason"], "denied", "{result}");
            }
        }
        // Asked again, the cached answers are the same.
        let (_, again) = can_i(&server, "alpha", checks.clone()).await;
        assert_eq!(again["results"].as_array().map(Vec::len), Some(cases.len()));
        for (a, b) in again["results"].as_array().expect("results").iter().zip(results) {
            assert_eq!(a["allowed"], b["allowed"]);
        }
    }
}

#[tokio::test]
async fn batches_are_limited_and_bodies_validated() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "alice", &[]);
    let one = json!({"verb": "get", "resource": "pods", "namespace": "team-a"});

    let (status, body) = can_i(&server, "alpha", Value::Array(vec![one.clone(); 64])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), 64);
    assert!(results.iter().all(|r| r["allowed"] == true), "alice may get pods in team-a: {body}");

    let (status, body) = can_i(&server, "alpha", Value::Array(vec![one.clone(); 65])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "E_BAD_REQUEST");
    assert!(body["message"].as_str().unwrap_or_default().contains("64"), "{body}");

    for bad in [json!([{"resource": "pods"}]), json!([{"verb": "get", "resource": "pods", "extra": 1}]), json!("x")] {
        let (status, body) = can_i(&server, "alpha", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["code"], "E_BAD_REQUEST", "{body}");
    }
    let (status, body) = can_i(&server, "nope", json!([one])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "E_CLUSTER_NOT_FOUND");
}

#[tokio::test]
async fn an_unreachable_apiserver_fails_closed() {
    // A kubeconfig for a port nothing listens on: every review fails to connect.
    let dir = tempfile::tempdir().expect("tempdir");
    let port = periscope_testkit::free_port();
    let kubeconfig = loopback_kubeconfig(dir.path(), port);
    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(format!("clusters:\n{}", kubeconfig_entry("dead", &kubeconfig))),
            auth_yaml: Some(dev_auth("alice", &["sre"], TIER_AUTHZ)),
            env: vec![],
            port: None,
        },
    );
    let (status, body) = can_i(&server, "dead", json!([{"verb": "get", "resource": "pods"}])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["allowed"], false, "{body}");
    assert_eq!(body["results"][0]["reason"], "apiserver_unreachable", "{body}");
}
