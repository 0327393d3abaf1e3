//! Against the real control plane: every call runs as the signed-in user, and the
//! cluster's RBAC decides what they see.

mod common;

use common::*;
use periscope_testkit::{Server, ServerOptions, TestNamespace, cluster};
use reqwest::StatusCode;

const PODS: &str = "/resources/core/v1/pods";

fn pods_path(cluster: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("/api/clusters/{cluster}{PODS}?namespace={ns}"),
        None => format!("/api/clusters/{cluster}{PODS}"),
    }
}

fn assert_forbidden(status: StatusCode, body: &serde_json::Value, user: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "E_FORBIDDEN", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("\"{user}\"")), "apiserver reason should name {user}: {message}");
    assert_eq!(body["details"]["status"]["reason"], "Forbidden", "{body}");
}

#[tokio::test]
async fn tier_mode_team_a_editor_sees_team_a_only() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "alice", &[]);

    let (status, body) = server.get_json(&pods_path("alpha", Some("team-a"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pods = names(&body);
    assert!(pods.iter().any(|p| p.starts_with("web-")), "seeded web pods in team-a: {pods:?}");
    assert!(body["items"].as_array().expect("items").iter().all(|p| p["namespace"] == "team-a"));
    assert_eq!(body["total"].as_u64(), Some(pods.len() as u64));
    assert!(body["resourceVersion"].as_str().is_some_and(|rv| !rv.is_empty()), "{body}");
    let columns: Vec<&str> =
        body["columns"].as_array().expect("columns").iter().filter_map(|c| c["key"].as_str()).collect();
    assert!(columns.contains(&"ready") && columns.contains(&"status"), "{columns:?}");

    let (status, body) = server.get_json(&pods_path("alpha", Some("team-b"))).await;
    assert_forbidden(status, &body, "alice");
    let (status, body) = server.get_json(&pods_path("alpha", None)).await;
    assert_forbidden(status, &body, "alice");
    let (status, body) = server.get_json("/api/clusters/alpha/resources/core/v1/namespaces").await;
    assert_forbidden(status, &body, "alice");
}

#[tokio::test]
async fn tier_mode_team_b_viewer_sees_team_b_only() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "bob", &[]);
    let (status, body) = server.get_json(&pods_path("alpha", Some("team-b"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(names(&body).iter().any(|p| p.starts_with("api-")), "{body}");
    let (status, body) = server.get_json(&pods_path("alpha", Some("team-a"))).await;
    assert_forbidden(status, &body, "bob");
}

#[tokio::test]
async fn tier_mode_user_with_nothing_is_forbidden_everywhere() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "carol", &["not-a-tier-group"]);
    for path in [
        pods_path("alpha", Some("team-a")),
        pods_path("alpha", Some("team-b")),
        pods_path("alpha", None),
        "/api/clusters/alpha/resources/core/v1/namespaces".to_string(),
    ] {
        let (status, body) = server.get_json(&path).await;
        assert_forbidden(status, &body, "carol");
    }
}

#[tokio::test]
async fn tier_group_grants_the_tier_role_cluster_wide() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dave", &["viewers"]);
    let (status, body) = server.get_json(&pods_path("alpha", None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let namespaces: std::collections::BTreeSet<&str> =
        body["items"].as_array().expect("items").iter().filter_map(|p| p["namespace"].as_str()).collect();
    assert!(namespaces.contains("team-a") && namespaces.contains("team-b"), "{namespaces:?}");
    let (_, whoami) = server.get_json("/api/whoami").await;
    assert_eq!(whoami["tier"], "read");
}

#[tokio::test]
async fn rbac_changes_apply_on_the_next_request() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "grant");
    let server = tier_server(&alpha, "erin", &[]);
    let path = pods_path("alpha", Some(&ns.name));
    let (status, body) = server.get_json(&path).await;
    assert_forbidden(status, &body, "erin");
    ns.grant("erin", "view");
    // RBAC is evaluated by the apiserver per request; the cached client carries no decision.
    let mut last = (status, body);
    for _ in 0..50 {
        last = server.get_json(&path).await;
        if last.0 == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, StatusCode::OK, "{}", last.1);
    assert_eq!(last.1["items"], serde_json::json!([]));
}

#[tokio::test]
async fn client_supplied_impersonation_headers_have_no_effect() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "carol", &[]);
    let response = server
        .http
        .get(server.url(&pods_path("alpha", Some("team-a"))))
        .header("Impersonate-User", "system:admin")
        .header("Impersonate-Group", "system:masters")
        .header("Impersonate-Extra-Scopes", "all")
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json");
    assert_forbidden(status, &body, "carol");
    assert!(server.wait_for_log("dropped client-supplied impersonation headers"), "the guard logs what it dropped");
}

#[tokio::test]
async fn shared_mode_acts_as_the_backend_credential() {
    let alpha = cluster("alpha");
    let clusters = format!(
        "clusters:\n{}{}",
        kubeconfig_entry("bridge", &alpha.bridge_kubeconfig()),
        kubeconfig_entry("viewer", &alpha.viewer_kubeconfig())
    );
    // carol has no RBAC of her own; in shared mode that does not matter, the credential does.
    let server = Server::start(binary(), configured_server(clusters, dev_auth("carol", &["sre"], "  mode: shared\n")));
    let (status, body) = server.get_json(&pods_path("viewer", Some("team-b"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(names(&body).iter().any(|p| p.starts_with("api-")), "{body}");

    let (status, body) = server.get_json(&pods_path("bridge", Some("team-b"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("periscope-bridge"), "denied as the bridge itself, not as carol: {message}");
    let (_, whoami) = server.get_json("/api/auth/whoami").await;
    assert_eq!(whoami["authzMode"], "shared");
    assert_eq!(whoami["tier"], serde_json::Value::Null);
}

#[tokio::test]
async fn raw_mode_impersonates_prefixed_groups() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "raw");
    alpha.kubectl(&[
        "create",
        "rolebinding",
        "oncall-view",
        "-n",
        &ns.name,
        "--clusterrole=view",
        "--group=periscope:oncall",
    ]);
    let clusters = format!("clusters:\n{}", kubeconfig_entry("alpha", &alpha.bridge_kubeconfig()));
    let start = |groups: &[&str]| {
        Server::start(
            binary(),
            ServerOptions {
                clusters_yaml: Some(clusters.clone()),
                auth_yaml: Some(dev_auth("frank", groups, "  mode: raw\n")),
                env: vec![],
                port: None,
            },
        )
    };
    let oncall = start(&["oncall"]);
    let (status, body) = oncall.get_json(&pods_path("alpha", Some(&ns.name))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A group literally named system:masters is impersonated as periscope:system:masters: no power.
    let masters = start(&["system:masters"]);
    let (status, body) = masters.get_json(&pods_path("alpha", Some(&ns.name))).await;
    assert_forbidden(status, &body, "frank");
}

#[tokio::test]
async fn two_clusters_in_one_registry() {
    let alpha = cluster("alpha");
    let beta = cluster("beta");
    let clusters = bridge_fleet(&[&alpha, &beta]);
    let marker = TestNamespace::new(&beta, "only-beta");
    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(clusters),
            auth_yaml: Some(dev_auth("dave", &["viewers"], TIER_AUTHZ)),
            env: vec![],
            port: None,
        },
    );
    let (status, on_beta) = server.get_json("/api/clusters/beta/resources/core/v1/namespaces").await;
    assert_eq!(status, StatusCode::OK, "{on_beta}");
    assert!(names(&on_beta).contains(&marker.name), "{on_beta}");
    let (status, on_alpha) = server.get_json("/api/clusters/alpha/resources/core/v1/namespaces").await;
    assert_eq!(status, StatusCode::OK, "{on_alpha}");
    assert!(!names(&on_alpha).contains(&marker.name), "alpha must not show beta's namespace");
}
