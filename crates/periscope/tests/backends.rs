//! The backends beyond kubeconfig against the real control plane: `in-cluster` (a pod's mounted
//! service account, made with the TokenRequest API) and `eks` (tokens the cluster's webhook
//! authenticator verifies as EKS would). Each lists, applies and impersonates through the API.

mod common;

use base64::Engine as _;
use common::*;
use periscope_testkit::{Server, ServerOptions, TestCluster, TestNamespace, cluster};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(server: &Server, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The admin kubeconfig's apiserver URL and CA (PEM).
fn apiserver(cluster: &TestCluster) -> (String, Vec<u8>) {
    let server = cluster.kubectl(&["config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}"]);
    let ca = cluster.kubectl(&[
        "config",
        "view",
        "--raw",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ]);
    let ca = base64::engine::general_purpose::STANDARD.decode(ca.trim()).expect("CA data is base64");
    (server.trim().to_string(), ca)
}

/// What every backend must do for a user `user` who may edit `ns` only: list there, apply
/// there as that user (the object's manager is `periscope`), and be refused elsewhere by
/// the cluster's RBAC with the user's name in the reason.
async fn lists_applies_and_impersonates(server: &Server, cluster_name: &str, ns: &TestNamespace, user: &str) {
    let pods = format!("/api/clusters/{cluster_name}/resources/core/v1/pods?namespace={}", ns.name);
    let (status, body) = call(server, Method::GET, &pods, None).await;
    assert_eq!(status, StatusCode::OK, "list in the user's namespace: {body}");

    let path = format!("/api/clusters/{cluster_name}/resources/core/v1/configmaps/{}/backend-check", ns.name);
    let manifest = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "backend-check", "namespace": ns.name},
        "data": {"backend": cluster_name}
    });
    let (status, body) = call(server, Method::PATCH, &path, Some(manifest)).await;
    assert_eq!(status, StatusCode::OK, "server-side apply: {body}");
    let stored =
        ns.cluster.kubectl(&["-n", &ns.name, "get", "configmap", "backend-check", "-o", "jsonpath={.data.backend}"]);
    assert_eq!(stored, cluster_name);

    let elsewhere = format!("/api/clusters/{cluster_name}/resources/core/v1/pods?namespace=team-b");
    let (status, body) = call(server, Method::GET, &elsewhere, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("\"{user}\"")), "the apiserver judged the user, not the backend: {message}");

    let (status, trail) = call(server, Method::GET, "/api/audit?verb=apply&phase=outcome&limit=50", None).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let rows = trail["items"].as_array().cloned().unwrap_or_default();
    assert!(
        rows.iter().any(|r| r["cluster"] == cluster_name && r["actor"]["sub"] == user && r["outcome"] == "success"),
        "one audited apply by {user} on {cluster_name}: {trail}"
    );
}

#[tokio::test]
async fn in_cluster_backend_uses_the_mounted_service_account_and_acts_as_the_user() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "incluster");
    let user = format!("pod-user-{}", ns.name);
    ns.grant(&user, "edit");

    // The layout the kubelet mounts: a TokenRequest token of the server's service account
    // (periscope-bridge may only impersonate), the cluster CA and the pod's namespace.
    let mount = tempfile::tempdir().expect("temp dir");
    let token = alpha.kubectl(&["-n", "periscope-system", "create", "token", "periscope-bridge", "--duration", "1h"]);
    let (url, ca) = apiserver(&alpha);
    std::fs::write(mount.path().join("token"), token.trim()).expect("token");
    std::fs::write(mount.path().join("ca.crt"), ca).expect("ca");
    std::fs::write(mount.path().join("namespace"), "periscope-system").expect("namespace");
    let address = url.strip_prefix("https://").expect("https apiserver");
    let (host, port) = address.rsplit_once(':').expect("host:port");

    let server = Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some("clusters:\n  - name: inpod\n    backend: in-cluster\n".into()),
            auth_yaml: Some(dev_auth(&user, &[], "  mode: raw\n")),
            env: vec![
                ("KUBERNETES_SERVICE_HOST".into(), host.into()),
                ("KUBERNETES_SERVICE_PORT".into(), port.into()),
                ("PERISCOPE_SERVICEACCOUNT_DIR".into(), mount.path().display().to_string()),
            ],
            port: None,
        },
    );
    lists_applies_and_impersonates(&server, "inpod", &ns, &user).await;
}

#[tokio::test]
async fn in_cluster_backend_outside_a_pod_stops_the_server_with_the_reason() {
    let failure = Server::try_start(
        binary(),
        ServerOptions {
            clusters_yaml: Some("clusters:\n  - name: inpod\n    backend: in-cluster\n".into()),
            auth_yaml: Some(dev_auth("nobody", &[], "  mode: raw\n")),
            env: vec![
                ("KUBERNETES_SERVICE_HOST".into(), String::new()),
                ("PERISCOPE_SERVICEACCOUNT_DIR".into(), "/nonexistent".into()),
            ],
            port: None,
        },
    );
    let failure = failure.err().expect("no cluster connection, no server");
    assert!(
        failure.stderr.contains("inpod") && failure.stderr.contains("KUBERNETES_SERVICE_HOST"),
        "{}",
        failure.stderr
    );
}
