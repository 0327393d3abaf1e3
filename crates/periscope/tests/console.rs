//! The embedded web console: how the binary serves it (caching, SPA fallback, envelopes for
//! everything else), and its pages in Debian's Chromium against the real control plane
//! (driven by testenv/browser/console.mjs; dev mode, so no sign-in).

mod common;

use std::process::Command;

use common::*;
use periscope_testkit::{Server, TestNamespace, browser, cluster, repo_root};
use reqwest::{StatusCode, header};
use serde_json::Value;

/// Runs one console.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    let shot = browser::artifact_path(&format!("console-{scenario}.png"));
    let mut command = Command::new("node");
    command
        .arg(repo_root().join("testenv/browser/console.mjs"))
        .args(["--base", &server.base_url, "--scenario", scenario, "--screenshot"])
        .arg(&shot)
        .args(args);
    let out = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    let value: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("driver said {stdout:?} ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{scenario} failed: {value}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(value["pageErrors"], serde_json::json!([]), "no uncaught errors in the page: {value}");
    assert_eq!(value["blockedRequests"], serde_json::json!([]), "the console reaches nothing but its server: {value}");
    value
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
}

fn admin_server() -> (periscope_testkit::TestCluster, Server) {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    (alpha, server)
}

#[tokio::test]
async fn pages_get_the_app_assets_are_immutable_and_the_rest_keeps_the_envelope() {
    let (_alpha, server) = admin_server();
    let page = server
        .http
        .get(server.url("/clusters/alpha/pods?namespace=team-a"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap_or("").starts_with("text/html"));
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap_or("").to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("<div id=\"root\">"), "the web app is embedded (run `make web` before cargo): {html}");

    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|src| src.starts_with("/assets/"))
        .unwrap_or_else(|| panic!("index.html loads a hashed script: {html}"))
        .to_string();
    // Assets are public: no session needed (fetched before the app knows who you are).
    let asset = reqwest::get(server.url(&script)).await.expect("asset");
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(asset.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(asset.headers()[header::CONTENT_TYPE].to_str().unwrap_or("").contains("javascript"));

    let missing = server.http.get(server.url("/assets/nope-123.js")).send().await.expect("missing asset");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.expect("envelope")["code"], "E_NOT_FOUND");

    for (method, accept) in [("POST", "text/html"), ("GET", "application/json")] {
        let answer = server
            .http
            .request(method.parse().expect("method"), server.url("/clusters/alpha"))
            .header(header::ACCEPT, accept)
            .header(header::ORIGIN, &server.base_url)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{method} {accept}");
        assert_eq!(answer.json::<Value>().await.expect("envelope")["code"], "E_NOT_FOUND", "{method} {accept}");
    }
    let api = server.http.get(server.url("/api/nope")).header(header::ACCEPT, "text/html").send().await.expect("api");
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "unknown API paths never get the app");
}

#[tokio::test]
async fn fleet_shows_cluster_alpha() {
    let (_alpha, server) = admin_server();
    let result = drive(&server, "fleet", &[]).await;
    let clusters = result["clusters"].as_array().expect("cards");
    assert_eq!(clusters.len(), 1, "{result}");
    assert_eq!(clusters[0]["name"], "alpha");
    let text = clusters[0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("healthy") && text.contains("Nodes") && text.contains("2/2"), "{text}");
    assert_eq!(result["overviewUrl"], "/clusters/alpha");
    let overview = result["overview"].as_str().unwrap_or_default();
    assert!(overview.contains("Kubernetes v1.") && overview.contains("Deployments"), "{overview}");
}

#[tokio::test]
async fn pods_list_sorts_on_the_server_filters_and_answers_the_keyboard() {
    let (_alpha, server) = admin_server();
    let result = drive(&server, "pods", &["--path", "/clusters/alpha/pods?namespace=team-a"]).await;
    let initial = strings(&result["initial"]);
    assert!(initial.len() >= 2 && initial.iter().all(|n| n.starts_with("web-")), "seeded team-a pods: {result}");

    let ascending = strings(&result["ascending"]);
    let descending = strings(&result["descending"]);
    let mut sorted = initial.clone();
    sorted.sort();
    assert_eq!(ascending, sorted, "first click on Name sorts ascending");
    let mut reversed = ascending.clone();
    reversed.reverse();
    assert_eq!(descending, reversed, "second click reverses the order");
    assert_eq!(result["sortParam"], "-name", "the sort is in the URL (and so on the server)");

    assert_eq!(result["focusedId"], "list-search", "`/` focuses the search box");
    let filtered = strings(&result["filtered"]);
    assert_eq!(filtered, vec![descending.last().cloned().unwrap_or_default()], "typing filters by name: {result}");
    assert_eq!(result["noMatch"], "No pods match.", "a selector nothing matches: {result}");
    let mut labelled = strings(&result["labelled"]);
    labelled.sort();
    assert_eq!(labelled, sorted, "app=web selects the web pods: {result}");
    assert_eq!(result["afterGoPods"], "/clusters/alpha/r/core/v1/pods", "`g` `p` opens the pods list");
}

#[tokio::test]
async fn detail_page_describes_the_object_and_shows_its_yaml() {
    let (_alpha, server) = admin_server();
    let result = drive(&server, "detail", &["--path", "/clusters/alpha/r/apps/v1/deployments/team-a/web"]).await;
    assert_eq!(result["name"], "web");
    let describe = result["describe"].as_str().unwrap_or_default();
    assert!(describe.contains("Deployment (apps/v1)") && describe.contains("app=web"), "{describe}");
    assert!(describe.contains("Available") && describe.contains("MinimumReplicasAvailable"), "conditions: {describe}");
    let yaml = result["yaml"].as_str().unwrap_or_default();
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("name: web") && yaml.contains("namespace: team-a"),
        "{yaml}"
    );
    assert!(!yaml.contains("managedFields"), "{yaml}");
}

#[tokio::test]
async fn ctrl_k_palette_jumps_to_an_object_by_name() {
    let (_alpha, server) = admin_server();
    let result = drive(&server, "palette", &["--path", "/clusters/alpha", "--query", "web"]).await;
    let results = strings(&result["results"]);
    assert!(results.iter().any(|r| r.contains("Deployment") && r.contains("web")), "{result}");
    let url = result["url"].as_str().unwrap_or_default();
    assert!(url.contains("/clusters/alpha/r/") && url.ends_with("/team-a/web"), "Enter opens the exact match: {url}");
}

#[tokio::test]
async fn scaling_from_the_console_changes_the_replicas() {
    let (alpha, server) = admin_server();
    let ns = TestNamespace::new(&alpha, "console");
    alpha.kubectl(&["create", "deployment", "scaled", "--image=nginx:1.27", "--replicas=1", "-n", &ns.name]);
    let path = format!("/clusters/alpha/r/apps/v1/deployments/{}/scaled", ns.name);
    let result = drive(&server, "scale", &["--path", &path, "--replicas", "3"]).await;
    assert_eq!(result["dialogClosed"], true, "{result}");

    let object: Value = server
        .http
        .get(server.url(&format!("/api/clusters/alpha/resources/apps/v1/deployments/{}/scaled", ns.name)))
        .send()
        .await
        .expect("object")
        .json()
        .await
        .expect("json");
    assert_eq!(object["spec"]["replicas"], 3, "{object}");
}

#[tokio::test]
async fn actions_the_role_may_not_perform_are_disabled_with_the_reason() {
    let alpha = cluster("alpha");
    let path = "/clusters/alpha/r/apps/v1/deployments/team-a/web";
    let viewer = tier_server(&alpha, "vera", &["viewers"]);
    let result = drive(&viewer, "actions", &["--path", path]).await;
    let actions = result["actions"].as_array().expect("buttons");
    let ids: Vec<&str> = actions.iter().filter_map(|a| a["action"].as_str()).collect();
    assert_eq!(ids, ["scale", "restart", "delete"], "{result}");
    for action in actions {
        assert_eq!(action["disabled"], true, "read tier: {action}");
        assert!(action["title"].as_str().unwrap_or("").starts_with("Not allowed"), "{action}");
    }

    let (_alpha, admin) = admin_server();
    let result = drive(&admin, "actions", &["--path", path]).await;
    let actions = result["actions"].as_array().expect("buttons");
    assert!(actions.iter().all(|a| a["disabled"] == false), "admin tier may: {result}");
}

#[tokio::test]
async fn delete_asks_for_the_name_then_removes_the_object() {
    let (alpha, server) = admin_server();
    let ns = TestNamespace::new(&alpha, "console-del");
    alpha.kubectl(&["create", "configmap", "doomed", "--from-literal=a=b", "-n", &ns.name]);
    let path = format!("/clusters/alpha/r/core/v1/configmaps/{}/doomed", ns.name);
    let result = drive(&server, "delete", &["--path", &path]).await;
    assert_eq!(result["enabledBeforeTyping"], false, "the confirm button waits for the name: {result}");
    let url = result["url"].as_str().unwrap_or_default();
    assert!(
        url.ends_with(&format!("/clusters/alpha/r/core/v1/configmaps?namespace={}", ns.name)),
        "back to the list: {url}"
    );

    let gone = server
        .http
        .get(server.url(&format!("/api/clusters/alpha/resources/core/v1/configmaps/{}/doomed", ns.name)))
        .send()
        .await
        .expect("answer");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
