//! Log-stream benchmarks against the dedicated `bench` cluster (real kube-apiserver, kwok
//! serving each pod's own log file):
//!
//! - one viewer of a 100-pod Deployment (cap raised to 100) while the bench appends 100 lines/s
//!   to every pod's log: line latency from the write (the time is in the line) to the frame at
//!   the client, lines lost per pod, server CPU and RSS;
//! - 50 viewers (one identity) of the same Deployment: upstream log streams (the server's gauge
//!   and the apiserver's own count of log requests), every viewer's lines, RSS.
//!
//! `PERISCOPE_BENCH_LOGS_SECONDS` (default 30) is the length of the 100 lines/s run.

use std::{
    collections::HashSet,
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use periscope_testkit::{
    PodLogs, Server, TestCluster, cluster,
    podlogs::{cri_line, kwok_placement, wait_pods},
    random_suffix,
};
use serde_json::{Value, json};

use crate::{admin_client, percentile, rss_kib, summary, watch::cpu_seconds};

const PODS: usize = 100;
const LINES_PER_SECOND: u64 = 100;
const VIEWERS: usize = 50;
/// Lines per pod and second while 50 viewers watch: enough to prove delivery to each of them
/// without making the bench's own 50 readers (5,000 frames per line round) the bottleneck.
const VIEWERS_LINES_PER_SECOND: u64 = 2;
const VIEWERS_SECONDS: u64 = 10;
const DEPLOYMENT: &str = "fanout";

fn unix_nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// What one viewer saw.
#[derive(Default)]
struct Seen {
    /// Lines per pod index (probes not counted).
    per_pod: Vec<u64>,
    /// Write → frame latencies in ms.
    latencies: Vec<f64>,
    /// Pod indexes whose probe line arrived.
    probes: HashSet<usize>,
    /// Lines whose `p` was not the pod that wrote them.
    misattributed: u64,
    dropped: u64,
    pods_in_meta: usize,
    ended: Option<String>,
    /// When the viewer opened (ns since the epoch): a new upstream stream starts a few seconds
    /// back, so lines written before are not this viewer's to count.
    opened: u128,
    before_open: u64,
}

/// Parses one SSE block into (event name, data); unnamed events are log lines.
fn parse_block(block: &str) -> (&str, String) {
    let (mut event, mut data) = ("", String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event: ") {
            event = v;
        } else if let Some(v) = line.strip_prefix("data: ") {
            data.push_str(v);
        }
    }
    (event, data)
}

/// Records one line frame of a Periscope stream (`p` must name the pod that wrote it).
fn record_line(seen: &mut Seen, names: &[String], data: &str, now: u128) {
    let Ok(frame) = serde_json::from_str::<Value>(data) else { return };
    let text = frame["l"].as_str().unwrap_or("");
    let pod = text.split(' ').nth(1).and_then(|p| p.parse::<usize>().ok());
    if pod.is_some_and(|pod| pod < names.len() && frame["p"].as_str() != Some(names[pod].as_str())) {
        seen.misattributed += 1;
    }
    record_text(seen, text, now);
}

/// Records one line: `bench <pod> <seq> <write ns> …` or `probe <pod>`.
fn record_text(seen: &mut Seen, text: &str, now: u128) {
    let mut words = text.split(' ');
    let (kind, pod) = (words.next(), words.next().and_then(|p| p.parse::<usize>().ok()));
    let Some(pod) = pod.filter(|p| *p < seen.per_pod.len()) else { return };
    match kind {
        Some("probe") => {
            seen.probes.insert(pod);
        }
        Some("bench") => {
            let written = words.nth(1).and_then(|w| w.parse::<u128>().ok()).unwrap_or(0);
            if written < seen.opened {
                seen.before_open += 1;
                return;
            }
            seen.per_pod[pod] += 1;
            seen.latencies.push(now.saturating_sub(written) as f64 / 1e6);
        }
        _ => {}
    }
}

/// The floor: the same lines read straight from the apiserver (one admin follow stream per
/// pod, kwok → apiserver → bench), so the latency Periscope adds can be told apart.
async fn direct_floor(admin: &kube::Client, ns: &str, logs: &[PodLogs], seconds: u64) -> anyhow::Result<Value> {
    use futures::{AsyncBufReadExt, TryStreamExt};
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(admin.clone(), ns);
    let opened = unix_nanos(SystemTime::now());
    let seen = Arc::new(Mutex::new(Seen { per_pod: vec![0; logs.len()], opened, ..Seen::default() }));
    let mut readers = Vec::new();
    for pod in logs {
        let params = kube::api::LogParams {
            container: Some("app".into()),
            follow: true,
            tail_lines: Some(0),
            ..Default::default()
        };
        let (pods, name, seen) = (pods.clone(), pod.pod.clone(), seen.clone());
        // Opened in the task: the kubelet answers a follow's head only with its first line.
        readers.push(tokio::spawn(async move {
            let Ok(stream) = pods.log_stream(&name, &params).await else { return };
            let mut lines = stream.lines();
            while let Ok(Some(line)) = lines.try_next().await {
                let now = unix_nanos(SystemTime::now());
                record_text(&mut seen.lock().unwrap_or_else(|p| p.into_inner()), &line, now);
            }
        }));
    }
    let viewers = [seen.clone()];
    attach(logs, &viewers).await?;
    let writer = write_lines(logs, LINES_PER_SECOND, seconds);
    while !writer.is_finished() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let written = writer.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
    drain(&viewers, written).await;
    for reader in readers {
        reader.abort();
    }
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let mut latencies = seen.latencies.clone();
    latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(!latencies.is_empty(), "no line arrived over the direct streams");
    let lost: u64 = seen.per_pod.iter().map(|n| written.saturating_sub(*n)).sum();
    println!(
        "logs[floor: {PODS} direct apiserver follow streams, {LINES_PER_SECOND}/s each, {seconds} s]: latency p50 {:.1} ms p99 {:.1} ms; lost {lost}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
    Ok(json!({
        "seconds": seconds,
        "lines_written": written * PODS as u64,
        "lines_lost": lost,
        "latency_write_to_line": summary(&latencies),
    }))
}

/// Opens one log stream of the Deployment and reads it in a task until the stream ends.
async fn viewer(http: &reqwest::Client, url: &str, names: Arc<Vec<String>>) -> anyhow::Result<Arc<Mutex<Seen>>> {
    let opened = unix_nanos(SystemTime::now());
    let mut response = http.get(url).header("accept", "text/event-stream").send().await?;
    anyhow::ensure!(response.status().is_success(), "{url}: {} {}", response.status(), response.text().await?);
    let seen = Arc::new(Mutex::new(Seen { per_pod: vec![0; names.len()], opened, ..Seen::default() }));
    let shared = seen.clone();
    tokio::spawn(async move {
        let mut buf = Vec::new();
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => {
                    shared.lock().unwrap_or_else(|p| p.into_inner()).ended = Some("end of stream".into());
                    return;
                }
                Err(e) => {
                    shared.lock().unwrap_or_else(|p| p.into_inner()).ended = Some(e.to_string());
                    return;
                }
            };
            let now = unix_nanos(SystemTime::now());
            buf.extend_from_slice(&chunk);
            let mut seen = shared.lock().unwrap_or_else(|p| p.into_inner());
            let mut start = 0;
            while let Some(end) = buf[start..].windows(2).position(|w| w == b"\n\n") {
                let block = String::from_utf8_lossy(&buf[start..start + end]).into_owned();
                start += end + 2;
                match parse_block(&block) {
                    ("", data) if !data.is_empty() => record_line(&mut seen, &names, &data, now),
                    ("meta", data) => {
                        let meta: Value = serde_json::from_str(&data).unwrap_or_default();
                        seen.pods_in_meta = meta["pods"].as_array().map_or(0, Vec::len);
                    }
                    ("dropped", data) => {
                        let count: Value = serde_json::from_str(&data).unwrap_or_default();
                        seen.dropped += count["count"].as_u64().unwrap_or(0);
                    }
                    ("error", data) => seen.ended = Some(format!("error: {data}")),
                    _ => {}
                }
            }
            buf.drain(..start);
        }
    });
    Ok(seen)
}

/// Waits until `check` holds for every viewer, up to `limit`.
async fn wait_all(
    viewers: &[Arc<Mutex<Seen>>],
    limit: Duration,
    what: &str,
    check: impl Fn(&Seen) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let ready = viewers.iter().filter(|v| check(&v.lock().unwrap_or_else(|p| p.into_inner()))).count();
        if ready == viewers.len() {
            return Ok(());
        }
        if let Some(ended) = viewers.iter().find_map(|v| v.lock().unwrap_or_else(|p| p.into_inner()).ended.clone()) {
            anyhow::bail!("a viewer's stream ended while waiting for {what}: {ended}");
        }
        anyhow::ensure!(Instant::now() < deadline, "{what}: {ready}/{} viewers after {limit:?}", viewers.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes `probe <i>` to every pod's log until every viewer has seen a probe from every pod
/// (the server's upstream follows attach a moment after the stream opens).
async fn attach(logs: &[PodLogs], viewers: &[Arc<Mutex<Seen>>]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for (i, pod) in logs.iter().enumerate() {
            pod.append("app", &format!("probe {i}"));
        }
        if wait_all(viewers, Duration::from_millis(500), "probes", |s| s.probes.len() == logs.len()).await.is_ok() {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "the upstream follows did not all attach in 120 s");
    }
}

/// Appends `rate` lines per second to every pod's log for `seconds` from a thread of its own;
/// returns the lines written per pod.
fn write_lines(logs: &[PodLogs], rate: u64, seconds: u64) -> std::thread::JoinHandle<anyhow::Result<u64>> {
    let mut files: Vec<std::fs::File> = logs.iter().map(|l| l.open_append("app")).collect();
    std::thread::spawn(move || {
        let period = Duration::from_nanos(1_000_000_000 / rate);
        let ticks = rate * seconds;
        let padding = "p".repeat(60);
        let start = Instant::now();
        for tick in 0..ticks {
            let due = start + period * tick as u32;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            for (i, file) in files.iter_mut().enumerate() {
                let now = SystemTime::now();
                file.write_all(cri_line(now, &format!("bench {i} {tick} {} {padding}", unix_nanos(now))).as_bytes())?;
            }
        }
        Ok(ticks)
    })
}

/// Runs [`write_lines`] while measuring CPU and sampling the server's RSS: returns the lines
/// written per pod, CPU use and the peak RSS in MiB.
async fn write_and_measure(
    server: &Server,
    bench: &TestCluster,
    logs: &[PodLogs],
    rate: u64,
    seconds: u64,
) -> anyhow::Result<(u64, Value, u64)> {
    let cpu = CpuMeter::start(server, bench);
    let writer = write_lines(logs, rate, seconds);
    let mut rss_peak = rss_mib(server);
    while !writer.is_finished() {
        rss_peak = rss_peak.max(rss_mib(server));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let cpu = cpu.percent();
    let written = writer.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
    Ok((written, cpu, rss_peak))
}

/// Waits until every viewer has `expected` lines from every pod, or nothing more arrived for
/// 10 s.
async fn drain(viewers: &[Arc<Mutex<Seen>>], expected: u64) {
    let total = |v: &[Arc<Mutex<Seen>>]| -> u64 {
        v.iter().map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).per_pod.iter().sum::<u64>()).sum()
    };
    let want = expected * PODS as u64 * viewers.len() as u64;
    let (mut last, mut since) = (total(viewers), Instant::now());
    while last < want && since.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = total(viewers);
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
}

/// The sum of every series of `name` in the server's `/api/metrics`.
async fn metric_sum(http: &reqwest::Client, server: &Server, name: &str) -> anyhow::Result<f64> {
    let text = http.get(server.url("/api/metrics")).send().await?.text().await?;
    Ok(text
        .lines()
        .filter(|l| l.strip_prefix(name).is_some_and(|r| r.starts_with(' ') || r.starts_with('{')))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

/// Pod log streams the apiserver holds open now (its own `/metrics`; follow streams are
/// long-running requests, counted in `apiserver_request_total` only when they end).
async fn apiserver_log_streams(admin: &kube::Client) -> anyhow::Result<u64> {
    let text = admin.request_text(http::Request::get("/metrics").body(Vec::new())?).await?;
    let total = text
        .lines()
        .filter(|l| {
            l.starts_with("apiserver_longrunning_requests{")
                && l.contains("resource=\"pods\"")
                && l.contains("subresource=\"log\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    Ok(total as u64)
}

/// A pid of one of the cluster's own processes (from kwokctl's pid files).
fn cluster_pid(bench: &TestCluster, component: &str) -> Option<String> {
    let file = bench.dir.join(format!("kwok/clusters/{}/pids/{component}.pid", bench.name));
    std::fs::read_to_string(file).ok().map(|p| p.trim().to_string())
}

/// CPU use (percent of one core) of the server and the cluster's processes over a run.
struct CpuMeter {
    pids: Vec<(&'static str, String)>,
    start: Vec<f64>,
    at: Instant,
}

impl CpuMeter {
    fn start(server: &Server, bench: &TestCluster) -> CpuMeter {
        let mut pids = vec![("server", server.pid().to_string())];
        for (label, component) in [("kube_apiserver", "kube-apiserver"), ("kwok", "kwok-controller")] {
            if let Some(pid) = cluster_pid(bench, component) {
                pids.push((label, pid));
            }
        }
        let start = pids.iter().map(|(_, p)| cpu_seconds(p)).collect();
        CpuMeter { pids, start, at: Instant::now() }
    }

    fn percent(&self) -> Value {
        let secs = self.at.elapsed().as_secs_f64();
        let map: serde_json::Map<String, Value> = self
            .pids
            .iter()
            .zip(&self.start)
            .map(|((label, pid), start)| {
                (format!("{label}_cpu_percent"), json!((cpu_seconds(pid) - start) / secs * 100.0))
            })
            .collect();
        Value::Object(map)
    }
}

fn rss_mib(server: &Server) -> u64 {
    rss_kib(server.pid()) / 1024
}

/// One viewer, 100 lines/s per pod.
async fn one_viewer(
    server: &Server,
    bench: &TestCluster,
    url: &str,
    logs: &[PodLogs],
    names: Arc<Vec<String>>,
) -> anyhow::Result<Value> {
    let seconds: u64 = std::env::var("PERISCOPE_BENCH_LOGS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let http = reqwest::Client::new();
    let rss_start = rss_mib(server);
    let viewers = vec![viewer(&http, url, names).await?];
    wait_all(&viewers, Duration::from_secs(60), "meta with every pod", |s| s.pods_in_meta == PODS).await?;
    attach(logs, &viewers).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (written, cpu, rss_peak) = write_and_measure(server, bench, logs, LINES_PER_SECOND, seconds).await?;
    drain(&viewers, written).await;
    let seen = viewers[0].lock().unwrap_or_else(|p| p.into_inner());
    let mut latencies = seen.latencies.clone();
    latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(!latencies.is_empty(), "no line arrived");
    let received: u64 = seen.per_pod.iter().sum();
    let lost: u64 = seen.per_pod.iter().map(|n| written.saturating_sub(*n)).sum();
    let worst_pod = seen.per_pod.iter().min().copied().unwrap_or(0);
    println!(
        "logs[one viewer, {PODS} pods × {LINES_PER_SECOND}/s, {seconds} s]: latency p50 {:.1} ms p99 {:.1} ms max {:.1} ms; \
         {received}/{} lines, lost {lost} (worst pod {worst_pod}/{written}), dropped {}, misattributed {}; CPU {cpu}; RSS {rss_start} → peak {rss_peak} MiB",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies[latencies.len() - 1],
        written * PODS as u64,
        seen.dropped,
        seen.misattributed,
    );
    Ok(json!({
        "pods": PODS,
        "lines_per_pod_per_second": LINES_PER_SECOND,
        "seconds": seconds,
        "lines_written": written * PODS as u64,
        "lines_received": received,
        "lines_lost": lost,
        "fewest_lines_of_one_pod": worst_pod,
        "lines_per_pod_written": written,
        "dropped_reported": seen.dropped,
        "misattributed": seen.misattributed,
        "stream_ended": seen.ended,
        "latency_write_to_frame": summary(&latencies),
        "cpu": cpu,
        "server_rss_mib_start": rss_start,
        "server_rss_mib_peak": rss_peak,
        "server_rss_mib_end": rss_mib(server),
    }))
}

/// Fifty viewers of one identity.
async fn fifty_viewers(
    server: &Server,
    bench: &TestCluster,
    admin: &kube::Client,
    url: &str,
    logs: &[PodLogs],
    names: Arc<Vec<String>>,
) -> anyhow::Result<Value> {
    let http = reqwest::Client::new();
    let rss_start = rss_mib(server);
    // The earlier runs' streams close a moment after their server went: start from none.
    let deadline = Instant::now() + Duration::from_secs(60);
    while apiserver_log_streams(admin).await? > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log_streams_before = apiserver_log_streams(admin).await?;
    let mut viewers = Vec::with_capacity(VIEWERS);
    for _ in 0..VIEWERS {
        viewers.push(viewer(&http, url, names.clone()).await?);
    }
    wait_all(&viewers, Duration::from_secs(120), "meta with every pod", |s| s.pods_in_meta == PODS).await?;
    attach(logs, &viewers).await?;
    let upstreams = metric_sum(&http, server, "periscope_log_upstreams").await?;
    let viewers_gauge = metric_sum(&http, server, "periscope_log_viewers").await?;
    let log_streams = apiserver_log_streams(admin).await?.saturating_sub(log_streams_before);
    let rss_open = rss_mib(server);
    let (written, cpu, rss_peak) =
        write_and_measure(server, bench, logs, VIEWERS_LINES_PER_SECOND, VIEWERS_SECONDS).await?;
    drain(&viewers, written).await;
    let mut latencies = Vec::new();
    let (mut complete, mut lost, mut dropped, mut before_open) = (0, 0, 0, 0);
    for v in &viewers {
        let seen = v.lock().unwrap_or_else(|p| p.into_inner());
        latencies.extend_from_slice(&seen.latencies);
        let missing: u64 = seen.per_pod.iter().map(|n| written.saturating_sub(*n)).sum();
        complete += usize::from(missing == 0);
        lost += missing;
        dropped += seen.dropped;
        before_open += seen.before_open;
    }
    latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(!latencies.is_empty(), "no line arrived");
    println!(
        "logs[{VIEWERS} viewers, one identity, {PODS} pods]: upstreams {upstreams} (apiserver log streams {log_streams}), viewers gauge {viewers_gauge}; \
         {complete}/{VIEWERS} viewers got every line, lost {lost}, dropped {dropped}; latency p99 {:.1} ms; CPU {cpu}; RSS {rss_start} → {rss_open} (open) → peak {rss_peak} MiB",
        percentile(&latencies, 99.0),
    );
    Ok(json!({
        "viewers": VIEWERS,
        "pods": PODS,
        "upstream_log_streams": upstreams,
        "viewers_gauge": viewers_gauge,
        "apiserver_log_streams_open": log_streams,
        "apiserver_log_streams_before": log_streams_before,
        "lines_per_pod_per_second": VIEWERS_LINES_PER_SECOND,
        "seconds": VIEWERS_SECONDS,
        "lines_per_viewer_expected": written * PODS as u64,
        "viewers_with_every_line": complete,
        "lines_lost_all_viewers": lost,
        "dropped_reported_all_viewers": dropped,
        "lines_from_before_the_viewer_opened": before_open,
        "latency_write_to_frame": summary(&latencies),
        "cpu": cpu,
        "server_rss_mib_before": rss_start,
        "server_rss_mib_open": rss_open,
        "server_rss_mib_peak": rss_peak,
    }))
}

/// Runs the log benchmarks and writes bench/results/logs.json.
pub async fn run(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let admin = admin_client(&bench).await?;
    let ns = format!("bench-logs-{}", random_suffix());
    bench.kubectl(&["create", "namespace", &ns]);
    let result = measure(binary, &bench, &admin, &ns).await;
    let _ = periscope_testkit::cluster::kubectl(
        &bench.kubectl_binary(),
        &bench.admin_kubeconfig(),
        &["delete", "namespace", &ns, "--wait=false"],
        None,
    );
    let report = json!({
        "benchmark": "logs",
        "what": "SSE log stream of a 100-pod Deployment through the HTTP server as an admin-tier user; kwok serves each pod's own CRI log file, appended to by the bench; latency = frame parsed at the client minus the time written into the line",
        "targets": {"p99_line_latency_ms": 250.0, "lines_lost": 0, "upstream_log_streams_for_50_viewers": 100},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "results": result?,
    });
    std::fs::write(dir.join("logs.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/logs.json");
    Ok(())
}

async fn measure(
    binary: &std::path::Path,
    bench: &TestCluster,
    admin: &kube::Client,
    ns: &str,
) -> anyhow::Result<Value> {
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {DEPLOYMENT}\n  namespace: {ns}\nspec:\n  replicas: \
         {PODS}\n  selector:\n    matchLabels: {{app: {DEPLOYMENT}}}\n  template:\n    metadata:\n      labels: {{app: \
         {DEPLOYMENT}}}\n    spec:\n{}      containers: [{{name: app, image: x}}]\n",
        kwok_placement(6)
    );
    bench.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let t0 = Instant::now();
    let names = wait_pods(bench, ns, &format!("app={DEPLOYMENT}"), PODS);
    let pods: Vec<&str> = names.iter().map(String::as_str).collect();
    let logs = PodLogs::create_many(bench, ns, &pods, &["app"]);
    for pod in &logs {
        pod.wait_served();
    }
    println!("logs: {PODS} pods with logs of their own in {:.1} s", t0.elapsed().as_secs_f64());
    let names = Arc::new(names);
    let floor = direct_floor(admin, ns, &logs, 10).await?;
    let server = logs_server(binary, bench);
    let one = one_viewer(&server, bench, &stream_url(&server, ns), &logs, names.clone()).await?;
    drop(server);
    let server = logs_server(binary, bench);
    let fifty = fifty_viewers(&server, bench, admin, &stream_url(&server, ns), &logs, names).await?;
    Ok(json!({
        "floor_direct_apiserver_streams_100_lines_per_second": floor,
        "one_viewer_100_lines_per_second": one,
        "fifty_viewers_one_identity": fifty,
    }))
}

/// A fresh server with the cap raised to the Deployment's size and no per-user stream or
/// upstream limit, so sharing (or its absence) is what the counts show.
fn logs_server(binary: &std::path::Path, bench: &TestCluster) -> Server {
    crate::lists::bench_server_with(
        binary,
        bench,
        &[
            ("PERISCOPE_LOGS_MAX_PODS", "100"),
            ("PERISCOPE_LOGS_USER_UPSTREAMS", "100000"),
            ("PERISCOPE_MAX_STREAMS_PER_USER", "0"),
        ],
    )
}

/// The live log stream of the Deployment (no history).
fn stream_url(server: &Server, ns: &str) -> String {
    server.url(&format!("/api/clusters/bench/resources/apps/v1/deployments/{ns}/{DEPLOYMENT}/logs?tailLines=0"))
}
