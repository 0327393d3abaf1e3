//! kubectl through Periscope: a downloaded kubeconfig (proxy URL + personal access token) drives
//! the real kubectl against the real apiserver as the token's user, changes are audited with
//! `via: proxy`, and tokens are refused when unknown, revoked, expired or for another cluster.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster, exec::running_pod};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A kubeconfig for `clusters` downloaded from `server`, saved in a temp dir.
async fn kubeconfig(server: &Server, clusters: &str) -> (tempfile::TempDir, PathBuf) {
    let response = server
        .http
        .get(server.url(&format!("/api/kubeconfig?clusters={clusters}")))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("text");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config");
    std::fs::write(&path, text).expect("kubeconfig written");
    (dir, path)
}

/// Runs kubectl with `config`: (success, stdout, stderr).
fn kubectl(cluster: &TestCluster, config: &Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(cluster.kubectl_binary())
        .arg("--kubeconfig")
        .arg(config)
        .arg("--request-timeout=30s")
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin written");
    }
    let out = child.wait_with_output().expect("kubectl ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn call_json(server: &Server, path: &str) -> (StatusCode, Value) {
    let response = server.http.get(server.url(path)).send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn proxy_rows(server: &Server, namespace: &str) -> Vec<Value> {
    let (_, trail) = call_json(server, "/api/audit?verb=proxy&phase=outcome&limit=200").await;
    trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["resource"]["namespace"] == namespace)
        .cloned()
        .collect()
}

/// An editor (alice) and a viewer (bob) of `ns` with a pod `box`, each with a server and a
/// downloaded kubeconfig.
struct Users {
    alice: Server,
    bob: Server,
    config: PathBuf,
    bob_config: PathBuf,
    _dirs: [tempfile::TempDir; 2],
}

async fn users(alpha: &TestCluster, ns: &TestNamespace) -> Users {
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    running_pod(alpha, ns, "box");
    let alice = dev_server(alpha, "alice", &[], &[]);
    let bob = dev_server(alpha, "bob", &[], &[]);
    let (dir, config) = kubeconfig(&alice, "alpha").await;
    let (bob_dir, bob_config) = kubeconfig(&bob, "alpha").await;
    Users { alice, bob, config, bob_config, _dirs: [dir, bob_dir] }
}

#[tokio::test]
async fn kubectl_through_the_proxy_acts_as_the_token_user_and_changes_are_audited() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "proxy");
    let Users { alice, bob, config, bob_config, _dirs } = users(&alpha, &ns).await;
    let n = ns.name.as_str();

    let (ok, out, err) = kubectl(&alpha, &config, &["get", "pods", "-n", n, "-o", "name"], None);
    assert!(ok && out.trim() == "pod/box", "{out}{err}");
    // Who the apiserver sees: the token's user, whatever the client asks to impersonate.
    let (ok, out, err) =
        kubectl(&alpha, &config, &["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], None);
    assert!(ok && out == "alice", "{out}{err}");
    let (_, out, err) = kubectl(
        &alpha,
        &config,
        &["auth", "whoami", "--as=system:admin", "-o", "jsonpath={.status.userInfo.username}"],
        None,
    );
    assert!(!out.contains("system:admin"), "Impersonate-User from the client never reaches the cluster: {out}{err}");
    let (_, out, _) = kubectl(&alpha, &config, &["auth", "can-i", "create", "configmaps", "-n", n], None);
    assert_eq!(out.trim(), "yes");
    let (_, out, _) = kubectl(&alpha, &bob_config, &["auth", "can-i", "create", "configmaps", "-n", n], None);
    assert_eq!(out.trim(), "no", "the view-only user is denied");
    let (ok, out, err) = kubectl(&alpha, &config, &["api-resources", "--api-group=periscope.dev", "-o", "name"], None);
    assert!(ok && out.contains("widgets.periscope.dev"), "discovery passes through: {out}{err}");

    let manifest =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: through, namespace: {n}}}\ndata: {{a: '1'}}\n");
    let (ok, out, err) = kubectl(&alpha, &config, &["apply", "-f", "-"], Some(&manifest));
    assert!(ok, "{out}{err}");
    assert_eq!(alpha.kubectl(&["-n", n, "get", "configmap", "through", "-o", "jsonpath={.data.a}"]), "1");
    let (ok, _, err) = kubectl(&alpha, &bob_config, &["-n", n, "delete", "configmap", "through"], None);
    assert!(!ok && err.contains("forbidden"), "bob may not delete: {err}");
    let (ok, out, err) = kubectl(&alpha, &config, &["exec", "-n", n, "box", "-c", "shell", "--", "echo", "hi"], None);
    assert!(ok && out.trim() == "hi", "exec is spliced through: {out}{err}");

    // A followed log streams through the proxy unbuffered: a line arrives while it follows.
    let mut follow = Command::new(alpha.kubectl_binary())
        .arg("--kubeconfig")
        .arg(&config)
        .args(["logs", "-f", "-n", n, "box", "-c", "shell"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl logs runs");
    let stdout = follow.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(Duration::from_secs(30));
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(first.is_ok_and(|l| !l.is_empty()), "a log line arrived through logs -f");

    let (ok, out, err) = kubectl(&alpha, &config, &["-n", n, "delete", "configmap", "through"], None);
    assert!(ok, "{out}{err}");

    let rows = proxy_rows(&alice, n).await;
    let has = |verb: &str, outcome: &str| {
        rows.iter().any(|r| r["extra"]["verb"] == verb && r["outcome"] == outcome && r["actor"]["sub"] == "alice")
    };
    assert!(has("patch", "success") || has("create", "success"), "kubectl apply is audited: {rows:?}");
    assert!(has("delete", "success"), "{rows:?}");
    assert!(
        rows.iter().any(|r| r["extra"]["subresource"] == "exec" && r["extra"]["via"] == "proxy"),
        "kubectl exec is audited: {rows:?}"
    );
    assert!(!rows.iter().any(|r| r["extra"]["verb"] == "list"), "reads are not audited by default: {rows:?}");
    let (_, trail) = call_json(&alice, "/api/audit?verb=proxy&limit=200").await;
    let reviews = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["resource"]["resource"] == "selfsubjectaccessreviews")
        .count();
    assert_eq!(reviews, 0, "can-i stores nothing and is not audited: {trail}");
    let bob_rows = proxy_rows(&bob, n).await;
    assert!(bob_rows.iter().any(|r| r["extra"]["verb"] == "delete" && r["outcome"] == "denied"), "{bob_rows:?}");
}

/// Runs the testenv's helm with `config`: (success, stdout + stderr).
fn helm(cluster: &TestCluster, config: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(cluster.kubectl_binary().with_file_name("helm"))
        .arg("--kubeconfig")
        .arg(config)
        .args(args)
        .env("HELM_CACHE_HOME", config.with_file_name("helm-cache"))
        .env("HELM_CONFIG_HOME", config.with_file_name("helm-config"))
        .env("HELM_DATA_HOME", config.with_file_name("helm-data"))
        .output()
        .expect("helm runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn helm_installs_and_port_forward_reaches_a_pod_through_the_proxy() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "proxy-helm");
    // bob's server holds his token: it lives as long as the test.
    let Users { alice, bob: _bob, config, bob_config, _dirs } = users(&alpha, &ns).await;
    let n = ns.name.as_str();
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testenv/charts/hello");
    let chart = chart.to_str().expect("utf-8 path");

    let (ok, out) = helm(&alpha, &config, &["install", "greet", chart, "-n", n, "--set", "message=through"]);
    assert!(ok, "{out}");
    assert_eq!(
        alpha.kubectl(&["-n", n, "get", "configmap", "greet-hello", "-o", "jsonpath={.data.message}"]),
        "through"
    );
    let (ok, out) = helm(&alpha, &config, &["list", "-n", n, "-q"]);
    assert!(ok && out.lines().any(|l| l == "greet"), "{out}");
    // Releases live in Secrets, which the view-only user may not read.
    let (_, out) = helm(&alpha, &bob_config, &["list", "-n", n, "-q"]);
    assert!(!out.lines().any(|l| l == "greet"), "RBAC decides what helm list shows bob: {out}");

    // kubectl port-forward (a spliced upgrade) to the pod, which kwok answers with a greeting.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        listener.local_addr().expect("address").port()
    };
    let mut forward = Command::new(alpha.kubectl_binary())
        .arg("--kubeconfig")
        .arg(&config)
        .args(["port-forward", "-n", n, "pod/box", &format!("{port}:80")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl port-forward runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    let greeting = loop {
        let attempt = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|stream| {
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line)?;
            Ok(line)
        });
        match attempt {
            Ok(line) if !line.is_empty() => break line,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("port-forward never answered: {other:?}"),
        }
    };
    let _ = forward.kill();
    let _ = forward.wait();
    assert!(greeting.contains("port-forward cluster=alpha"), "{greeting}");
    let rows = proxy_rows(&alice, n).await;
    assert!(rows.iter().any(|r| r["extra"]["subresource"] == "portforward"), "port-forward is audited: {rows:?}");
}

#[tokio::test]
async fn tokens_are_refused_when_unknown_revoked_expired_or_for_another_cluster() {
    let alpha = cluster("alpha");
    let beta = cluster("beta");
    let ns = TestNamespace::new(&alpha, "tokens");
    ns.grant("alice", "edit");
    let mut options = configured_server(bridge_fleet(&[&alpha, &beta]), dev_auth("alice", &[], TIER_AUTHZ));
    options.env = vec![("PERISCOPE_TOKEN_MAX_TTL_HOURS".into(), "1".into())];
    let server = Server::start(binary(), options);
    let create = |body: Value| {
        let request = server.http.post(server.url("/api/tokens")).json(&body);
        async move {
            let response = request.send().await.expect("request reaches the server");
            let status = response.status();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, issued) = create(json!({"name": "laptop", "clusters": ["alpha"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("pst_"));
    assert_eq!(issued["expiresAt"].as_i64().unwrap_or(0) - issued["createdAt"].as_i64().unwrap_or(0), 3600);
    for (body, needle) in [
        (json!({"name": "x", "clusters": ["alpha"], "ttlSeconds": 3601}), "ttlSeconds"),
        (json!({"name": "", "clusters": ["alpha"]}), "name"),
        (json!({"name": "x", "clusters": []}), "clusters"),
        (json!({"name": "x", "clusters": ["alpha"], "extra": 1}), "extra"),
    ] {
        let (status, refused) = create(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(refused["message"].as_str().is_some_and(|m| m.contains(needle)), "{needle}: {refused}");
    }
    let (status, _) = create(json!({"name": "x", "clusters": ["nowhere"]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The raw client: no cookie jar, nothing but the bearer token.
    let raw = reqwest::Client::new();
    let proxied = |cluster: &str, secret: &str| {
        raw.get(server.url(&format!("/api/clusters/{cluster}/k8s/api/v1/namespaces/{}/configmaps", ns.name)))
            .bearer_auth(secret)
            .send()
    };
    assert_eq!(proxied("alpha", &token).await.expect("answer").status(), StatusCode::OK);
    assert_eq!(proxied("beta", &token).await.expect("answer").status(), StatusCode::FORBIDDEN, "alpha's token on beta");
    assert_eq!(proxied("alpha", "pst_unknown").await.expect("answer").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(proxied("alpha", "garbage").await.expect("answer").status(), StatusCode::UNAUTHORIZED);

    let listed: Value =
        server.http.get(server.url("/api/tokens")).send().await.expect("list").json().await.expect("json");
    let mine = listed["items"].as_array().expect("items");
    let entry = mine.iter().find(|t| t["name"] == "laptop").expect("listed");
    assert!(entry.get("token").is_none() && entry.get("hash").is_none(), "never the secret: {entry}");
    assert!(entry["lastUsedAt"].is_i64(), "use is recorded: {entry}");

    let id = entry["id"].as_str().expect("id");
    let revoked = server.http.delete(server.url(&format!("/api/tokens/{id}"))).send().await.expect("revoke");
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(proxied("alpha", &token).await.expect("answer").status(), StatusCode::UNAUTHORIZED, "revoked");

    let (_, short) = create(json!({"name": "short", "clusters": ["alpha"], "ttlSeconds": 1})).await;
    let short = short["token"].as_str().expect("token").to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = proxied("alpha", &short).await.expect("answer").status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(Instant::now() < deadline, "the 1 s token never expired: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A cross-site page cannot mint tokens.
    let foreign = server
        .http
        .post(server.url("/api/tokens"))
        .header("Origin", "https://evil.example")
        .json(&json!({"name": "x", "clusters": ["alpha"]}))
        .send()
        .await
        .expect("answer");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_quiet_watch_through_the_proxy_outlives_the_idle_timeout() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "proxy-watch");
    ns.grant("alice", "edit");
    let env = [("PERISCOPE_HTTP_IDLE_TIMEOUT", "2s".to_string()), ("PERISCOPE_WATCH_PING_SECONDS", "1".to_string())];
    let server = dev_server(&alpha, "alice", &[], &env);
    let url = format!(
        "/api/clusters/alpha/k8s/api/v1/namespaces/{}/configmaps?watch=1&timeoutSeconds=60&labelSelector=late",
        ns.name
    );
    let mut watch = server.http.get(server.url(&url)).send().await.expect("the watch opens");
    assert_eq!(watch.status(), StatusCode::OK);
    // Silent for twice the idle timeout (nothing has the label yet), then one change arrives.
    match tokio::time::timeout(Duration::from_secs(4), watch.chunk()).await {
        Err(_) => {}
        Ok(Ok(Some(chunk))) => panic!("an event before any change: {chunk:?}"),
        Ok(other) => panic!("the watch ended while quiet: {other:?}"),
    }
    let late = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: late, namespace: {}, labels: {{late: 'y'}}}}\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&late));
    let chunk = tokio::time::timeout(Duration::from_secs(20), watch.chunk())
        .await
        .expect("an event within 20 s")
        .expect("the stream is still open")
        .expect("a chunk");
    let text = String::from_utf8_lossy(&chunk);
    assert!(text.contains("\"ADDED\"") && text.contains("\"late\""), "{text}");
}

#[tokio::test]
async fn tokens_in_postgres_are_shared_by_replicas_and_audit_admins_may_revoke_any() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "tokens-pg");
    ns.grant("alice", "edit");
    let dsn = periscope_testkit::postgres::fresh_database("tokens");
    let session =
        format!("session:\n  store: postgres\n  postgresDSN: {dsn}\n  encryptionKey: test-key-0123456789abcdef\n");
    let replica = |subject: &str, groups: &[&str]| {
        let auth = format!("{}{session}", dev_auth(subject, groups, TIER_AUTHZ));
        Server::start(binary(), configured_server(bridge_clusters(&alpha), auth))
    };
    let (alice_a, alice_b, admin) = (replica("alice", &[]), replica("alice", &[]), replica("sam", &["sre"]));
    let issued: Value = alice_a
        .http
        .post(alice_a.url("/api/tokens"))
        .json(&json!({"name": "ci", "clusters": ["alpha"]}))
        .send()
        .await
        .expect("issued")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token").to_string();
    let raw = reqwest::Client::new();
    let path = format!("/api/clusters/alpha/k8s/api/v1/namespaces/{}/configmaps", ns.name);
    let status = |server: &Server| raw.get(server.url(&path)).bearer_auth(&token).send();
    assert_eq!(status(&alice_b).await.expect("answer").status(), StatusCode::OK, "another replica knows the token");

    let (code, _) = call_json(&alice_a, "/api/tokens?all=true").await;
    assert_eq!(code, StatusCode::FORBIDDEN, "only audit admins list everyone's tokens");
    let (code, all) = call_json(&admin, "/api/tokens?all=true").await;
    assert_eq!(code, StatusCode::OK, "{all}");
    let listed = all["items"].as_array().expect("items").iter().find(|t| t["id"] == issued["id"]).cloned();
    assert_eq!(listed.map(|t| t["subject"].clone()), Some(json!("alice")), "{all}");
    let (_, own) = call_json(&admin, "/api/tokens").await;
    assert!(own["items"].as_array().expect("items").is_empty(), "without all=true: the admin's own only: {own}");

    let id = issued["id"].as_str().expect("id");
    let revoked = admin.http.delete(admin.url(&format!("/api/tokens/{id}"))).send().await.expect("revoke");
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&alice_a).await.expect("answer").status(), StatusCode::UNAUTHORIZED, "revoked everywhere");
    let (_, trail) = call_json(&admin, "/api/audit?verb=token_revoke&phase=outcome&limit=50").await;
    assert!(
        trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["outcome"] == "success" && r["actor"]["sub"] == "sam"),
        "{trail}"
    );
}
