//! The Helm section in Debian's Chromium against the real control plane (driven by
//! testenv/browser/helm.mjs; dev mode, so no sign-in): a release of two revisions made by the
//! real helm is opened from the Helm list, its revisions compared (the changed value at its path,
//! before and after) and rolled back to revision 1 from the History tab, through the server's
//! helm as the user.

mod common;

use common::*;
use periscope_testkit::{ChartRepo, TestNamespace, cluster};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_release_is_opened_compared_and_rolled_back_in_the_browser() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-web");
    ns.grant("alice", "edit");
    let n = ns.name.as_str();
    let chart = hello_chart();
    helm(&alpha, "secret", &["install", "greet", &chart, "-n", n, "--set", "message=one"]);
    helm(&alpha, "secret", &["upgrade", "greet", &chart, "-n", n, "--set", "message=two"]);
    let binary = alpha.kubectl_binary().with_file_name("helm").to_string_lossy().into_owned();
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_HELM_BINARY", binary)]);

    let page = format!("/clusters/alpha/helm?namespace={n}");
    let r = drive_script("helm", &server, "rollback", &["--path", &page, "--name", "greet"]).await;
    assert_eq!(r["listed"]["revision"], "2", "the list shows the latest revision: {r}");
    assert_eq!(r["listed"]["status"], "deployed", "{r}");
    assert_eq!(r["history"], json!(["2", "1"]), "revisions newest first: {r}");
    let message = r["valueChanges"]
        .as_array()
        .expect("the values diff")
        .iter()
        .find(|c| c["path"] == "message")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!((message["before"].as_str(), message["after"].as_str()), (Some("one"), Some("two")), "{r}");
    assert!(
        r["objectChanges"].as_array().is_some_and(|o| o.iter().any(|c| c == "ConfigMap greet-hello: data.message")),
        "the manifest diff names the changed path: {r}"
    );
    assert!(
        r["confirmDiff"].as_array().is_some_and(|o| o.iter().any(|c| c["path"] == "message")),
        "the rollback's confirmation shows the diff from current to revision 1 first: {r}"
    );
    assert!(r["compareUrl"].as_str().is_some_and(|q| q.contains("from=1") && q.contains("to=2")), "in the URL: {r}");
    assert_eq!(r["after"]["revision"], "3", "rolling back makes a new revision: {r}");
    assert_eq!(r["after"]["history"], json!(["3", "2", "1"]), "{r}");
    assert_eq!(r["after"]["listed"]["revision"], "3", "the list shows it too: {r}");
    assert!(r["after"]["values"].as_str().is_some_and(|v| v.contains("message: one")), "{r}");

    // What the page showed is what the cluster and the server hold.
    let base = format!("/api/clusters/alpha/helm/releases/{n}/greet");
    let detail: Value =
        server.http.get(server.url(&base)).send().await.expect("answer").json().await.expect("release detail");
    let first: Value = server
        .http
        .get(server.url(&format!("{base}?revision=1")))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("revision 1");
    assert_eq!(detail["release"]["revision"], 3, "{detail}");
    assert_eq!(detail["values"], first["values"], "revision 3's values are revision 1's");
    let live = alpha.kubectl(&["-n", n, "get", "configmap", "greet-hello", "-o", "jsonpath={.data.message}"]);
    assert_eq!(live, "one");
    let trail = server.http.get(server.url("/api/audit?verb=helm_rollback&limit=200")).send().await.expect("answer");
    assert_eq!(trail.status(), StatusCode::OK);
    let trail: Value = trail.json().await.expect("audit rows");
    let rolled =
        trail["items"].as_array().expect("items").iter().any(|row| {
            row["resource"]["namespace"] == n && row["outcome"] == "success" && row["actor"]["sub"] == "alice"
        });
    assert!(rolled, "a helm_rollback row of alice's in the test namespace: {trail}");
}

#[tokio::test]
async fn the_release_tabs_a_refused_rollback_writes_off_and_uninstall_in_the_browser() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-web-tabs");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    let n = ns.name.as_str();
    let chart = hello_chart();
    // ConfigMap storage: the view-only user can read the release, so the pre-flight is what stops him.
    let configmaps = |args: &[&str]| helm(&alpha, "configmap", args);
    configmaps(&["install", "greet", &chart, "-n", n, "--set", "message=one"]);
    configmaps(&["upgrade", "greet", &chart, "-n", n, "--set", "message=two"]);
    alpha.kubectl(&["-n", n, "scale", "deployment", "greet-hello", "--replicas=3"]);
    let binary = alpha.kubectl_binary().with_file_name("helm").to_string_lossy().into_owned();
    let alice = dev_server(&alpha, "alice", &[], &[("PERISCOPE_HELM_BINARY", binary.clone())]);
    let bob = dev_server(&alpha, "bob", &[], &[("PERISCOPE_HELM_BINARY", binary)]);
    let without = dev_server(&alpha, "alice", &[], &[("PERISCOPE_HELM_BINARY", "/nonexistent/helm".to_string())]);
    let page = format!("/clusters/alpha/helm/{n}/greet");

    let r = drive_script("helm", &alice, "tabs", &["--path", &page]).await;
    assert_eq!(r["supplied"], "message: two", "{r}");
    let computed = r["computed"].as_str().unwrap_or_default();
    assert!(computed.contains("message: two") && computed.contains("image: registry.invalid/hello:1"), "{r}");
    assert_eq!(r["computedUrl"], "?values=computed", "{r}");
    assert!(r["manifest"].as_str().is_some_and(|m| m.contains("kind: Deployment")), "{r}");
    assert_eq!(r["notes"], "This chart has no notes.", "{r}");
    let resources = r["resources"].as_array().expect("resources");
    let deployment = resources.iter().find(|x| x["resource"] == "Deployment/greet-hello").expect("the Deployment");
    assert_eq!(deployment["state"], "drifted", "scaled by kubectl: {r}");
    assert_eq!(deployment["href"], format!("/clusters/alpha/r/apps/v1/deployments/{n}/greet-hello"), "{r}");
    let configmap = resources.iter().find(|x| x["resource"] == "ConfigMap/greet-hello").expect("the ConfigMap");
    assert_eq!(configmap["state"], "inSync", "{r}");
    assert_eq!(r["drifted"], "1", "{r}");
    let drifted = r["drift"].as_array().expect("drift").iter().find(|o| o["state"] == "drifted").cloned();
    assert_eq!(
        drifted.map(|o| o["changes"].clone()),
        Some(json!([{"path": "spec.replicas", "release": "1", "live": "3"}])),
        "{r}"
    );

    let r = drive_script("helm", &bob, "refused", &["--path", &page]).await;
    let denied: Vec<&str> = r["denied"].as_array().expect("denied").iter().filter_map(Value::as_str).collect();
    assert!(denied.contains(&"patch Deployment greet-hello"), "{r}");
    assert!(r["text"].as_str().is_some_and(|t| t.contains("Your role may not")), "{r}");
    assert_eq!(r["revision"], "2", "{r}");
    let message = || alpha.kubectl(&["-n", n, "get", "configmap", "greet-hello", "-o", "jsonpath={.data.message}"]);
    assert_eq!(message(), "two", "nothing changed");

    let r = drive_script("helm", &without, "off", &["--path", &page]).await;
    for button in ["upgrade", "uninstall"] {
        assert_eq!(r[button]["disabled"], true, "{r}");
        assert!(r[button]["title"].as_str().is_some_and(|t| t.contains("no helm binary")), "{r}");
    }

    let r = drive_script("helm", &alice, "uninstall", &["--path", &page, "--name", "greet"]).await;
    assert_eq!((r["before"].as_bool(), r["after"].as_bool()), (Some(false), Some(true)), "typed confirmation: {r}");
    assert_eq!(r["landed"], "/clusters/alpha/helm", "{r}");
    assert_eq!(
        alpha.kubectl(&["-n", n, "get", "configmap", "-l", "app.kubernetes.io/instance=greet", "-o", "name"]),
        ""
    );
}

#[tokio::test]
async fn a_chart_is_installed_and_upgraded_to_another_version_in_the_browser() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "helm-web-install");
    ns.grant("alice", "edit");
    let n = ns.name.as_str();
    let binary = alpha.kubectl_binary().with_file_name("helm");
    let repo = ChartRepo::hello(&binary, &["0.1.0", "0.2.0"]).await;
    // The repository is on this host's own address, which may be a private one.
    let env = [
        ("PERISCOPE_HELM_BINARY", binary.to_string_lossy().into_owned()),
        ("PERISCOPE_HELM_ALLOW_PRIVATE_REPOS", "true".to_string()),
    ];
    let server = dev_server(&alpha, "alice", &[], &env);
    let message = || alpha.kubectl(&["-n", n, "get", "configmap", "web-hello", "-o", "jsonpath={.data.message}"]);

    let list = format!("/clusters/alpha/helm?namespace={n}");
    let args = [
        "--path",
        &list,
        "--repo",
        &repo.url,
        "--version",
        "0.1.0",
        "--name",
        "web",
        "--values",
        "message: installed\n",
    ];
    let r = drive_script("helm", &server, "install", &args).await;
    assert_eq!(r["versions"], json!(["0.2.0", "0.1.0"]), "from the repository, newest first: {r}");
    let objects: Vec<&str> = r["objects"].as_array().expect("objects").iter().filter_map(Value::as_str).collect();
    assert!(objects.contains(&"ConfigMap web-hello create yes"), "the pre-flight's answer per object: {r}");
    assert_eq!(r["release"]["path"], format!("/clusters/alpha/helm/{n}/web"), "lands on the new release: {r}");
    assert!(r["release"]["chart"].as_str().is_some_and(|c| c.starts_with("hello-0.1.0")), "{r}");
    assert_eq!(r["release"]["values"], "message: installed", "{r}");
    assert_eq!(message(), "installed", "the cluster holds the installed value: {r}");

    let page = format!("/clusters/alpha/helm/{n}/web");
    let args = ["--path", &page, "--version", "0.2.0", "--values", "message: upgraded\n"];
    let r = drive_script("helm", &server, "upgrade", &args).await;
    assert_eq!(
        r["versions"],
        json!(["0.1.0", "0.2.0"]),
        "the current version first, then the repository's others: {r}"
    );
    assert!(
        r["diff"]["valueChanges"]
            .as_array()
            .is_some_and(|c| c.contains(&json!({"path": "message", "before": "installed", "after": "upgraded"}))),
        "the preview's values diff: {r}"
    );
    assert!(
        r["diff"]["objectChanges"]
            .as_array()
            .is_some_and(|o| o.iter().any(|c| c == "ConfigMap web-hello: data.message")),
        "{r}"
    );
    assert!(r["release"]["chart"].as_str().is_some_and(|c| c.starts_with("hello-0.2.0")), "{r}");
    assert_eq!(r["release"]["values"], "message: upgraded", "{r}");
    assert_eq!(message(), "upgraded", "the cluster holds the upgraded value: {r}");

    let trail: Value = server
        .http
        .get(server.url("/api/audit?phase=outcome&limit=200"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("audit rows");
    let done = |verb: &str| {
        trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|row| row["verb"] == verb && row["resource"]["namespace"] == n && row["outcome"] == "success")
    };
    assert!(done("helm_install") && done("helm_upgrade"), "{trail}");
}
