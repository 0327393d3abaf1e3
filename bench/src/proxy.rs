//! Kubernetes API proxy benchmarks on the `bench` cluster: what `/api/clusters/{c}/k8s/…` adds
//! to a request the apiserver answers itself. `GET` of one pod through the proxy (a personal
//! access token) vs straight to the apiserver as the same identity (the server's bridge
//! credential with the impersonation headers the server sends), sequential and from 8 clients;
//! and the real kubectl's `get pods -o json` of 10,000 pods through a downloaded kubeconfig vs
//! the admin kubeconfig, with the server's RSS around it (the answer streams, so it stays flat).

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use periscope::{authz::Tier, identity::Identity};
use periscope_testkit::{Server, TestCluster, cluster};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::{
    admin_client,
    lists::{bench_server, fill, namespace_for, tier_authz},
    percentile, rss_kib, summary,
    watch::loadavg,
};

const WARMUP: usize = 500;
const SAMPLES: usize = 5000;
const CLIENTS: usize = 8;
/// kubectl runs per side, after one unmeasured run each.
const KUBECTL_RUNS: usize = 5;
const KUBECTL_PODS: usize = 10_000;

/// A client that talks to the apiserver directly, with the credential and impersonation
/// headers the server's bridge uses for dave (group `sre` = admin tier), and the URL of `path`.
async fn direct_client(bench: &TestCluster) -> anyhow::Result<(reqwest::Client, String)> {
    let kubeconfig = kube::config::Kubeconfig::read_from(bench.bridge_kubeconfig())?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
    // The token is a `SecretString`; its serialized form is the one way to read it here.
    let auth = serde_json::to_value(&config.auth_info)?;
    let token = auth["token"].as_str().ok_or_else(|| anyhow::anyhow!("the bridge kubeconfig has no token"))?;
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}"))?);
    let dave = Identity { subject: "dave".into(), email: String::new(), groups: vec!["sre".into()] };
    let who =
        tier_authz("sre", Tier::Admin).impersonation(&dave).ok_or_else(|| anyhow::anyhow!("tier mode impersonates"))?;
    headers.insert("impersonate-user", HeaderValue::from_str(&who.user)?);
    for group in &who.groups {
        headers.append("impersonate-group", HeaderValue::from_str(group)?);
    }
    let mut builder = reqwest::Client::builder().default_headers(headers);
    for der in config.root_cert.iter().flatten() {
        builder = builder.add_root_certificate(reqwest::Certificate::from_der(der)?);
    }
    let base = config.cluster_url.to_string().trim_end_matches('/').to_string();
    Ok((builder.build()?, base))
}

/// A personal access token of the server's dev user for cluster `bench`.
async fn token(server: &Server) -> anyhow::Result<String> {
    let response = server
        .http
        .post(server.url("/api/tokens"))
        .json(&json!({"name": "proxy-bench", "clusters": ["bench"]}))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "POST /api/tokens: {status} {body}");
    body["token"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("no token in {body}"))
}

/// A client that sends `token` as its bearer credential.
fn bearer_client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}"))?);
    Ok(reqwest::Client::builder().default_headers(headers).build()?)
}

/// One request and its latency in milliseconds (a failure status is an error).
async fn timed(client: &reqwest::Client, url: &str) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let response = client.get(url).send().await?;
    let status = response.status();
    response.bytes().await?;
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    Ok(t0.elapsed().as_secs_f64() * 1000.0)
}

/// `warmup`, then `samples` pairs of requests in a row: one through the proxy, one direct,
/// each side on its own keep-alive connection. Alternating puts both under the same load of
/// this shared machine, so their percentiles compare. Latencies (proxy, direct), unsorted.
async fn paired(proxy: &Side, direct: &Side, warmup: usize, samples: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let (mut p, mut d) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..warmup + samples {
        let (a, b) = (timed(&proxy.0, &proxy.1).await?, timed(&direct.0, &direct.1).await?);
        if i >= warmup {
            p.push(a);
            d.push(b);
        }
    }
    Ok((p, d))
}

/// A client and the URL it requests.
type Side = (reqwest::Client, String);

/// `CLIENTS` pairs of connections at once, each running [`paired`] for its share of the
/// samples: the latencies (proxy, direct) sorted, and pairs per second.
async fn concurrent(
    proxy: impl Fn() -> anyhow::Result<Side>,
    direct: impl Fn() -> anyhow::Result<Side>,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, f64)> {
    let sides = (0..CLIENTS).map(|_| Ok((proxy()?, direct()?))).collect::<anyhow::Result<Vec<_>>>()?;
    // Connections open (and warm) before the clock starts.
    for (p, d) in &sides {
        paired(p, d, WARMUP / CLIENTS, 0).await?;
    }
    let t0 = Instant::now();
    let per_client = futures::future::join_all(sides.iter().map(|(p, d)| paired(p, d, 0, SAMPLES / CLIENTS)))
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let seconds = t0.elapsed().as_secs_f64();
    let (mut p, mut d): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for (a, b) in per_client {
        p.extend(a);
        d.extend(b);
    }
    p.sort_by(f64::total_cmp);
    d.sort_by(f64::total_cmp);
    let rate = p.len() as f64 / seconds;
    Ok((p, d, rate))
}

/// The proxy's latency against the apiserver's for one pod: sequential and concurrent.
async fn get_one_pod(server: &Server, bench: &TestCluster, token: &str, ns: &str) -> anyhow::Result<Value> {
    let path = format!("/api/v1/namespaces/{ns}/pods/pod-000000");
    let proxy_url = server.url(&format!("/api/clusters/bench/k8s{path}"));
    let (direct, apiserver) = direct_client(bench).await?;
    let direct_url = format!("{apiserver}{path}");
    let proxied = bearer_client(token)?;
    // Same identity, same object: both answers name the pod (and a 403 would fail the sampler).
    let a: Value = proxied.get(&proxy_url).send().await?.json().await?;
    let b: Value = direct.get(&direct_url).send().await?.json().await?;
    anyhow::ensure!(a["metadata"]["uid"] == b["metadata"]["uid"], "proxy {a} vs direct {b}");
    let load_before = loadavg();
    let proxy_side = || Ok::<_, anyhow::Error>((bearer_client(token)?, proxy_url.clone()));
    // Clones share one pool, which holds a connection per concurrent client all the same.
    let direct_side = || Ok::<_, anyhow::Error>((direct.clone(), direct_url.clone()));
    let (mut proxy_seq, mut direct_seq) = paired(&proxy_side()?, &direct_side()?, WARMUP, SAMPLES).await?;
    proxy_seq.sort_by(f64::total_cmp);
    direct_seq.sort_by(f64::total_cmp);
    let (proxy_conc, direct_conc, rate) = concurrent(proxy_side, direct_side).await?;
    let added = |proxy: &[f64], direct: &[f64], p: f64| percentile(proxy, p) - percentile(direct, p);
    println!(
        "proxy-get: sequential proxy p50 {:.3} p99 {:.3} ms, direct p50 {:.3} p99 {:.3} ms, added p99 {:.3} ms; {CLIENTS} clients proxy p99 {:.3} ms, direct p99 {:.3} ms ({rate:.0} pairs/s)",
        percentile(&proxy_seq, 50.0),
        percentile(&proxy_seq, 99.0),
        percentile(&direct_seq, 50.0),
        percentile(&direct_seq, 99.0),
        added(&proxy_seq, &direct_seq, 99.0),
        percentile(&proxy_conc, 99.0),
        percentile(&direct_conc, 99.0),
    );
    Ok(json!({
        "samples": SAMPLES,
        "warmup": WARMUP,
        "interleaved": "each client alternates one proxied and one direct request",
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "sequential": {
            "proxy": summary(&proxy_seq),
            "direct": summary(&direct_seq),
            "added_p50_ms": added(&proxy_seq, &direct_seq, 50.0),
            "added_p99_ms": added(&proxy_seq, &direct_seq, 99.0),
        },
        "concurrent": {
            "clients": CLIENTS,
            "proxy": summary(&proxy_conc),
            "direct": summary(&direct_conc),
            "pairs_per_second": rate,
            "added_p50_ms": added(&proxy_conc, &direct_conc, 50.0),
            "added_p99_ms": added(&proxy_conc, &direct_conc, 99.0),
        },
    }))
}

/// One kubectl run: milliseconds, and the number of items it printed.
async fn timed_kubectl(bench: &TestCluster, kubeconfig: &Path, ns: &str) -> anyhow::Result<(f64, usize)> {
    let (binary, kubeconfig, ns) = (bench.kubectl_binary(), kubeconfig.to_path_buf(), ns.to_string());
    tokio::task::spawn_blocking(move || {
        let t0 = Instant::now();
        let out =
            periscope_testkit::cluster::kubectl(&binary, &kubeconfig, &["get", "pods", "-n", &ns, "-o", "json"], None)
                .map_err(|e| anyhow::anyhow!("kubectl: {e}"))?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let items = serde_json::from_str::<Value>(&out)?["items"].as_array().map_or(0, Vec::len);
        Ok((ms, items))
    })
    .await?
}

/// `kubectl get pods -o json` of `KUBECTL_PODS` pods through the proxy and directly, runs
/// alternating; the server's RSS before, at its highest during the proxied runs, and after.
async fn kubectl_full_list(server: &Server, bench: &TestCluster, ns: &str) -> anyhow::Result<Value> {
    let text =
        server.http.get(server.url("/api/kubeconfig?clusters=bench")).send().await?.error_for_status()?.text().await?;
    let dir = tempfile::tempdir()?;
    let downloaded = dir.path().join("config");
    std::fs::write(&downloaded, text)?;
    let admin = bench.admin_kubeconfig();
    // One unmeasured run each (kubectl's discovery cache, the apiserver's watch cache).
    timed_kubectl(bench, &admin, ns).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(server.pid());
    let (peak, sampling) = (Arc::new(AtomicU64::new(rss_before)), Arc::new(AtomicBool::new(true)));
    let sampler = tokio::spawn({
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), server.pid());
        async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let (first, items) = timed_kubectl(bench, &downloaded, ns).await?;
    anyhow::ensure!(items == KUBECTL_PODS, "through the proxy kubectl printed {items} pods, not {KUBECTL_PODS}");
    let rss_after_first = rss_kib(server.pid());
    let (mut proxied, mut direct) = (Vec::new(), Vec::new());
    for _ in 0..KUBECTL_RUNS {
        direct.push(timed_kubectl(bench, &admin, ns).await?.0);
        proxied.push(timed_kubectl(bench, &downloaded, ns).await?.0);
    }
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_kib(server.pid());
    let rss_peak = peak.load(Ordering::Relaxed);
    proxied.sort_by(f64::total_cmp);
    direct.sort_by(f64::total_cmp);
    let (p, d) = (percentile(&proxied, 50.0), percentile(&direct, 50.0));
    println!(
        "proxy-kubectl[{KUBECTL_PODS}]: proxy median {p:.0} ms, direct median {d:.0} ms ({:+.1} %); server RSS {} → peak {} → after {} MiB",
        (p / d - 1.0) * 100.0,
        rss_before / 1024,
        rss_peak / 1024,
        rss_after / 1024
    );
    Ok(json!({
        "pods": KUBECTL_PODS,
        "runs": KUBECTL_RUNS,
        "proxy_ms": proxied,
        "direct_ms": direct,
        "proxy_first_run_ms": first,
        "proxy_median_ms": p,
        "direct_median_ms": d,
        "slower_fraction": p / d - 1.0,
        "server_rss_before_mib": rss_before / 1024,
        "server_rss_peak_mib": rss_peak / 1024,
        "server_rss_after_first_run_mib": rss_after_first / 1024,
        "server_rss_after_mib": rss_after / 1024,
    }))
}

/// Runs the proxy benchmarks and writes bench/results/proxy.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let ns = namespace_for(KUBECTL_PODS);
    fill(&admin_client(&bench).await?, &ns, KUBECTL_PODS).await?;
    let server = bench_server(binary, &bench);
    let token = token(&server).await?;
    let get = get_one_pod(&server, &bench, &token, &ns).await?;
    let list = kubectl_full_list(&server, &bench, &ns).await?;
    let report = json!({
        "benchmark": "proxy",
        "what": "GET of one pod through /api/clusters/bench/k8s with a personal access token vs straight to the apiserver as the same identity (bridge token + impersonation), keep-alive connections, loopback; kubectl get pods -o json of 10,000 pods with a downloaded kubeconfig vs the admin kubeconfig",
        "targets": {"added_p99_ms": 1.0, "kubectl_10k_slower_fraction": 0.10},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "get_one_pod": get,
        "kubectl_get_pods_json": list,
    });
    std::fs::write(dir.join("proxy.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/proxy.json");
    Ok(())
}
