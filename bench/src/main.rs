//! `make bench`: measures Periscope against real components and writes bench/results/.
//!
//! auth-overhead: latency of an authenticated request (`GET /api/whoami`: cookie → session
//! lookup → identity → JSON) against an unauthenticated baseline (`GET /healthz`) on the same
//! server, with sessions in memory and in PostgreSQL on loopback. The difference of the
//! percentiles is the cost of session lookup and identity resolution.
//!
//! `PERISCOPE_BENCH=exec` measures terminal sessions (exec.rs);
//! `PERISCOPE_BENCH=logs` measures log streams of a 100-pod Deployment (logs.rs);
//! `PERISCOPE_BENCH=web` measures the web console in Chromium (web.rs), `PERISCOPE_BENCH=logs-web`
//! its log viewer (logs_web.rs), `PERISCOPE_BENCH=editor` its YAML editor (editor.rs),
//! `PERISCOPE_BENCH=describe` its describe view of a 10-container pod (describe.rs);
//! `PERISCOPE_BENCH=proxy` measures the Kubernetes API proxy against the apiserver (proxy.rs);
//! `PERISCOPE_BENCH=helm` measures Helm release lists and revision diffs (helm.rs);
//! `PERISCOPE_BENCH=agent` measures the agent tunnel against direct access (agent.rs);
//! `PERISCOPE_BENCH=startup` measures start-up to ready and writes the release sizes (startup.rs);
//! `PERISCOPE_BENCH=screenshots` (never part of a full run) captures docs/screenshots/.

mod agent;
mod audit;
mod describe;
mod editor;
mod exec;
mod helm;
mod history;
mod lists;
mod logs;
mod logs_web;
mod proxy;
mod startup;
mod usage;
mod watch;
mod web;

use std::{path::PathBuf, time::Instant};

use periscope_testkit::TestCluster;
use periscope_testkit::{
    Idp, IdpOptions, Server, ServerOptions, UserAgent, agent::set_cookie_value, free_port, postgres,
};
use serde_json::{Value, json};

const WARMUP: usize = 500;
const SAMPLES: usize = 5000;

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Sequential requests over one keep-alive connection; returns latencies in milliseconds.
async fn sample(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        let mut request = client.get(url);
        if let Some(c) = cookie {
            request = request.header("Cookie", format!("periscope_session={c}"));
        }
        let started = Instant::now();
        let response = request.send().await?;
        let status = response.status();
        response.bytes().await?;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(status.is_success(), "{url} answered {status}");
        if i >= WARMUP {
            out.push(elapsed);
        }
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

/// A client with the cluster's admin kubeconfig (for set-up the bench measures around).
pub(crate) async fn admin_client(cluster: &TestCluster) -> anyhow::Result<kube::Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(cluster.admin_kubeconfig())?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
    Ok(kube::Client::try_from(config)?)
}

/// Resident memory of process `pid` in KiB (0 if unreadable).
pub(crate) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub(crate) fn summary(sorted: &[f64]) -> Value {
    json!({
        "p50_ms": percentile(sorted, 50.0),
        "p90_ms": percentile(sorted, 90.0),
        "p99_ms": percentile(sorted, 99.0),
        "max_ms": sorted[sorted.len() - 1],
    })
}

async fn auth_overhead(binary: &std::path::Path, idp: &Idp, store: &str, session_yaml: &str) -> anyhow::Result<Value> {
    let port = free_port();
    let auth = format!(
        "oidc:\n  issuer: {}\n  clientID: periscope\n  clientSecret: periscope-test-secret\n  redirectURL: http://127.0.0.1:{port}/api/auth/callback\nsession:\n{session_yaml}authorization:\n  mode: tier\n  groupTiers: {{sre: admin}}\n",
        idp.issuer
    );
    let server = Server::start(
        binary,
        ServerOptions {
            clusters_yaml: Some("clusters: []\n".into()),
            auth_yaml: Some(auth),
            // Access logs off (they would be measured too); the start-up lines stay on.
            env: vec![("PERISCOPE_LOG".into(), "warn,periscope::cli=info".into())],
            port: Some(port),
        },
    );
    let agent = UserAgent::new();
    let done = agent.sign_in(&server.base_url, "/", "dave").await;
    let cookie =
        set_cookie_value(&done, "periscope_session").ok_or_else(|| anyhow::anyhow!("no session cookie"))?.to_string();
    let client = reqwest::Client::new();
    let baseline = sample(&client, &server.url("/healthz"), None).await?;
    let authed = sample(&client, &server.url("/api/whoami"), Some(&cookie)).await?;
    let overhead_p50 = percentile(&authed, 50.0) - percentile(&baseline, 50.0);
    let overhead_p99 = percentile(&authed, 99.0) - percentile(&baseline, 99.0);
    println!(
        "auth-overhead[{store}]: whoami p50 {:.3} ms p99 {:.3} ms; healthz p50 {:.3} ms p99 {:.3} ms; overhead p50 {overhead_p50:.3} ms p99 {overhead_p99:.3} ms",
        percentile(&authed, 50.0),
        percentile(&authed, 99.0),
        percentile(&baseline, 50.0),
        percentile(&baseline, 99.0),
    );
    Ok(json!({
        "store": store,
        "samples": SAMPLES,
        "authenticated_whoami": summary(&authed),
        "baseline_healthz": summary(&baseline),
        "overhead_p50_ms": overhead_p50,
        "overhead_p99_ms": overhead_p99,
    }))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let binary = PathBuf::from(std::env::var("PERISCOPE_BIN").unwrap_or_else(|_| "target/release/periscope".into()));
    anyhow::ensure!(binary.is_file(), "build the server first: {} is missing", binary.display());
    let only = std::env::var("PERISCOPE_BENCH").ok();
    let dir = PathBuf::from("bench/results");
    std::fs::create_dir_all(&dir)?;
    if only.as_deref().is_none_or(|b| b == "auth") {
        auth_benchmarks(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b.starts_with("audit")) {
        audit_benchmarks(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "lists") {
        lists::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "watch") {
        watch::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "proxy") {
        proxy::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "helm") {
        helm::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "usage") {
        usage::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "describe") {
        describe::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "history") {
        history::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "agent") {
        agent::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "exec") {
        exec::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "logs") {
        logs::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "web") {
        web::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "logs-web") {
        logs_web::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "editor") {
        editor::run(&binary, &dir).await?;
    }
    if only.as_deref().is_none_or(|b| b == "startup") {
        startup::run(&binary, &dir).await?;
    }
    if only.as_deref() == Some("screenshots") {
        web::screenshots(&binary).await?;
    }
    Ok(())
}

async fn auth_benchmarks(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let idp = Idp::start(IdpOptions::default());
    let memory = auth_overhead(binary, &idp, "memory", "  store: memory\n").await?;
    let dsn = postgres::fresh_database("bench");
    let pg_yaml = format!("  store: postgres\n  postgresDSN: {dsn}\n  encryptionKey: bench-key-0123456789abcdef\n");
    let pg = auth_overhead(binary, &idp, "postgres", &pg_yaml).await?;
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let report = json!({
        "benchmark": "auth-overhead",
        "what": "GET /api/whoami with a session cookie vs GET /healthz, sequential over one keep-alive connection, loopback",
        "targets": {"memory_p99_overhead_ms": 1.0, "postgres_p99_overhead_ms": 5.0},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": machine,
        "results": [memory, pg],
    });
    std::fs::write(dir.join("auth-overhead.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/auth-overhead.json");

    Ok(())
}

async fn audit_benchmarks(binary: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    // Latency first: a finished run's final WAL checkpoint (an fsync) would land in the next one.
    let paced = audit::paced_latency(scratch.path()).await?;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let throughput = audit::throughput(scratch.path()).await?;
    // PERISCOPE_BENCH=audit-write skips the million-row query benchmark (it takes a minute to fill).
    let query = if std::env::var("PERISCOPE_BENCH").as_deref() == Ok("audit-write") {
        Value::Null
    } else {
        audit::query(binary, scratch.path()).await?
    };
    let report = json!({
        "benchmark": "audit",
        "targets": {"actions_per_second": 5000, "audit_latency_p99_ms": 2.0, "query_p95_ms_over_1m_rows": 50.0, "page_first_paint_ms": 1000.0, "page_filter_change_p95_ms": 300.0},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "throughput_sqlite": throughput,
        "latency_sqlite_at_5000_per_second": paced,
        "query_sqlite": query,
    });
    std::fs::write(dir.join("audit.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/audit.json");
    Ok(())
}
