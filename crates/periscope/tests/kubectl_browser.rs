//! "Use with kubectl" in Debian's Chromium against the real control plane (driven by
//! testenv/browser/kubectl.mjs; dev mode, so no sign-in): a token made in the dialog is shown
//! once, works against the Kubernetes API proxy and stops working when revoked there; the
//! kubeconfig downloaded from the dialog drives the real kubectl.

mod common;

use std::process::Command;

use common::*;
use periscope_testkit::{Server, TestNamespace, cluster};
use reqwest::StatusCode;
use serde_json::Value;

/// Runs one kubectl.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    drive_script("kubectl", server, scenario, args).await
}

fn names(rows: &Value) -> Vec<&str> {
    rows.as_array().map(|a| a.iter().filter_map(|r| r["name"].as_str()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn a_token_made_in_the_dialog_is_shown_once_works_and_stops_when_revoked_there() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "kubectl-token-web");
    ns.grant("kate", "view");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "seen", "--from-literal=k=v"]);
    let server = tier_server(&alpha, "kate", &[]);
    let page = format!("/clusters/alpha/r/core/v1/configmaps?namespace={}", ns.name);

    let made = drive(&server, "create", &["--path", &page, "--name", "ci-laptop"]).await;
    // The server's default maximum is 8 hours: nothing longer is offered, 8 hours is picked.
    assert_eq!(made["ttlChoices"], serde_json::json!(["15 minutes", "1 hour", "4 hours", "8 hours"]), "{made}");
    assert_eq!(made["ttl"], "28800", "{made}");
    let secret = made["secret"].as_str().unwrap_or_default().to_string();
    assert!(secret.starts_with("pst_"), "{made}");
    assert!(made["notice"].as_str().is_some_and(|n| n.contains("you will not see it again")), "{made}");
    assert_eq!(made["stillShown"], false, "dismissed, the secret is gone from the page: {made}");
    assert_eq!(names(&made["rows"]), vec!["ci-laptop"], "{made}");
    let cells = &made["rows"][0]["cells"];
    assert_eq!(cells[0], "alpha", "the current cluster is the token's: {made}");
    assert_eq!((cells[2].as_str(), cells[3].as_str()), (Some("never"), Some("in 8 hours")), "{made}");
    assert!(!made["rows"].to_string().contains(&secret), "the list never shows the secret: {made}");

    // The raw client: no cookie jar, nothing but the bearer token.
    let raw = reqwest::Client::new();
    let url = server.url(&format!("/api/clusters/alpha/k8s/api/v1/namespaces/{}/configmaps", ns.name));
    let answer = raw.get(&url).bearer_auth(&secret).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
    let list: Value = answer.json().await.expect("a ConfigMapList");
    let listed: Vec<&str> =
        list["items"].as_array().expect("items").iter().filter_map(|i| i["metadata"]["name"].as_str()).collect();
    assert!(listed.contains(&"seen"), "{list}");

    let revoked = drive(&server, "revoke", &["--path", &page, "--name", "ci-laptop"]).await;
    assert_eq!(names(&revoked["before"]), vec!["ci-laptop"], "{revoked}");
    assert_eq!(revoked["before"][0]["cells"][2], "just now", "the use is shown: {revoked}");
    assert_eq!(names(&revoked["after"]), Vec::<&str>::new(), "{revoked}");
    let answer = raw.get(&url).bearer_auth(&secret).send().await.expect("answer");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "revoked in the dialog");
}

#[tokio::test]
async fn the_kubeconfig_downloaded_from_the_dialog_drives_kubectl() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "kubectl-config-web");
    ns.grant("kurt", "view");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "listed", "--from-literal=k=v"]);
    let server = tier_server(&alpha, "kurt", &[]);
    let page = format!("/clusters/alpha/r/core/v1/configmaps?namespace={}", ns.name);

    let r = drive(&server, "kubeconfig", &["--path", &page]).await;
    assert_eq!(r["ticked"], serde_json::json!(["alpha"]), "the cluster on screen: {r}");
    assert_eq!(r["usage"][0], "KUBECONFIG=~/Downloads/periscope.kubeconfig kubectl get pods", "{r}");
    assert_eq!(r["file"]["filename"], "periscope.kubeconfig", "{r}");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("periscope.kubeconfig");
    std::fs::write(&config, r["file"]["text"].as_str().unwrap_or_default()).expect("kubeconfig written");

    let out = Command::new(alpha.kubectl_binary())
        .arg("--kubeconfig")
        .arg(&config)
        .args(["--request-timeout=30s", "get", "configmaps", "-n", &ns.name, "-o", "name"])
        .output()
        .expect("kubectl runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.lines().any(|l| l == "configmap/listed"), "{stdout}{stderr}");
}
