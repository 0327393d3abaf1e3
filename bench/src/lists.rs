//! List benchmarks against a real control plane (kube-apiserver + etcd; pods created directly,
//! left unscheduled so no controller churns them): the first page of 100 rows sorted by name,
//! cold and warm, for 10k and 100k pods, the Go original's floor (`kubectl get pods -o json`,
//! a full list each time), server memory per 10k pods held, and the client factory's cost.

use std::{sync::Arc, time::Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, PostParams};
use periscope_testkit::{Server, ServerOptions, TestCluster, cluster};
use serde_json::{Value, json};

use crate::{admin_client, percentile, rss_kib, summary};

const WARM_SAMPLES: usize = 300;

/// Makes sure namespace `ns` holds `count` pods (idempotent: a re-run reuses them).
pub(crate) async fn fill(client: &kube::Client, ns: &str, count: usize) -> anyhow::Result<()> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if namespaces.get_opt(ns).await?.is_none() {
        namespaces.create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": ns}}))?).await?;
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let have = pods.list_metadata(&ListParams::default().limit(1)).await?;
    let existing = have.items.len() + have.metadata.remaining_item_count.unwrap_or(0).max(0) as usize;
    if existing >= count {
        return Ok(());
    }
    let t0 = Instant::now();
    let created = futures::stream::iter(existing..count)
        .map(|i| {
            let pods = pods.clone();
            async move {
                let pod: Pod = serde_json::from_value(json!({
                    "metadata": {"name": format!("pod-{i:06}"), "labels": {"app": format!("app-{}", i % 50)}},
                    // No scheduler serves this name, so the pods stay Pending and nothing updates them.
                    "spec": {"schedulerName": "periscope-bench-none", "containers": [{"name": "c", "image": "registry.invalid/app:1"}]}
                }))?;
                match pods.create(&PostParams::default(), &pod).await {
                    Ok(_) => Ok(()),
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(()),
                    Err(e) => Err(anyhow::anyhow!(e)),
                }
            }
        })
        .buffer_unordered(48)
        .collect::<Vec<anyhow::Result<()>>>()
        .await;
    created.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    println!("lists: created {} pods in {ns} in {:.1} s", count - existing, t0.elapsed().as_secs_f64());
    Ok(())
}

async fn timed_get(client: &reqwest::Client, url: &str) -> anyhow::Result<(f64, Value)> {
    let t0 = Instant::now();
    let response = client.get(url).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(status.is_success(), "{url}: {status} {body}");
    Ok((ms, body))
}

/// First page sorted by name: cold (first read), warm p50/p95, RSS held, kubectl floor.
async fn first_page(server: &Server, cluster: &TestCluster, ns: &str, count: usize) -> anyhow::Result<Value> {
    let http = reqwest::Client::new();
    let url = server.url(&format!("/api/clusters/bench/resources/core/v1/pods?namespace={ns}&sort=name&limit=100"));
    let rss_before = rss_kib(server.pid());
    let (cold, body) = timed_get(&http, &url).await?;
    anyhow::ensure!(body["total"].as_u64() == Some(count as u64), "total {} != {count}", body["total"]);
    anyhow::ensure!(body["items"][0]["name"] == "pod-000000", "sorted by name: {}", body["items"][0]);
    let rss_after = rss_kib(server.pid());
    let mut warm = Vec::with_capacity(WARM_SAMPLES);
    let mut refreshes = 0;
    for _ in 0..WARM_SAMPLES {
        let (ms, _) = timed_get(&http, &url).await?;
        // A sample several times the cold read's share is a re-read after the warm window.
        if ms > cold / 2.0 {
            refreshes += 1;
        }
        warm.push(ms);
    }
    warm.sort_by(f64::total_cmp);
    let mut floor = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        cluster.kubectl(&["get", "pods", "-n", ns, "-o", "json"]);
        floor.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    floor.sort_by(f64::total_cmp);
    println!(
        "lists[{count}]: cold {cold:.1} ms; warm p50 {:.2} ms p95 {:.2} ms ({refreshes} re-reads); kubectl full list median {:.0} ms; RSS +{} KiB",
        percentile(&warm, 50.0),
        percentile(&warm, 95.0),
        floor[1],
        rss_after.saturating_sub(rss_before)
    );
    Ok(json!({
        "pods": count,
        "cold_first_page_ms": cold,
        "warm_first_page": summary(&warm),
        "warm_first_page_p95_ms": percentile(&warm, 95.0),
        "warm_samples": WARM_SAMPLES,
        "warm_samples_that_re_read": refreshes,
        "kubectl_get_pods_json_median_ms": floor[1],
        "server_rss_growth_kib": rss_after.saturating_sub(rss_before),
        "server_rss_growth_kib_per_10k_pods": rss_after.saturating_sub(rss_before) as f64 / (count as f64 / 10_000.0),
    }))
}

/// The cost of getting the cached client for an identity (what every request pays).
fn client_factory_overhead(cluster: &TestCluster) -> anyhow::Result<Value> {
    use periscope::{authz::Impersonation, kube::connection::ClusterConnection, kube::factory::ClientFactory};
    let runtime = tokio::runtime::Handle::current();
    let config = runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(cluster.bridge_kubeconfig())?;
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.map_err(anyhow::Error::from)
    })?;
    let connection = ClusterConnection::new("bench", config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let factory = ClientFactory::default();
    let name: Arc<str> = Arc::from("bench");
    let users: Vec<Impersonation> = (0..100)
        .map(|i| Impersonation { user: format!("user-{i}"), groups: vec!["periscope-tier:read".into()] })
        .collect();
    for u in &users {
        factory.client(&name, &connection, Some(u)).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let mut samples = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        let t0 = Instant::now();
        let client =
            factory.client(&name, &connection, Some(&users[i % users.len()])).map_err(|e| anyhow::anyhow!("{e}"))?;
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
        drop(client);
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "client-factory: cached client p50 {:.4} ms p99 {:.4} ms",
        percentile(&samples, 50.0),
        percentile(&samples, 99.0)
    );
    Ok(json!({"identities": users.len(), "calls": samples.len(), "cached_client": summary(&samples)}))
}

/// The namespace of the `bench` cluster that holds `count` pods (`bench-10k`, `bench-50k`, …).
pub(crate) fn namespace_for(count: usize) -> String {
    format!("bench-{}k", count / 1000)
}

/// A fresh dev-mode server on the `bench` cluster (through its bridge identity), signed in as
/// dave in `sre` (admin tier, which also makes him an audit admin for `/api/debug/streams`),
/// with access logs off and `env` added.
pub(crate) fn bench_server_with(binary: &std::path::Path, bench: &TestCluster, env: &[(&str, &str)]) -> Server {
    let clusters_yaml = format!(
        "clusters:\n  - name: bench\n    backend: kubeconfig\n    kubeconfigPath: {}\n",
        bench.bridge_kubeconfig().display()
    );
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.push(("PERISCOPE_LOG".into(), "warn,periscope::cli=info".into()));
    Server::start(
        binary,
        ServerOptions {
            clusters_yaml: Some(clusters_yaml),
            auth_yaml: Some(
                "dev: {subject: dave, groups: [sre]}\nauthorization:\n  mode: tier\n  groupTiers: {sre: admin}\n"
                    .into(),
            ),
            env,
            port: None,
        },
    )
}

/// [`bench_server_with`] without extra environment.
pub(crate) fn bench_server(binary: &std::path::Path, bench: &TestCluster) -> Server {
    bench_server_with(binary, bench, &[])
}

/// Runs the list benchmarks and writes bench/results/lists.json.
pub async fn run(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let admin = admin_client(&bench).await?;
    let sizes: Vec<usize> = match std::env::var("PERISCOPE_BENCH_PODS") {
        Ok(list) => list.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        Err(_) => vec![10_000, 100_000],
    };
    let mut results = Vec::new();
    for count in &sizes {
        let ns = namespace_for(*count);
        fill(&admin, &ns, *count).await?;
        // A fresh server per size, so "cold" and RSS are about this list alone.
        let server = bench_server(binary, &bench);
        results.push(first_page(&server, &bench, &ns, *count).await?);
    }
    let factory = tokio::task::block_in_place(|| client_factory_overhead(&bench))?;
    let report = json!({
        "benchmark": "lists",
        "what": "GET …/core/v1/pods?namespace=N&sort=name&limit=100 through the HTTP server as an admin-tier user; pods are real objects in etcd",
        "targets": {"warm_first_page_p95_ms_10k": 50.0, "warm_first_page_p95_ms_100k": 200.0, "client_factory_p99_ms": 0.5},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "first_page_sorted_by_name": results,
        "client_factory": factory,
    });
    std::fs::write(dir.join("lists.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/lists.json");
    Ok(())
}
