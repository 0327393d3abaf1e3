//! Helm releases read as the user against the real apiserver, with releases made by the real
//! helm (testenv builds it): list, detail, history, revision and values diffs, drift against the
//! live objects, the ConfigMap driver, RBAC on release storage, and the size cap.

mod common;

use std::io::Write;

use base64::{Engine, engine::general_purpose::STANDARD};
use common::*;
use periscope_testkit::{ChartRepo, OciRegistry, Server, TestNamespace, cluster};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(server: &Server, path: &str) -> (StatusCode, Value) {
    let response = server.http.get(server.url(path)).send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn releases_history_diffs_and_drift_read_as_the_user() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    let n = ns.name.as_str();
    let chart = hello_chart();
    helm(&alpha, "secret", &["install", "greet", &chart, "-n", n, "--set", "message=one"]);
    helm(&alpha, "secret", &["upgrade", "greet", &chart, "-n", n, "--set", "message=two", "--set", "replicas=2"]);
    helm(&alpha, "configmap", &["install", "other", &chart, "-n", n]);
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let bob = dev_server(&alpha, "bob", &[], &[]);
    let base = format!("/api/clusters/alpha/helm/releases/{n}/greet");

    let (status, list) = get(&alice, &format!("/api/clusters/alpha/helm/releases?namespace={n}")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut names: Vec<(&str, i64)> = list["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or(""), r["revision"].as_i64().unwrap_or(0)))
        .collect();
    names.sort();
    assert_eq!(names, vec![("greet", 2), ("other", 1)], "the latest revision of each, both drivers: {list}");
    let greet = list["releases"].as_array().expect("releases").iter().find(|r| r["name"] == "greet").expect("greet");
    assert_eq!((greet["chartName"].as_str(), greet["status"].as_str()), (Some("hello"), Some("deployed")));

    let (status, detail) = get(&alice, &base).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["values"], json!({"message": "two", "replicas": 2}));
    assert_eq!(detail["computedValues"]["message"], "two");
    assert!(detail["computedValues"]["image"].is_string(), "chart defaults are merged in: {detail}");
    assert!(detail["manifest"].as_str().is_some_and(|m| m.contains("kind: Deployment")), "{detail}");
    let kinds: Vec<&str> =
        detail["resources"].as_array().expect("resources").iter().filter_map(|r| r["kind"].as_str()).collect();
    assert!(kinds.contains(&"ConfigMap") && kinds.contains(&"Deployment"), "{kinds:?}");
    let (_, first) = get(&alice, &format!("{base}?revision=1")).await;
    assert_eq!(first["values"], json!({"message": "one"}));

    let (_, history) = get(&alice, &format!("{base}/history")).await;
    let revisions: Vec<(i64, &str)> = history["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap_or(0), r["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(revisions, vec![(2, "deployed"), (1, "superseded")]);

    let (status, diff) = get(&alice, &format!("{base}/diff?from=1&to=2")).await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    let changed = changed_paths(&diff);
    assert!(changed.contains(&"ConfigMap greet-hello: data.message".to_string()), "{changed:?}");
    assert!(changed.contains(&"Deployment greet-hello: spec.replicas".to_string()), "{changed:?}");
    let message = diff["values"].as_array().expect("values").iter().find(|c| c["path"] == "message").cloned();
    assert_eq!(message.map(|c| (c["before"].clone(), c["after"].clone())), Some((json!("one"), json!("two"))));

    // Untouched: no drift (no false positives from defaults, status or controller metadata).
    let (status, drift) = get(&alice, &format!("{base}/drift")).await;
    assert_eq!(status, StatusCode::OK, "{drift}");
    assert_eq!(drift["drifted"], 0, "{drift}");
    alpha.kubectl(&["-n", n, "scale", "deployment", "greet-hello", "--replicas=5"]);
    let (_, drift) = get(&alice, &format!("{base}/drift")).await;
    let deployment = drift["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["object"] == "Deployment greet-hello")
        .cloned()
        .expect("the deployment");
    assert_eq!(deployment["state"], "drifted", "{drift}");
    assert_eq!(deployment["changes"][0]["path"], "spec.replicas");
    assert_eq!(
        (deployment["changes"][0]["before"].clone(), deployment["changes"][0]["after"].clone()),
        (json!(2), json!(5))
    );

    // bob may read ConfigMaps but not Secrets: he sees the ConfigMap-stored release only.
    let (status, seen) = get(&bob, &format!("/api/clusters/alpha/helm/releases?namespace={n}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let names: Vec<&str> =
        seen["releases"].as_array().expect("releases").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, vec!["other"], "RBAC decides: {seen}");
    let (status, _) = get(&bob, &base).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "greet's storage is out of bob's sight");

    let (status, missing) = get(&alice, &format!("{base}?revision=9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let (status, _) = get(&alice, &format!("{base}/diff?from=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_release_over_the_size_cap_is_refused_with_a_clear_message() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-big");
    ns.grant("alice", "edit");
    // A 6 MB manifest gzips to a few KiB: a ConfigMap holds it, Periscope must not inflate it.
    let release = json!({"name": "huge", "namespace": ns.name, "version": 1,
        "info": {"status": "deployed"}, "chart": {"metadata": {"name": "big", "version": "1.0.0"}},
        "manifest": "#".repeat(6 * 1024 * 1024)});
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(release.to_string().as_bytes()).expect("gzip");
    let data = STANDARD.encode(gz.finish().expect("gzip"));
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sh.helm.release.v1.huge.v1\n  namespace: {}\n  labels: {{owner: helm, name: huge, version: '1', status: deployed}}\ndata:\n  release: {data}\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let (status, answer) = get(&alice, &format!("/api/clusters/alpha/helm/releases/{}/huge", ns.name)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "E_UNREADABLE");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("larger than 5 MiB")), "{answer}");
}

#[tokio::test]
async fn rollback_and_uninstall_run_helm_as_the_user_after_a_preflight() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-write");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    let n = ns.name.as_str();
    let chart = hello_chart();
    // ConfigMap storage: the view-only user can read the release, so the pre-flight is what stops him.
    helm(&alpha, "configmap", &["install", "greet", &chart, "-n", n, "--set", "message=one"]);
    helm(&alpha, "configmap", &["upgrade", "greet", &chart, "-n", n, "--set", "message=two"]);
    let binary = alpha.kubectl_binary().with_file_name("helm").to_string_lossy().into_owned();
    let env = [("PERISCOPE_HELM_BINARY", binary)];
    let alice = dev_server(&alpha, "alice", &[], &env);
    let bob = dev_server(&alpha, "bob", &[], &env);
    let base = format!("/api/clusters/alpha/helm/releases/{n}/greet");
    let message = || alpha.kubectl(&["-n", n, "get", "configmap", "greet-hello", "-o", "jsonpath={.data.message}"]);

    // The view-only user is refused before helm runs, with what they may not touch.
    let refused =
        bob.http.post(bob.url(&format!("{base}/rollback"))).json(&json!({"revision": 1})).send().await.expect("answer");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused: Value = refused.json().await.expect("json");
    assert_eq!(refused["code"], "E_HELM_PREFLIGHT_DENIED", "{refused}");
    let denied: Vec<&str> =
        refused["details"]["denied"].as_array().expect("denied").iter().filter_map(Value::as_str).collect();
    assert!(denied.contains(&"patch Deployment greet-hello") && denied.contains(&"create configmaps"), "{denied:?}");
    assert_eq!(message(), "two", "nothing changed");

    let rolled = alice
        .http
        .post(alice.url(&format!("{base}/rollback")))
        .json(&json!({"revision": 1}))
        .send()
        .await
        .expect("answer");
    assert_eq!(rolled.status(), StatusCode::OK);
    let rolled: Value = rolled.json().await.expect("json");
    assert_eq!(rolled["release"]["revision"], 3, "{rolled}");
    assert_eq!(message(), "one");

    let gone = alice.http.delete(alice.url(&base)).send().await.expect("answer");
    assert_eq!(gone.status(), StatusCode::OK);
    assert_eq!(
        alpha.kubectl(&["-n", n, "get", "configmap", "-l", "app.kubernetes.io/instance=greet", "-o", "name"]),
        ""
    );
    let (status, _) = get(&alice, &base).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no history kept");

    let (_, trail) = get(&alice, "/api/audit?phase=outcome&limit=200").await;
    let rows: Vec<&Value> =
        trail["items"].as_array().expect("items").iter().filter(|r| r["resource"]["namespace"] == n).collect();
    let done = |verb: &str| {
        rows.iter().any(|r| r["verb"] == verb && r["outcome"] == "success" && r["actor"]["sub"] == "alice")
    };
    assert!(done("helm_rollback") && done("helm_uninstall"), "{rows:?}");
    assert!(done("proxy"), "what helm did went through the proxy as alice: {rows:?}");
    let (_, features) = get(&alice, "/api/features").await;
    assert_eq!(features["helmWrites"], true, "{features}");
    // A server without helm says so and answers writes with 501.
    let without = dev_server(&alpha, "alice", &[], &[("PERISCOPE_HELM_BINARY", "/nonexistent/helm".to_string())]);
    let (_, features) = get(&without, "/api/features").await;
    assert_eq!(features["helmWrites"], false, "{features}");
    let refused = without.http.delete(without.url(&base)).send().await.expect("answer");
    assert_eq!(refused.status(), StatusCode::NOT_IMPLEMENTED);
    let (_, bobs) = get(&bob, "/api/audit?verb=helm_rollback&limit=50").await;
    assert!(
        bobs["items"].as_array().expect("items").iter().all(|r| r["resource"]["namespace"] != n),
        "a refused pre-flight writes no row"
    );
}

async fn post(server: &Server, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = server.http.post(server.url(path)).json(body).send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The paths a diff answer names, as `object: path`.
fn changed_paths(diff: &Value) -> Vec<String> {
    diff["objects"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|o| {
            let object = o["object"].as_str().unwrap_or("").to_string();
            o["changes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |c| format!("{object}: {}", c["path"].as_str().unwrap_or("")))
        })
        .collect()
}

#[tokio::test]
async fn install_and_upgrade_from_a_chart_repository_as_the_user() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-repo");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    let n = ns.name.as_str();
    let helm_binary = alpha.kubectl_binary().with_file_name("helm");
    let repo = ChartRepo::hello(&helm_binary, &["0.1.0", "0.2.0"]).await;
    // The repository is on this host's own address, which may be a private one.
    let env = [
        ("PERISCOPE_HELM_BINARY", helm_binary.to_string_lossy().into_owned()),
        ("PERISCOPE_HELM_ALLOW_PRIVATE_REPOS", "true".to_string()),
    ];
    let alice = dev_server(&alpha, "alice", &[], &env);
    let bob = dev_server(&alpha, "bob", &[], &env);
    let charts = "/api/clusters/alpha/helm/charts";
    let url = repo.url.as_str();

    let (status, versions) = get(&alice, &format!("{charts}/versions?repo={url}&chart=hello")).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let listed: Vec<&str> =
        versions["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(listed, ["0.2.0", "0.1.0"], "newest first: {versions}");
    assert_eq!(versions["versions"][0]["appVersion"], "v0.2.0");
    let (status, defaults) = get(&alice, &format!("{charts}/values?repo={url}&chart=hello&version=0.1.0")).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert!(defaults["values"].as_str().is_some_and(|v| v.contains("message: hello from periscope")), "{defaults}");
    assert_eq!(defaults["chart"]["version"], "0.1.0");
    let (status, missing) = get(&alice, &format!("{charts}/values?repo={url}&chart=hello&version=9.9.9")).await;
    assert_eq!((status, missing["code"].as_str()), (StatusCode::NOT_FOUND, Some("E_CHART_VERSION_NOT_FOUND")));

    let install = json!({"namespace": n, "name": "web", "repo": url, "chart": "hello", "version": "0.1.0",
                         "values": "message: one\n"});
    // The view-only user sees what would be refused, and the install itself is refused.
    let (status, preview) = post(&bob, "/api/clusters/alpha/helm/install-preview", &install).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let denied: Vec<&str> = preview["denied"].as_array().expect("denied").iter().filter_map(Value::as_str).collect();
    assert!(denied.contains(&"create Deployment web-hello") && denied.contains(&"create secrets"), "{denied:?}");
    let (status, refused) = post(&bob, "/api/clusters/alpha/helm/install", &install).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("E_HELM_PREFLIGHT_DENIED")));
    assert_eq!(
        alpha.kubectl(&["-n", n, "get", "configmaps", "-l", "app.kubernetes.io/instance=web", "-o", "name"]),
        ""
    );

    let (status, preview) = post(&alice, "/api/clusters/alpha/helm/install-preview", &install).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["denied"], json!([]), "{preview}");
    assert!(preview["manifest"].as_str().is_some_and(|m| m.contains("message: \"one\"")), "{preview}");
    let actions: Vec<(&str, &str, bool)> = preview["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| (o["object"].as_str().unwrap_or(""), o["action"].as_str().unwrap_or(""), o["allowed"] == true))
        .collect();
    assert!(actions.contains(&("ConfigMap web-hello", "create", true)), "{actions:?}");
    let (status, installed) = post(&alice, "/api/clusters/alpha/helm/install", &install).await;
    assert_eq!(status, StatusCode::OK, "{installed}");
    assert_eq!(installed["release"]["revision"], 1, "{installed}");
    let message = || alpha.kubectl(&["-n", n, "get", "configmap", "web-hello", "-o", "jsonpath={.data.message}"]);
    assert_eq!(message(), "one");
    let base = format!("/api/clusters/alpha/helm/releases/{n}/web");
    let (_, detail) = get(&alice, &base).await;
    assert_eq!(detail["source"], json!({"repo": url, "chart": "hello"}), "where it came from is kept");
    assert_eq!(detail["values"], json!({"message": "one"}));

    // Upgrade with edited values, the same chart rebuilt from release storage.
    let edited = json!({"values": "message: two\nreplicas: 2\n"});
    let (status, preview) = post(&alice, &format!("{base}/upgrade-preview"), &edited).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let paths = changed_paths(&preview["diff"]);
    assert!(paths.contains(&"ConfigMap web-hello: data.message".to_string()), "{paths:?}");
    assert!(paths.contains(&"Deployment web-hello: spec.replicas".to_string()), "{paths:?}");
    let patches: Vec<&str> = preview["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["action"] == "patch")
        .filter_map(|o| o["object"].as_str())
        .collect();
    assert!(patches.contains(&"Deployment web-hello"), "existing objects are patched: {preview}");
    assert_eq!(message(), "one", "a preview changes nothing");
    let (status, refused) = post(&bob, &format!("{base}/upgrade"), &edited).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::NOT_FOUND, Some("E_NOT_FOUND")), "{refused}");
    let (status, upgraded) = post(&alice, &format!("{base}/upgrade"), &edited).await;
    assert_eq!(status, StatusCode::OK, "{upgraded}");
    assert_eq!(upgraded["release"]["revision"], 2);
    assert_eq!(message(), "two");

    // Another version from the release's repository.
    let newer = json!({"values": "message: three\n", "chart": {"repo": url, "chart": "hello", "version": "0.2.0"}});
    let (status, upgraded) = post(&alice, &format!("{base}/upgrade"), &newer).await;
    assert_eq!(status, StatusCode::OK, "{upgraded}");
    assert_eq!(
        (upgraded["release"]["revision"].as_i64(), upgraded["release"]["chartVersion"].as_str()),
        (Some(3), Some("0.2.0"))
    );
    assert_eq!(message(), "three");

    let (_, history) = get(&alice, &format!("{base}/history")).await;
    let revisions: Vec<(i64, &str)> = history["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap_or(0), r["chartVersion"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(revisions, [(3, "0.2.0"), (2, "0.1.0"), (1, "0.1.0")]);
    let (_, diff) = get(&alice, &format!("{base}/diff?from=1&to=2")).await;
    let message_change = diff["values"].as_array().expect("values").iter().find(|c| c["path"] == "message").cloned();
    assert_eq!(message_change.map(|c| (c["before"].clone(), c["after"].clone())), Some((json!("one"), json!("two"))));
    assert!(changed_paths(&diff).contains(&"ConfigMap web-hello: data.message".to_string()), "{diff}");

    let (_, trail) = get(&alice, "/api/audit?phase=outcome&limit=200").await;
    let rows: Vec<&Value> =
        trail["items"].as_array().expect("items").iter().filter(|r| r["resource"]["namespace"] == n).collect();
    let count = |verb: &str| rows.iter().filter(|r| r["verb"] == verb && r["outcome"] == "success").count();
    assert_eq!((count("helm_install"), count("helm_upgrade")), (1, 2), "{rows:?}");

    // Another origin may not drive a write (the browser's cookie would ride along).
    let foreign = alice
        .http
        .post(alice.url(&format!("{base}/upgrade")))
        .header("Origin", "https://evil.example")
        .json(&edited)
        .send()
        .await
        .expect("answer");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(foreign.json::<Value>().await.expect("json")["code"], "E_ORIGIN");
    // Bad values are refused before anything runs.
    let (status, bad) = post(&alice, &format!("{base}/upgrade"), &json!({"values": "- a list\n"})).await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::BAD_REQUEST, Some("E_BAD_REQUEST")), "{bad}");
    assert_eq!(message(), "three");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_loopback_metadata_and_private_repositories() {
    let alpha = cluster("alpha");
    let helm_binary = alpha.kubectl_binary().with_file_name("helm");
    let repo = ChartRepo::hello(&helm_binary, &["0.1.0"]).await;
    let env = [("PERISCOPE_HELM_ALLOW_PRIVATE_REPOS", "true".to_string())];
    let permissive = dev_server(&alpha, "alice", &[], &env);
    let strict = dev_server(&alpha, "alice", &[], &[]);
    let port = repo.loopback_url.trim_end_matches('/').rsplit(':').next().unwrap_or_default().to_string();
    let blocked = |server: &'static str, repo: String| (server, repo);
    let cases = [
        blocked("permissive", repo.loopback_url.clone()),
        blocked("permissive", format!("http://localhost:{port}/")),
        blocked("permissive", format!("http://[::1]:{port}/")),
        blocked("permissive", "http://169.254.169.254/latest/".into()),
        blocked("strict", "http://10.255.255.1/charts/".into()),
        blocked("strict", "http://192.168.0.1/".into()),
    ];
    let before = repo.requests();
    for (which, url) in cases {
        let server = if which == "strict" { &strict } else { &permissive };
        let path = format!("/api/clusters/alpha/helm/charts/versions?repo={url}&chart=hello");
        let (status, answer) = get(server, &path).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("E_CHART_BLOCKED")),
            "{url}: {answer}"
        );
    }
    assert_eq!(repo.requests(), before, "nothing blocked reached the repository");
    let (status, answer) =
        get(&strict, "/api/clusters/alpha/helm/charts/versions?repo=ftp://example.com/&chart=hello").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("E_CHART_UNSUPPORTED_REF")));
    // The same repository on the host's outward address is fetched.
    let (status, answer) =
        get(&permissive, &format!("/api/clusters/alpha/helm/charts/versions?repo={}&chart=hello", repo.url)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(repo.requests() > before);
}

#[tokio::test]
async fn install_and_upgrade_from_an_oci_registry() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-oci");
    ns.grant("alice", "edit");
    let n = ns.name.as_str();
    let helm_binary = alpha.kubectl_binary().with_file_name("helm");
    let packaged = ChartRepo::hello(&helm_binary, &["0.1.0", "0.2.0"]).await;
    let registry = OciRegistry::start().await;
    for version in ["0.1.0", "0.2.0"] {
        registry.push(&helm_binary, &packaged.archive(version), "charts");
    }
    let env = [
        ("PERISCOPE_HELM_BINARY", helm_binary.to_string_lossy().into_owned()),
        ("PERISCOPE_HELM_ALLOW_PRIVATE_REPOS", "true".to_string()),
        ("PERISCOPE_HELM_REPO_CA_FILE", registry.ca_file.to_string_lossy().into_owned()),
    ];
    let alice = dev_server(&alpha, "alice", &[], &env);
    let repo = format!("oci://{}/charts", registry.host);
    let charts = "/api/clusters/alpha/helm/charts";

    let (status, versions) = get(&alice, &format!("{charts}/versions?repo={repo}&chart=hello")).await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let listed: Vec<&str> =
        versions["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(listed, ["0.2.0", "0.1.0"], "the registry's tags, newest first: {versions}");
    let (status, defaults) = get(&alice, &format!("{charts}/values?repo={repo}&chart=hello&version=0.1.0")).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert!(defaults["values"].as_str().is_some_and(|v| v.contains("message:")), "{defaults}");

    let install = json!({"namespace": n, "name": "oci", "repo": repo, "chart": "hello", "version": "0.1.0",
                         "values": "message: from the registry\n"});
    let (status, installed) = post(&alice, "/api/clusters/alpha/helm/install", &install).await;
    assert_eq!(status, StatusCode::OK, "{installed}");
    let message = || alpha.kubectl(&["-n", n, "get", "configmap", "oci-hello", "-o", "jsonpath={.data.message}"]);
    assert_eq!(message(), "from the registry");
    let base = format!("/api/clusters/alpha/helm/releases/{n}/oci");
    let (_, detail) = get(&alice, &base).await;
    assert_eq!(detail["source"], json!({"repo": repo, "chart": "hello"}));

    let newer = json!({"values": "message: newer\n", "chart": {"repo": repo, "chart": "hello", "version": "0.2.0"}});
    let (status, upgraded) = post(&alice, &format!("{base}/upgrade"), &newer).await;
    assert_eq!(status, StatusCode::OK, "{upgraded}");
    assert_eq!(
        (upgraded["release"]["revision"].as_i64(), upgraded["release"]["chartVersion"].as_str()),
        (Some(2), Some("0.2.0"))
    );
    assert_eq!(message(), "newer");

    // Without the registry's CA the server does not trust it.
    let untrusting = dev_server(&alpha, "alice", &[], &env[..2]);
    let (status, answer) = get(&untrusting, &format!("{charts}/versions?repo={repo}&chart=hello")).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("E_CHART_UNREACHABLE")), "{answer}");
}
