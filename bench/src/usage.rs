//! Usage columns on a big pods list: the first page of 10,000 pods running on the kwok nodes
//! (so metrics-server samples every one) with the usage columns, against the same list with
//! the `bench` cluster's metrics-server stopped (no columns): twenty users at once on a fresh
//! server (cold: nothing read yet) and again on the same server (warm), in the default order
//! and sorted by CPU.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use periscope_testkit::{TestCluster, cluster, repo_root};
use serde_json::{Value, json};

use crate::{
    admin_client,
    lists::{BURST_LOADS, BURST_USERS, bench_server, burst, fill_with},
    percentile, summary,
};

const PODS: usize = 10_000;
const NAMESPACE: &str = "bench-usage-10k";

/// Makes sure `NAMESPACE` holds `PODS` pods bound to the kwok nodes, each with its own usage.
async fn fill(client: &kube::Client) -> anyhow::Result<()> {
    fill_with(client, NAMESPACE, PODS, |i| {
        json!({
            "metadata": {
                "name": format!("pod-{i:06}"),
                "annotations": {
                    "kwok.x-k8s.io/usage-cpu": format!("{}m", 1 + (i * 7919) % 900),
                    "kwok.x-k8s.io/usage-memory": format!("{}Mi", 8 + (i * 104_729) % 500),
                }
            },
            // Bound directly (no scheduler work); kwok runs them and reports their usage.
            "spec": {
                "nodeName": format!("kwok-node-{}", i % 2),
                "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
                "containers": [{"name": "c", "image": "registry.invalid/app:1"}]
            }
        })
    })
    .await
}

fn metrics_server(bench: &TestCluster, action: &str) -> anyhow::Result<()> {
    let out =
        Command::new(repo_root().join("testenv/cluster.sh")).args(["metrics-server", action, &bench.name]).output()?;
    anyhow::ensure!(out.status.success(), "metrics-server {action}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// Waits until metrics-server has a sample of (nearly) every pod of the namespace.
async fn wait_for_samples(binary: &Path, bench: &TestCluster) -> anyhow::Result<f64> {
    let server = bench_server(binary, bench);
    let url = server.url(&format!("/api/clusters/bench/usage/pods?namespace={NAMESPACE}"));
    let t0 = Instant::now();
    loop {
        let body: Value = reqwest::get(&url).await?.json().await?;
        let sampled = body["items"].as_array().map_or(0, Vec::len);
        if sampled >= PODS * 99 / 100 {
            return Ok(t0.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(900),
            "only {sampled} of {PODS} pods sampled: {}",
            body["reason"]
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Cold and warm bursts of the first page, default order and by CPU, on fresh servers.
async fn bursts(binary: &Path, bench: &TestCluster, with_usage: bool) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    for (label, query) in [("default_order", ""), ("sorted_by_cpu", "&sort=-cpu")] {
        let server = bench_server(binary, bench);
        let url =
            server.url(&format!("/api/clusters/bench/resources/core/v1/pods?namespace={NAMESPACE}&limit=100{query}"));
        let (cold_first, cold_all) = burst(&server, &url).await?;
        let (_, warm_all) = burst(&server, &url).await?;
        let page: Value = reqwest::get(&url).await?.json().await?;
        let has_columns = page["columns"].as_array().is_some_and(|c| c.iter().any(|c| c["key"] == "cpu"));
        anyhow::ensure!(
            has_columns == with_usage,
            "usage columns {has_columns}, expected {with_usage}: {}",
            page["columns"]
        );
        println!(
            "usage[{}, {label}]: cold first loads p95 {:.0} ms, all cold p95 {:.0} ms, warm p95 {:.1} ms",
            if with_usage { "with" } else { "without" },
            percentile(&cold_first, 95.0),
            percentile(&cold_all, 95.0),
            percentile(&warm_all, 95.0)
        );
        out.insert(
            label.into(),
            json!({
                "cold_first_load": summary(&cold_first),
                "cold_first_load_p95_ms": percentile(&cold_first, 95.0),
                "cold_all_loads_p95_ms": percentile(&cold_all, 95.0),
                "warm_all_loads": summary(&warm_all),
                "warm_all_loads_p95_ms": percentile(&warm_all, 95.0),
            }),
        );
    }
    Ok(Value::Object(out))
}

/// Runs the usage benchmark and writes bench/results/usage.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    fill(&admin_client(&bench).await?).await?;
    let sampled_after = match wait_for_samples(binary, &bench).await {
        Ok(seconds) => seconds,
        Err(e) => {
            // Not a failure of the server: recorded so the rest of `make bench` still runs.
            let report = json!({"benchmark": "usage", "pods": PODS, "not_measured": e.to_string()});
            std::fs::write(dir.join("usage.json"), serde_json::to_string_pretty(&report)? + "\n")?;
            println!("usage: not measured: {e}");
            return Ok(());
        }
    };
    let with = bursts(binary, &bench, true).await?;
    metrics_server(&bench, "stop")?;
    let without = bursts(binary, &bench, false).await;
    // Started again whatever happened: the cluster is kept for the next run.
    metrics_server(&bench, "start")?;
    let without = without?;
    let ratio =
        |order: &str, key: &str| with[order][key].as_f64().unwrap_or(0.0) / without[order][key].as_f64().unwrap_or(1.0);
    let report = json!({
        "benchmark": "usage",
        "what": format!("GET …/core/v1/pods?namespace={NAMESPACE}&limit=100 (and &sort=-cpu) through the HTTP server as an admin-tier user, {BURST_USERS} users at once × {BURST_LOADS} loads each; {PODS} pods running on the kwok nodes, sampled by the cluster's real metrics-server; with usage columns vs the same list with metrics-server stopped"),
        "targets": {"first_page_p95_with_over_without": 1.2},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "pods": PODS,
        "seconds_until_sampled": sampled_after,
        "with_usage": with,
        "without_usage": without,
        "p95_ratio_with_over_without": {
            "default_order_cold_first_load": ratio("default_order", "cold_first_load_p95_ms"),
            "default_order_warm": ratio("default_order", "warm_all_loads_p95_ms"),
            "sorted_by_cpu_cold_first_load": ratio("sorted_by_cpu", "cold_first_load_p95_ms"),
            "sorted_by_cpu_warm": ratio("sorted_by_cpu", "warm_all_loads_p95_ms"),
        },
    });
    std::fs::write(dir.join("usage.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/usage.json");
    Ok(())
}
