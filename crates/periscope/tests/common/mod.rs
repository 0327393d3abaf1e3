//! Shared set-up for the integration tests: servers configured against the test clusters.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;

use periscope_testkit::{Server, ServerOptions, TestCluster};

/// The `periscope` binary cargo built for these tests.
pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_periscope"))
}

/// A clusters.yaml entry for `kubeconfig` under `name`.
pub fn kubeconfig_entry(name: &str, kubeconfig: &Path) -> String {
    format!("  - name: {name}\n    backend: kubeconfig\n    kubeconfigPath: {}\n", kubeconfig.display())
}

/// An auth.yaml for dev mode as `subject` with `groups`, under `authz` (a YAML block for `authorization:`).
pub fn dev_auth(subject: &str, groups: &[&str], authz: &str) -> String {
    let groups = groups.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "dev:\n  subject: {subject}\n  email: {subject}@example.test\n  groups: [{groups}]\nauthorization:\n{authz}"
    )
}

/// Tier mode with two group mappings the tests use.
pub const TIER_AUTHZ: &str = "  mode: tier\n  groupTiers:\n    viewers: read\n    sre: admin\n";

/// The clusters.yaml of one cluster reached through its bridge (impersonate-only) identity.
pub fn bridge_clusters(cluster: &TestCluster) -> String {
    bridge_fleet(&[cluster])
}

/// The clusters.yaml of several clusters, each named after itself and reached through its bridge.
pub fn bridge_fleet(clusters: &[&TestCluster]) -> String {
    let entries: String = clusters.iter().map(|c| kubeconfig_entry(&c.name, &c.bridge_kubeconfig())).collect();
    format!("clusters:\n{entries}")
}

/// A dev-mode server in tier mode that reaches `cluster` through its bridge identity, signed
/// in as `subject` with `groups`, with extra environment (e.g. audit settings).
pub fn dev_server(cluster: &TestCluster, subject: &str, groups: &[&str], env: &[(&str, String)]) -> Server {
    let mut server = configured_server(bridge_clusters(cluster), dev_auth(subject, groups, TIER_AUTHZ));
    server.env = env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Server::start(binary(), server)
}

/// Options for a server with these clusters.yaml and auth.yaml texts (no extra environment,
/// any free port).
pub fn configured_server(clusters_yaml: String, auth_yaml: String) -> ServerOptions {
    ServerOptions { clusters_yaml: Some(clusters_yaml), auth_yaml: Some(auth_yaml), env: vec![], port: None }
}

/// [`dev_server`] without extra environment.
pub fn tier_server(cluster: &TestCluster, subject: &str, groups: &[&str]) -> Server {
    dev_server(cluster, subject, groups, &[])
}

/// Pod names in a list answer.
pub fn names(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["name"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// An auth.yaml for OIDC against `issuer`, with Periscope on `port`, tier mode, plus extra
/// lines for `session:` and `authorization:` (each line indented by two spaces).
pub fn oidc_auth(issuer: &str, port: u16, session: &str, authorization: &str) -> String {
    format!(
        "oidc:\n  issuer: {issuer}\n  clientID: periscope\n  clientSecret: periscope-test-secret\n  \
         redirectURL: http://127.0.0.1:{port}/api/auth/callback\nsession:\n  cookieName: periscope_session\n{session}\
         authorization:\n  mode: tier\n  groupTiers:\n    viewers: read\n    sre: admin\n{authorization}"
    )
}

/// A server in OIDC mode against `idp` and `cluster` (through the bridge identity).
pub fn oidc_server(idp: &periscope_testkit::Idp, cluster: &TestCluster, session: &str, authorization: &str) -> Server {
    let port = periscope_testkit::free_port();
    Server::start(
        binary(),
        ServerOptions {
            clusters_yaml: Some(bridge_clusters(cluster)),
            auth_yaml: Some(oidc_auth(&idp.issuer, port, session, authorization)),
            env: vec![],
            port: Some(port),
        },
    )
}

/// Writes a kubeconfig for `https://127.0.0.1:{port}` (nothing real behind it) into `dir`.
pub fn loopback_kubeconfig(dir: &Path, port: u16) -> std::path::PathBuf {
    let kubeconfig = dir.join("loopback.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}', \
             insecure-skip-tls-verify: true}}}}]\nusers: [{{name: u, user: {{token: t}}}}]\n\
             contexts: [{{name: c, context: {{cluster: c, user: u}}}}]\ncurrent-context: c\n"
        ),
    )
    .expect("write kubeconfig");
    kubeconfig
}

/// Runs `testenv/browser/<script>.mjs --scenario <scenario>` against `server` in Chromium and
/// returns its JSON result, failing the test on a driver error, an uncaught page error or a
/// request that left for anywhere but the server.
pub async fn drive_script(script: &str, server: &Server, scenario: &str, args: &[&str]) -> serde_json::Value {
    let shot = periscope_testkit::browser::artifact_path(&format!("{script}-{scenario}.png"));
    let mut command = std::process::Command::new("node");
    command
        .arg(periscope_testkit::repo_root().join(format!("testenv/browser/{script}.mjs")))
        .args(["--base", &server.base_url, "--scenario", scenario, "--screenshot"])
        .arg(&shot)
        .args(args);
    let out = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("driver said {stdout:?} ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{scenario} failed: {value}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(value["pageErrors"], serde_json::json!([]), "no uncaught errors in the page: {value}");
    assert_eq!(value["blockedRequests"], serde_json::json!([]), "the page reaches nothing but its server: {value}");
    value
}

/// Runs the testenv's helm (beside its kubectl) as the cluster admin with Helm's storage
/// `driver` (`secret`, `configmap`), in a throwaway helm home; panics with helm's output when
/// it fails, else returns that output.
pub fn helm(cluster: &TestCluster, driver: &str, args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("helm home");
    let out = std::process::Command::new(cluster.kubectl_binary().with_file_name("helm"))
        .arg("--kubeconfig")
        .arg(cluster.admin_kubeconfig())
        .args(args)
        .env("HELM_DRIVER", driver)
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .output()
        .expect("helm runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "helm {args:?}: {text}");
    text
}

/// The testenv's small chart (a ConfigMap and a Deployment; values `message`, `replicas`).
pub fn hello_chart() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testenv/charts/hello").to_string_lossy().into_owned()
}

/// One JSON request to `server`: the status and the body (`Null` when it is not JSON).
pub async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// A Warning Event (core/v1) named `name` about pod `pod` of `ns`, seen `count` times, last at `at`.
pub fn pod_warning(ns: &str, pod: &str, name: &str, reason: &str, message: &str, count: u32, at: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Event\nmetadata: {{name: {name}, namespace: {ns}}}\n\
         involvedObject: {{apiVersion: v1, kind: Pod, namespace: {ns}, name: {pod}}}\n\
         reason: {reason}\nmessage: {message}\ntype: Warning\ncount: {count}\nlastTimestamp: \"{at}\"\n---\n"
    )
}
