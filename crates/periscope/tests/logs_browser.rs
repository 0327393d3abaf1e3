//! The log viewer in Debian's Chromium against the real control plane (driven by
//! testenv/browser/logs.mjs; dev mode, so no sign-in). Pods get logs of their own through kwok's
//! per-pod `Logs` objects: CRI-format files this test writes, and appends to while the viewer
//! follows.

mod common;

use std::{path::Path, time::Duration};

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster};
use serde_json::Value;

/// Runs one logs.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    drive_script("logs", server, scenario, args).await
}

/// `lines` in CRI format (`<RFC3339Nano> stdout F <text>`), the first `start_secs_ago` seconds
/// ago and each `step_secs` after the one before.
fn cri(lines: &[String], start_secs_ago: i64, step_secs: i64) -> String {
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(start_secs_ago);
    lines
        .iter()
        .enumerate()
        .map(|(i, text)| format!("{} stdout F {text}\n", start + jiff::SignedDuration::from_secs(step_secs * i as i64)))
        .collect()
}

/// A kwok `Logs` object for pod `pod`: each (container, file) pair, followed.
fn logs_object(namespace: &str, pod: &str, files: &[(&str, &Path)]) -> String {
    let entries: String = files
        .iter()
        .map(|(container, file)| {
            format!("  - containers: [{container}]\n    logsFile: {}\n    follow: true\n", file.display())
        })
        .collect();
    format!(
        "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Logs\nmetadata: {{name: {pod}, namespace: {namespace}}}\nspec:\n  logs:\n{entries}"
    )
}

/// Waits until kwok serves `pod`'s own log (its last line is `last`), not the shared one.
async fn wait_for_own_log(cluster: &TestCluster, namespace: &str, pod: &str, container: &str, last: &str) {
    let mut seen = String::new();
    for _ in 0..150 {
        seen = periscope_testkit::cluster::kubectl(
            &cluster.kubectl_binary(),
            &cluster.admin_kubeconfig(),
            &["logs", "-n", namespace, pod, "-c", container, "--tail=1"],
            None,
        )
        .unwrap_or_else(|e| e);
        if seen.trim() == last {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("kwok never served {namespace}/{pod}/{container}'s own log (last line {last:?}); it said {seen:?}");
}

const KWOK_POD: &str =
    "  nodeSelector: {type: kwok}\n  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n";

/// Pod `solo` (containers `app` and `sidecar`) with logs of its own; returns the app's file.
async fn solo_pod(alpha: &TestCluster, ns: &str, dir: &Path) -> std::path::PathBuf {
    let history: Vec<String> = (1..=200)
        .map(|i| match i {
            150 | 160 | 170 => format!("history line {i} needle"),
            190 => r#"{"level":"error","msg":"json needle","code":42}"#.to_string(),
            195 => format!("history line {i} \x1b[31mred alert\x1b[0m done"),
            _ => format!("history line {i}"),
        })
        .collect();
    let sidecar: Vec<String> =
        (1..=30).map(|i| format!("sidecar line {i}{}", if i % 10 == 0 { " needle" } else { "" })).collect();
    let app = dir.join("solo-app.log");
    let side = dir.join("solo-sidecar.log");
    std::fs::write(&app, cri(&history, 300, 1)).expect("write app log");
    std::fs::write(&side, cri(&sidecar, 100, 1)).expect("write sidecar log");
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: solo, namespace: {ns}}}\nspec:\n{KWOK_POD}  containers: [{{name: app, image: \"img-app\"}}, {{name: sidecar, image: \"img-sidecar\"}}]\n---\n{}",
        logs_object(ns, "solo", &[("app", &app), ("sidecar", &side)])
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    wait_for_own_log(alpha, ns, "solo", "app", "history line 200").await;
    wait_for_own_log(alpha, ns, "solo", "sidecar", "sidecar line 30 needle").await;
    app
}

/// Deployment `shop` (2 pods, container `app`), each pod with 50 lines of its own; returns the pods.
async fn shop_deployment(alpha: &TestCluster, ns: &str, dir: &Path) -> Vec<String> {
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: shop, namespace: {ns}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: shop}}}}\n  template:\n    metadata: {{labels: {{app: shop}}}}\n    spec:\n{}      containers: [{{name: app, image: \"img-shop\"}}]\n",
        KWOK_POD.lines().map(|l| format!("    {l}\n")).collect::<String>()
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let mut pods = Vec::new();
    for _ in 0..150 {
        pods = alpha
            .kubectl(&["get", "pods", "-n", ns, "-l", "app=shop", "-o", "jsonpath={.items[*].metadata.name}"])
            .split_whitespace()
            .map(String::from)
            .collect();
        if pods.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(pods.len(), 2, "shop's pods: {pods:?}");
    pods.sort();
    for (k, pod) in pods.iter().enumerate() {
        let lines: Vec<String> = (1..=50).map(|i| format!("shop {pod} line {i}")).collect();
        let file = dir.join(format!("{pod}.log"));
        // The two pods' lines interleave in time: pod 0 on even seconds, pod 1 on odd ones.
        std::fs::write(&file, cri(&lines, 200 - k as i64, 2)).expect("write shop log");
        alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&logs_object(ns, pod, &[("app", &file)])));
        wait_for_own_log(alpha, ns, pod, "app", &format!("shop {pod} line 50")).await;
    }
    pods
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn pod_logs_follow_pause_find_permalink_container_and_download_in_the_browser() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "logs-web");
    let dir = tempfile::tempdir().expect("temp dir");
    let app = solo_pod(&alpha, &ns.name, dir.path()).await;

    let path = format!("/clusters/alpha/r/core/v1/pods/{}/solo", ns.name);
    let r = drive(&server, "pod", &["--path", &path, "--append", &app.to_string_lossy()]).await;

    assert_eq!(r["loaded"]["lines"], "200", "the history: {r}");
    assert_eq!(r["loaded"]["follow"], "following", "{r}");
    assert_eq!(r["newestInView"], true, "following shows the newest line: {r}");
    assert_eq!(r["ansi"], "red alert", "ANSI colour codes are rendered, not shown: {r}");
    assert_eq!(r["pretty"], "{\n  \"level\": \"error\",\n  \"msg\": \"json needle\",\n  \"code\": 42\n}", "{r}");
    assert_eq!(r["live1InView"], true, "an appended line arrives while following: {r}");
    assert!(r["paused"]["banner"].as_str().is_some_and(|b| b.contains("Paused") && b.contains("1 new")), "{r}");
    assert_eq!(r["paused"]["live2InView"], false, "paused: the view stays where the user scrolled: {r}");
    assert_eq!(r["resumed"]["live2InView"], true, "`f` resumes at the newest line: {r}");

    assert_eq!(r["findFocused"], "log-find", "`/` focuses the find box: {r}");
    assert_eq!(r["found"]["count"], 4, "three needle lines and the JSON one: {r}");
    let ordinal = |v: &Value| v["text"].as_str().and_then(|t| t.split(" / ").next()).unwrap_or_default().to_string();
    assert_ne!(ordinal(&r["next"]), ordinal(&r["found"]), "`]` goes to another match: {r}");
    assert_eq!(ordinal(&r["prev"]), ordinal(&r["found"]), "`[` comes back: {r}");
    assert!(r["next"]["current"].as_str().is_some_and(|t| t.contains("needle")), "{r}");
    assert!(
        strings(&r["hits"]).iter().all(|h| h == "needle") && !strings(&r["hits"]).is_empty(),
        "matches are highlighted: {r}"
    );
    assert_eq!(r["timestampsShown"], 0, "`t` hides timestamps: {r}");

    assert_eq!(r["params"]["wrap"], "0", "`w` is in the URL: {r}");
    assert_eq!(r["params"]["container"], "sidecar", "{r}");
    assert_eq!(strings(&r["containers"]), vec!["app (default)", "sidecar"], "the pod's containers: {r}");
    let sidecar = strings(&r["sidecar"]["texts"]);
    assert!(
        sidecar.iter().any(|t| t == "sidecar line 30 needle") && sidecar.iter().all(|t| t.starts_with("sidecar line")),
        "{r}"
    );
    assert_eq!(r["sidecar"]["find"]["count"], 3, "the find goes on in the other container: {r}");

    let file = r["downloaded"]["filename"].as_str().unwrap_or_default();
    assert!(file.starts_with(&format!("alpha_{}_", ns.name)) && file.contains("solo") && file.ends_with(".log"), "{r}");
    assert!(r["downloaded"]["url"].as_str().is_some_and(|u| u.contains("container=sidecar")), "{r}");
    let text = r["downloaded"]["text"].as_str().unwrap_or_default();
    assert_eq!(text.lines().count(), 30, "the whole sidecar log: {text}");
    assert!(text.lines().all(|l| l.contains(" sidecar line ")), "{text}");

    let again = &r["again"];
    assert_eq!(again["container"], "sidecar", "a fresh tab shows the same view: {again}");
    assert_eq!(
        (again["wrap"].clone(), again["timestamps"].clone()),
        (Value::Bool(false), Value::Bool(false)),
        "{again}"
    );
    assert_eq!(again["find"], "needle", "{again}");
    assert_eq!(again["findCount"], 3, "{again}");
    assert_eq!(again["timestampsShown"], 0, "{again}");

    let link = &r["linkTab"];
    assert_eq!(link["marked"], r["linked"], "the permalink opens its line, marked: {r}");
    assert_eq!(link["follow"], false, "a permalink shows the log as it was, not following: {link}");
    assert!(r["permalink"].as_str().is_some_and(|u| u.contains("/logs?") && u.contains("at=")), "{r}");
}

#[tokio::test]
async fn deployment_logs_merge_pods_with_chips_that_filter_and_a_url_that_reproduces_the_view() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "logs-web-deploy");
    let dir = tempfile::tempdir().expect("temp dir");
    let pods = shop_deployment(&alpha, &ns.name, dir.path()).await;

    let path = format!("/clusters/alpha/r/apps/v1/deployments/{}/shop", ns.name);
    let r = drive(&server, "workload", &["--path", &path, "--pods", &pods.join(",")]).await;

    assert_eq!(r["fullPageUrl"], format!("{path}/logs"), "the tab links to the full page: {r}");
    let chips = r["chips"].as_object().expect("chips");
    let mut chip_pods: Vec<&String> = chips.keys().filter(|k| !k.is_empty()).collect();
    chip_pods.sort();
    assert_eq!(chip_pods, pods.iter().collect::<Vec<_>>(), "a chip per pod: {r}");
    assert_eq!(strings(&r["before"]), pods, "lines of both pods, merged: {r}");
    for pod in &pods {
        assert_eq!(r["tagColours"][pod], chips[pod], "a pod's lines have its chip's colour: {r}");
        assert_eq!(r["again"]["chipColours"][pod], chips[pod], "and keep it in a fresh tab: {r}");
    }

    let picked = &pods[0];
    assert_eq!(strings(&r["filtered"]), vec![picked.clone()], "the chip filters to its pod: {r}");
    assert_eq!(strings(&r["pressed"]), vec![picked.clone()], "{r}");
    assert_eq!(r["found"]["count"], 50, "find over the picked pod's 50 lines: {r}");
    assert_eq!(r["lines"], 50, "{r}");

    let file = r["downloaded"]["filename"].as_str().unwrap_or_default();
    assert!(
        file.starts_with(&format!("alpha_{}_", ns.name)) && file.contains("shop") && file.ends_with(".log.gz"),
        "{r}"
    );
    let text = r["downloaded"]["text"].as_str().unwrap_or_default();
    assert_eq!(text.lines().count(), 50, "the picked pod's whole log, gunzipped: {text}");
    assert!(text.lines().all(|l| l.contains(&format!("[{picked}] shop {picked} line "))), "{text}");
    assert!(r["downloaded"]["url"].as_str().is_some_and(|u| u.contains(&format!("pods={picked}"))), "{r}");

    let again = &r["again"];
    assert_eq!(strings(&again["chips"]), vec![picked.clone()], "a fresh tab has the same filter: {again}");
    assert_eq!(strings(&again["pods"]), vec![picked.clone()], "{again}");
    assert_eq!(again["find"], "shop", "{again}");
    assert_eq!(again["findCount"], 50, "{again}");
    assert_eq!(strings(&r["allAgain"]), pods, "`All pods` shows both again: {r}");
}
