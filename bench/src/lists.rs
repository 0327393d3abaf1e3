//! List benchmarks against a real control plane (kube-apiserver + etcd; pods created directly,
//! left unscheduled so no controller churns them): the first page of 100 rows sorted by name,
//! cold and warm, for 10k and 100k pods, the Go original's floor (`kubectl get pods -o json`,
//! a full list each time), server memory per 10k pods held, and the client factory's cost.

use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, PostParams};
use periscope_testkit::{Server, ServerOptions, TestCluster, cluster};
use serde_json::{Value, json};

use crate::{admin_client, percentile, rss_kib, summary};

const WARM_SAMPLES: usize = 300;

/// Makes sure namespace `ns` holds `count` pending pods (idempotent: a re-run reuses them).
pub(crate) async fn fill(client: &kube::Client, ns: &str, count: usize) -> anyhow::Result<()> {
    fill_with(client, ns, count, |i| {
        json!({
            "metadata": {"name": format!("pod-{i:06}"), "labels": {"app": format!("app-{}", i % 50)}},
            // No scheduler serves this name, so the pods stay Pending and nothing updates them.
            "spec": {"schedulerName": "periscope-bench-none", "containers": [{"name": "c", "image": "registry.invalid/app:1"}]}
        })
    })
    .await
}

/// Makes sure namespace `ns` holds `count` pods, the i-th being `pod(i)` (named `pod-{i:06}`):
/// pods that exist are kept, so a re-run creates only what is missing.
pub(crate) async fn fill_with(
    client: &kube::Client,
    ns: &str,
    count: usize,
    pod: impl Fn(usize) -> Value,
) -> anyhow::Result<()> {
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
            let pod = serde_json::from_value::<Pod>(pod(i));
            async move {
                match pods.create(&PostParams::default(), &pod?).await {
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
    println!("bench: created {} pods in {ns} in {:.1} s", count - existing, t0.elapsed().as_secs_f64());
    Ok(())
}

pub(crate) async fn timed_get(client: &reqwest::Client, url: &str) -> anyhow::Result<(f64, Value)> {
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

/// The cost of deriving a user's audience and getting its cached client (what every request pays).
fn client_factory_overhead(cluster: &TestCluster) -> anyhow::Result<Value> {
    use periscope::{
        audience::Audience,
        authz::Tier,
        identity::Identity,
        kube::{Pool, connection::ClusterConnection, factory::ClientFactory},
    };
    let runtime = tokio::runtime::Handle::current();
    let config = runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(cluster.bridge_kubeconfig())?;
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.map_err(anyhow::Error::from)
    })?;
    let connection = ClusterConnection::new("bench", config, None, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let factory = ClientFactory::default();
    let authz = tier_authz("viewers", Tier::Read);
    let users: Vec<Identity> = (0..100)
        .map(|i| Identity { subject: format!("user-{i}"), email: String::new(), groups: vec!["viewers".into()] })
        .collect();
    let client_of = |user: &Identity| {
        let audience = Audience::of_user(&authz, "bench", user);
        factory.client(&audience, &connection, Pool::Requests).map_err(|e| anyhow::anyhow!("{e}"))
    };
    for u in &users {
        client_of(u)?;
    }
    let mut samples = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        let t0 = Instant::now();
        let client = client_of(&users[i % users.len()])?;
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

/// Tier-mode authorization with one group mapped to `tier`, the rest defaults (how the bench
/// servers are configured), to derive in-process what a server impersonates.
pub(crate) fn tier_authz(group: &str, tier: periscope::authz::Tier) -> periscope::authz::AuthzConfig {
    use periscope::authz::{AuthzConfig, AuthzMode};
    AuthzConfig {
        mode: AuthzMode::Tier,
        allowed_groups: vec![],
        group_tiers: [(group.to_string(), tier)].into_iter().collect(),
        default_tier: None,
        group_prefix: "periscope:".into(),
        can_i_cache_ttl: Duration::from_secs(30),
        audit_admin_groups: vec![],
    }
}

/// Users at once, and loads each, in the burst benchmark.
pub(crate) const BURST_USERS: usize = 20;
pub(crate) const BURST_LOADS: usize = 10;

/// The apiserver's count of pod LIST requests so far (from its own `/metrics`; the bench
/// cluster serves nothing else while a benchmark runs).
async fn apiserver_pod_lists(admin: &kube::Client) -> anyhow::Result<u64> {
    let request = http::Request::get("/metrics").body(Vec::new())?;
    let text = admin.request_text(request).await?;
    let total = text
        .lines()
        .filter(|l| {
            l.starts_with("apiserver_request_total{") && l.contains("verb=\"LIST\"") && l.contains("resource=\"pods\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    Ok(total as u64)
}

/// A server metric (unlabelled series) from `/api/metrics`.
async fn server_metric(server: &Server, name: &str) -> anyhow::Result<f64> {
    let text = reqwest::get(server.url("/api/metrics")).await?.text().await?;
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("{name} missing from /api/metrics"))
}

/// Waits (up to two minutes) until the server has no list read running.
async fn reads_landed(server: &Server) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while server_metric(server, "periscope_list_reads_in_flight").await? > 0.0 {
        anyhow::ensure!(Instant::now() < deadline, "a list read is still running after two minutes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// `BURST_USERS` users at once, each loading `url` `BURST_LOADS` times in a row (over
/// connections opened beforehand): per-load latencies, the first load of each user apart.
pub(crate) async fn burst(server: &Server, url: &str) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let clients: Vec<reqwest::Client> = (0..BURST_USERS).map(|_| reqwest::Client::new()).collect();
    for client in &clients {
        client.get(server.url("/healthz")).send().await?;
    }
    let per_user = futures::future::join_all(clients.iter().map(|c| async move {
        let mut samples = Vec::with_capacity(BURST_LOADS);
        for _ in 0..BURST_LOADS {
            samples.push(timed_get(c, url).await?.0);
        }
        anyhow::Ok(samples)
    }))
    .await
    .into_iter()
    .collect::<anyhow::Result<Vec<_>>>()?;
    let mut first: Vec<f64> = per_user.iter().map(|s| s[0]).collect();
    let mut all: Vec<f64> = per_user.into_iter().flatten().collect();
    first.sort_by(f64::total_cmp);
    all.sort_by(f64::total_cmp);
    Ok((first, all))
}

/// Twenty users opening the same sorted list at the same minute: cold (nobody read it yet)
/// and stale (older than the freshness window), with the apiserver's LIST requests per burst
/// and the server's RSS at the end.
async fn bursts(
    binary: &std::path::Path,
    bench: &TestCluster,
    admin: &kube::Client,
    ns: &str,
    count: usize,
    sort: &str,
) -> anyhow::Result<Value> {
    // A 1 s freshness window, so "stale" needs no minute of waiting; everything else default.
    let server = bench_server_with(binary, bench, &[("PERISCOPE_LIST_FRESH_SECONDS", "1")]);
    let url = server.url(&format!("/api/clusters/bench/resources/core/v1/pods?namespace={ns}&sort={sort}&limit=100"));
    let rss_start = rss_kib(server.pid());
    let lists_before = apiserver_pod_lists(admin).await?;
    let (cold_first, cold_all) = burst(&server, &url).await?;
    // A first page by name is answered before the read ends: count the whole read.
    reads_landed(&server).await?;
    let lists_cold = apiserver_pod_lists(admin).await? - lists_before;
    let reads_cold = server_metric(&server, "periscope_list_full_reads_total").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let lists_before = apiserver_pod_lists(admin).await?;
    let (stale_first, stale_all) = burst(&server, &url).await?;
    reads_landed(&server).await?;
    let lists_stale = apiserver_pod_lists(admin).await? - lists_before;
    let reads_total = server_metric(&server, "periscope_list_full_reads_total").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_end = rss_kib(server.pid());
    println!(
        "lists-burst[{count}, sort={sort}]: cold first loads p95 {:.0} ms (all loads p95 {:.0} ms), stale p95 {:.1} ms; apiserver LISTs cold {lists_cold} / stale {lists_stale}; full reads {reads_cold}+{}; RSS {} MiB -> {} MiB",
        percentile(&cold_first, 95.0),
        percentile(&cold_all, 95.0),
        percentile(&stale_all, 95.0),
        reads_total - reads_cold,
        rss_start / 1024,
        rss_end / 1024
    );
    Ok(json!({
        "pods": count,
        "sort": sort,
        "users": BURST_USERS,
        "loads_per_user": BURST_LOADS,
        "cold_first_load": summary(&cold_first),
        "cold_first_load_p95_ms": percentile(&cold_first, 95.0),
        "cold_all_loads_p95_ms": percentile(&cold_all, 95.0),
        "stale_first_load_p95_ms": percentile(&stale_first, 95.0),
        "stale_all_loads": summary(&stale_all),
        "stale_all_loads_p95_ms": percentile(&stale_all, 95.0),
        "apiserver_pod_list_requests_cold_burst": lists_cold,
        "apiserver_pod_list_requests_stale_burst": lists_stale,
        "apiserver_pages_per_full_read": count.div_ceil(500),
        "full_reads_cold_burst": reads_cold,
        "full_reads_stale_burst": reads_total - reads_cold,
        "server_rss_start_mib": rss_start / 1024,
        "server_rss_end_mib": rss_end / 1024,
    }))
}

/// One cold first page per sort on a fresh server each (nothing cached): time to first byte
/// of the answer as a user sees it.
async fn cold_first_pages(
    binary: &std::path::Path,
    bench: &TestCluster,
    ns: &str,
    count: usize,
) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    for sort in ["name", "-restarts", "status"] {
        let server = bench_server(binary, bench);
        let url =
            server.url(&format!("/api/clusters/bench/resources/core/v1/pods?namespace={ns}&sort={sort}&limit=100"));
        let (ms, _) = timed_get(&reqwest::Client::new(), &url).await?;
        // The rest of the read (for an early first page) lands in the background; wait for it
        // to measure what the server holds.
        reads_landed(&server).await?;
        let rss = rss_kib(server.pid());
        println!("lists-cold[{count}, sort={sort}]: first page {ms:.0} ms; RSS after the full read {} MiB", rss / 1024);
        out.insert(sort.to_string(), json!({"first_page_ms": ms, "server_rss_mib_after_full_read": rss / 1024}));
    }
    Ok(json!({"pods": count, "by_sort": out}))
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
    let mut burst_results = Vec::new();
    let mut cold_results = Vec::new();
    for count in &sizes {
        let ns = namespace_for(*count);
        fill(&admin, &ns, *count).await?;
        // A fresh server per measurement, so "cold" and RSS are about this list alone.
        let server = bench_server(binary, &bench);
        results.push(first_page(&server, &bench, &ns, *count).await?);
        drop(server);
        cold_results.push(cold_first_pages(binary, &bench, &ns, *count).await?);
        if *count <= 10_000 {
            for sort in ["name", "-restarts"] {
                burst_results.push(bursts(binary, &bench, &admin, &ns, *count, sort).await?);
            }
        }
    }
    let factory = tokio::task::block_in_place(|| client_factory_overhead(&bench))?;
    let report = json!({
        "benchmark": "lists",
        "what": "GET …/core/v1/pods?namespace=N&sort=name&limit=100 through the HTTP server as an admin-tier user; pods are real objects in etcd",
        "targets": {
            "warm_first_page_p95_ms_10k": 50.0, "warm_first_page_p95_ms_100k": 200.0, "client_factory_p99_ms": 0.5,
            "burst_10k_cold_p95_ms": 1500.0, "burst_10k_stale_p95_ms": 50.0, "burst_10k_rss_end_mib": 150.0,
            "cold_first_page_100k_by_name_ms": 500.0, "cold_first_page_100k_other_sort_ms": 5000.0
        },
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "first_page_sorted_by_name": results,
        "cold_first_page_fresh_server": cold_results,
        "bursts_of_twenty_users": burst_results,
        "client_factory": factory,
    });
    std::fs::write(dir.join("lists.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/lists.json");
    Ok(())
}
