//! CPU and memory usage (metrics-server) in the console, in Debian's Chromium (driven by
//! testenv/browser/usage.mjs; dev mode, so no sign-in) against a real server, a real cluster and
//! its metrics-server (kwok reports what a pod's `kwok.x-k8s.io/usage-*` annotations say, per
//! container): the pods list's CPU and Memory columns with `kubectl top`'s values, kept on a
//! row the live stream replaces and polled; sorting by CPU both ways; the describe view's bars
//! against the container's request and limit; the nodes list's columns; the overview's top pods
//! and nodes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use periscope_testkit::{TestNamespace, cluster, podlogs::kwok_placement};
use reqwest::StatusCode;
use serde_json::Value;

/// metrics-server scrapes every 10 s; a new pod's first sample takes one or two scrapes.
const SAMPLED_WITHIN: Duration = Duration::from_secs(90);

const MI: u64 = 1024 * 1024;

/// (name, CPU, memory) kwok reports for each pod's one container; names sort apart from usage.
const PODS: [(&str, &str, &str); 3] =
    [("usage-a", "50m", "30Mi"), ("usage-b", "300m", "200Mi"), ("usage-c", "120m", "64Mi")];

/// The pods of PODS in `ns`, on kwok's nodes; usage-b asks for 600m / 256Mi and is limited to 1 / 400Mi.
fn pods(ns: &str) -> String {
    let kwok = kwok_placement(2);
    PODS.iter()
        .map(|(name, cpu, memory)| {
            let resources = if *name == "usage-b" {
                "\n      resources: {requests: {cpu: 600m, memory: 256Mi}, limits: {cpu: \"1\", memory: 400Mi}}"
            } else {
                ""
            };
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n    \
                 kwok.x-k8s.io/usage-cpu: {cpu}\n    kwok.x-k8s.io/usage-memory: {memory}\nspec:\n{kwok}  containers:\n    \
                 - name: app\n      image: registry.example/app:1{resources}\n---\n"
            )
        })
        .collect()
}

/// The millicores a CPU cell's text (`301m`) shows.
fn millis(text: &str) -> u64 {
    text.strip_suffix('m').and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a CPU cell: {text:?}"))
}

/// CPU is a rate metrics-server derives from two scrapes of a cumulative counter, so it may be
/// off what kwok was told by a little (301m for 300m): within 3 %, 2m at least.
fn near(millis: u64, want: u64) -> bool {
    millis.abs_diff(want) <= (want * 3 / 100).max(2)
}

/// A whole percent, rounded as the console rounds it.
fn percent(used: u64, of: u64) -> u64 {
    (used as f64 * 100.0 / of as f64).round() as u64
}

fn rows(list: &Value) -> &Vec<Value> {
    list["rows"].as_array().unwrap_or_else(|| panic!("rows in {list}"))
}

fn row<'a>(list: &'a Value, name: &str) -> &'a Value {
    rows(list).iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("no row {name} in {list}"))
}

fn names(list: &Value) -> Vec<&str> {
    rows(list).iter().filter_map(|r| r["name"].as_str()).collect()
}

#[tokio::test]
async fn the_console_shows_pod_and_node_usage_sorts_by_it_and_draws_bars() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "usage-ui");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&pods(&ns.name)));
    let server = tier_server(&alpha, "usage-admin", &["sre"]);

    // Until metrics-server has scraped all three (the list shows what the usage route answers).
    let usage = format!("/api/clusters/alpha/usage/pods?namespace={}", ns.name);
    let deadline = Instant::now() + SAMPLED_WITHIN;
    loop {
        let (status, body) = server.get_json(&usage).await;
        assert_eq!(status, StatusCode::OK, "{usage}: {body}");
        let sampled = body["items"].as_array().map_or(0, |items| {
            items
                .iter()
                .filter(|u| PODS.iter().any(|(name, ..)| u["name"] == *name) && u["cpu"].as_u64() > Some(0))
                .count()
        });
        if sampled == PODS.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "metrics-server did not report the three pods within {SAMPLED_WITHIN:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let kubectl = alpha.kubectl_binary().display().to_string();
    let kubeconfig = alpha.admin_kubeconfig().display().to_string();
    let r = drive_script(
        "usage",
        &server,
        "usage",
        &[
            "--namespace",
            &ns.name,
            "--pod",
            "usage-b",
            "--touch",
            "usage-a",
            "--kubectl",
            &kubectl,
            "--kubeconfig",
            &kubeconfig,
        ],
    )
    .await;

    // The pods list: CPU and Memory columns, last, with kubectl top's values.
    let list = &r["pods"];
    let columns: Vec<&str> = list["columns"].as_array().expect("columns").iter().filter_map(Value::as_str).collect();
    assert_eq!(columns[columns.len() - 2..], ["cpu", "memory"], "the usage columns end the header: {list}");
    for (name, cpu, memory, memory_text) in
        [("usage-a", 50, 30 * MI, "30Mi"), ("usage-b", 300, 200 * MI, "200Mi"), ("usage-c", 120, 64 * MI, "64Mi")]
    {
        let row = row(list, name);
        let shown = row["cpu"].as_u64().unwrap_or_else(|| panic!("{name} has a CPU cell: {list}"));
        assert!(near(shown, cpu), "{name}: {shown}m for {cpu}m: {list}");
        assert_eq!(row["cpuText"], format!("{shown}m"), "{list}");
        assert_eq!((row["memory"].as_u64(), row["memoryText"].as_str()), (Some(memory), Some(memory_text)), "{list}");
    }
    // A live delta (a label) carries no usage: the row kept its cells.
    let touched = row(&r["afterDelta"], "usage-a");
    assert!(
        touched["cpuText"].as_str().is_some_and(|t| near(millis(t), 50)),
        "usage kept across a live change: {}",
        r["afterDelta"]
    );
    // The list polls the usage of its namespace while shown.
    let polls = r["polls"].as_array().expect("polls");
    assert!(
        polls.iter().any(|p| p["url"]
            .as_str()
            .is_some_and(|u| u.contains("/usage/pods") && u.contains(&format!("namespace={}", ns.name)))),
        "the pods list polled its namespace's usage within 17 s: {polls:?}"
    );

    // Sorting by CPU on the server: ascending, then descending.
    let ascending = &r["ascending"];
    assert_eq!(ascending["sort"], "cpu", "{ascending}");
    assert_eq!(ascending["ariaSort"], "ascending", "{ascending}");
    assert_eq!(names(ascending), ["usage-a", "usage-c", "usage-b"], "{ascending}");
    let descending = &r["descending"];
    assert_eq!(descending["sort"], "-cpu", "{descending}");
    assert_eq!(names(descending), ["usage-b", "usage-c", "usage-a"], "{descending}");
    let shown: Vec<u64> = rows(descending).iter().filter_map(|r| r["cpuText"].as_str()).map(millis).collect();
    assert!(shown.len() == 3 && shown.iter().zip([300, 120, 50]).all(|(&m, want)| near(m, want)), "{descending}");

    // The busiest pod's describe view: its container's CPU against its request and limit.
    let bars = r["describe"]["bars"].as_array().expect("bars");
    let bar = |row: &str, usage: &str, of: &str| {
        bars.iter()
            .find(|b| b["row"] == row && b["usage"] == usage && b["of"] == of)
            .unwrap_or_else(|| panic!("no {usage} bar against the {of} on {row}: {bars:?}"))
    };
    let request = bar("app", "cpu", "request");
    let text = request["text"].as_str().unwrap_or_default();
    let cpu = millis(text.split(' ').next().unwrap_or_default());
    assert!(near(cpu, 300), "{request}");
    assert_eq!(text, format!("{cpu}m of 600m request ({}%)", percent(cpu, 600)), "{request}");
    assert_eq!(request["valueText"], text, "the meter says it in words: {request}");
    assert_eq!(
        bar("app", "cpu", "limit")["text"],
        format!("{cpu}m of 1000m limit ({}%)", percent(cpu, 1000)),
        "{bars:?}"
    );
    assert_eq!(bar("app", "memory", "request")["text"], "200Mi of 256Mi request (78%)", "{bars:?}");
    assert_eq!(bar("app", "memory", "limit")["percent"], 50, "{bars:?}");
    assert_eq!(bar("pod total", "cpu", "request")["percent"], percent(cpu, 600), "{bars:?}");

    // The nodes list: CPU and Memory columns, with a sample on the nodes that report.
    let nodes = &r["nodes"];
    let node_columns: Vec<&str> =
        nodes["columns"].as_array().expect("columns").iter().filter_map(Value::as_str).collect();
    assert!(node_columns.ends_with(&["cpu", "memory"]), "{nodes}");
    assert!(rows(nodes).iter().any(|n| n["cpu"].as_u64() > Some(0) && n["memory"].as_u64() > Some(0)), "{nodes}");

    // The overview: top pods by CPU (ours, at 300m, means the first uses at least that), top nodes.
    let top = &r["top"];
    let cpus: Vec<u64> = top["pods"].as_array().expect("top pods").iter().filter_map(|p| p["cpu"].as_u64()).collect();
    assert!(!cpus.is_empty() && cpus.windows(2).all(|w| w[0] >= w[1]), "top pods, busiest first: {top}");
    assert!(cpus[0] >= 300, "{top}");
    assert!(
        top["pods"]
            .as_array()
            .expect("top pods")
            .iter()
            .all(|p| p["href"].as_str().is_some_and(|h| h.contains("/r/core/v1/pods/"))),
        "each top pod links to its page: {top}"
    );
    let top_nodes = top["nodes"].as_array().expect("top nodes");
    assert!(top_nodes.iter().any(|n| n["cpu"].as_u64() > Some(0)), "{top}");
    assert!(top_nodes.iter().all(|n| n["href"].as_str().is_some_and(|h| h.contains("/r/core/v1/nodes/_/"))), "{top}");
}
