//! Web console benchmarks in Debian's Chromium (`testenv/browser/bench.mjs`, playwright-core)
//! against the `bench` cluster (real kube-apiserver + etcd): a pod list of 50,000 rows.
//!
//! - first meaningful paint (the frame that paints the first data row) after navigating to the
//!   list, cold (a fresh server and browser profile, nothing warm) and warm (the server's live
//!   store of the list warm, the browser cache warm);
//! - scrolling: requestAnimationFrame deltas and long animation frames while a script scrolls
//!   down through the whole list (pages of rows load as it goes) and back up;
//! - filter-as-you-type: from a keystroke in the name box to the frame showing its result;
//! - the split layout: from `j`/`k` (or a click on a row) to the frame in which the detail pane
//!   shows the newly highlighted pod, and whether the list keeps its scroll position meanwhile;
//! - the initial JavaScript (index.html's scripts and modulepreloads), gzipped.
//!
//! `PERISCOPE_BENCH_WEB_PHASES=split` (comma-separated, of cold,warm,filter,scroll,split,jssize)
//! runs some phases only and updates their entries of web.json, keeping the others.
//!
//! `PERISCOPE_BENCH=screenshots` (not part of `make bench`) captures docs/screenshots/*.png
//! with `testenv/browser/screenshots.mjs` against a cluster of its own set up like `make demo`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use periscope_testkit::{Server, ServerOptions, TestCluster, cluster, repo_root};
use serde_json::{Value, json};

use crate::{admin_client, lists, rss_kib};

/// Cold loads, each on a fresh server (and a fresh browser profile).
const COLD_RUNS: usize = 3;
/// Warm loads on one server, after a first load that warms it.
const WARM_RUNS: usize = 5;

const TARGET_FMP_MS: f64 = 1500.0;
const TARGET_FRAME_MS: f64 = 50.0;
const TARGET_FILTER_MS: f64 = 150.0;
const TARGET_JS_GZIP_KB: f64 = 300.0;
/// Switching rows in the split layout: the input to the frame that shows the new row's details.
const TARGET_SPLIT_MS: f64 = 100.0;
/// `j` presses (then as many `k`) and clicks of the split phase.
const SPLIT_KEYS: usize = 100;
const SPLIT_CLICKS: usize = 50;

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.trim().to_string()).unwrap_or_default()
}

/// Runs `node testenv/browser/<script> args…` and returns its last JSON line (its progress goes
/// to our stderr); an `error` in it fails the bench.
pub(crate) async fn node(script: &str, args: Vec<String>) -> anyhow::Result<Value> {
    let mut command = Command::new("node");
    command.arg(repo_root().join("testenv/browser").join(script)).args(&args).stderr(Stdio::inherit());
    let out = tokio::task::spawn_blocking(move || command.output()).await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    let value: Value = serde_json::from_str(line)
        .map_err(|e| anyhow::anyhow!("{script} said {stdout:?} ({e}); run `make testdeps`?"))?;
    anyhow::ensure!(out.status.success() && value.get("error").is_none(), "{script} failed: {value}");
    Ok(value)
}

async fn drive(server: &Server, path: &str, phases: &str) -> anyhow::Result<Value> {
    let mut args: Vec<String> = ["--base", &server.base_url, "--path", path, "--phases", phases, "--runs"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(WARM_RUNS.to_string());
    if let Ok(seconds) = std::env::var("PERISCOPE_BENCH_WEB_SCROLL_SECONDS") {
        args.extend(["--scroll-seconds".to_string(), seconds]);
    }
    args.extend([
        "--split-keys".to_string(),
        SPLIT_KEYS.to_string(),
        "--split-clicks".to_string(),
        SPLIT_CLICKS.to_string(),
    ]);
    node("bench.mjs", args).await
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Median, min and max of `field` over `runs`.
fn spread(runs: &[Value], field: &str) -> Value {
    let mut values: Vec<f64> = runs.iter().map(|r| num(&r[field])).filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return Value::Null;
    }
    json!({"median_ms": values[values.len() / 2], "min_ms": values[0], "max_ms": values[values.len() - 1]})
}

/// The phases of the group: all of them, or `PERISCOPE_BENCH_WEB_PHASES` (comma-separated).
const PHASES: [&str; 6] = ["cold", "warm", "filter", "scroll", "split", "jssize"];

fn phases() -> anyhow::Result<Vec<&'static str>> {
    let Ok(wanted) = std::env::var("PERISCOPE_BENCH_WEB_PHASES") else {
        return Ok(PHASES.to_vec());
    };
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if let Some(unknown) = wanted.iter().find(|p| !PHASES.contains(p)) {
        anyhow::bail!("PERISCOPE_BENCH_WEB_PHASES: no phase {unknown:?} (phases: {})", PHASES.join(","));
    }
    Ok(PHASES.iter().copied().filter(|p| wanted.contains(p)).collect())
}

/// Runs the web benchmarks and writes bench/results/web.json; a run of some phases only
/// (`PERISCOPE_BENCH_WEB_PHASES`) replaces their entries in the file and keeps the others.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let phases = phases()?;
    let all = phases.len() == PHASES.len();
    let bench = cluster("bench");
    let admin = admin_client(&bench).await?;
    let pods: usize = std::env::var("PERISCOPE_BENCH_WEB_PODS").ok().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    let ns = lists::namespace_for(pods);
    lists::fill(&admin, &ns, pods).await?;
    let path = format!("/clusters/bench/pods?namespace={ns}");
    let load_before = loadavg();

    let mut cold = Vec::new();
    if phases.contains(&"cold") {
        for run in 0..COLD_RUNS {
            let server = lists::bench_server(binary, &bench);
            let mut result = drive(&server, &path, "cold").await?;
            println!("web[cold {}]: FMP {} ms", run + 1, result["cold"]["fmp_ms"]);
            cold.push(result["cold"].take());
        }
    }

    let on_one_server: Vec<&str> = phases.iter().copied().filter(|p| *p != "cold").collect();
    let mut result = Value::Null;
    let mut rss_growth = None;
    if !on_one_server.is_empty() {
        let server = lists::bench_server(binary, &bench);
        let rss_before = rss_kib(server.pid());
        result = drive(&server, &path, &on_one_server.join(",")).await?;
        rss_growth = Some(rss_kib(server.pid()).saturating_sub(rss_before));
    }
    let load_after = loadavg();

    let mut report: Value = if all {
        json!({})
    } else {
        std::fs::read_to_string(dir.join("web.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| json!({}))
    };
    let mut verdict = report["verdict"].take();
    if !verdict.is_object() {
        verdict = json!({});
    }
    let mut set = |key: &str, value: Value| verdict[key] = value;
    let mut sections: Vec<(&str, Value)> = Vec::new();

    if phases.contains(&"cold") || phases.contains(&"warm") {
        let warm: Vec<Value> = result["warm"].as_array().cloned().unwrap_or_default();
        let fmp_cold = spread(&cold, "fmp_ms");
        let fmp_warm = spread(&warm, "fmp_ms");
        let previous = &report["first_meaningful_paint"];
        let cold_entry = if phases.contains(&"cold") {
            json!({"runs": cold.len(), "fmp": fmp_cold, "each": cold})
        } else {
            previous["cold"].clone()
        };
        let warm_entry = if phases.contains(&"warm") {
            json!({"runs": warm.len(), "fmp": fmp_warm, "each": warm})
        } else {
            previous["warm"].clone()
        };
        set("fmp_warm_median_ms", warm_entry["fmp"]["median_ms"].clone());
        set("fmp_cold_median_ms", cold_entry["fmp"]["median_ms"].clone());
        set(
            "fmp_met",
            json!(
                num(&warm_entry["fmp"]["median_ms"]) <= TARGET_FMP_MS
                    && num(&cold_entry["fmp"]["max_ms"]) <= TARGET_FMP_MS
            ),
        );
        sections.push(("first_meaningful_paint", json!({"cold": cold_entry, "warm": warm_entry})));
    }
    if phases.contains(&"scroll") {
        let scroll = result["scroll"].take();
        let frame_max = |pass: &str| {
            num(&scroll[pass]["frame_ms"]["max_ms"]).max(num(&scroll[pass]["long_animation_frames"]["max_ms"]))
        };
        let longest_frame = frame_max("down").max(frame_max("up"));
        set("longest_scroll_frame_ms", json!(longest_frame));
        set("scroll_p99_frame_ms", json!([scroll["down"]["frame_ms"]["p99_ms"], scroll["up"]["frame_ms"]["p99_ms"]]));
        set("scroll_met", json!(longest_frame <= TARGET_FRAME_MS));
        sections.push(("scrolling", scroll));
    }
    if phases.contains(&"filter") {
        let filter = result["filter"].take();
        let filter_p95 = num(&filter["keystroke_ms"]["p95_ms"]);
        set("filter_p50_ms", filter["keystroke_ms"]["p50_ms"].clone());
        set("filter_p95_ms", json!(filter_p95));
        set("filter_met", json!(filter_p95 <= TARGET_FILTER_MS));
        sections.push(("filter_as_you_type", filter));
    }
    if phases.contains(&"jssize") {
        let jssize = result["jssize"].take();
        let js_kb = num(&jssize["gzip_bytes"]) / 1000.0;
        set("initial_js_gzip_kb", json!(js_kb));
        set("initial_js_met", json!(js_kb <= TARGET_JS_GZIP_KB));
        sections.push(("initial_js", jssize));
    }
    if phases.contains(&"split") {
        let mut split = result["split"].take();
        // Each pass: j over rows never shown (read ahead), k back over them, clicks on rows not
        // read ahead in a tab with an empty query cache.
        let p95 = |pass: &str| num(&split[pass]["ms"]["p95_ms"]);
        let worst_p95 = p95("down").max(p95("up")).max(p95("click"));
        set(
            "split_switch_p50_ms",
            json!({"j": split["down"]["ms"]["p50_ms"], "k": split["up"]["ms"]["p50_ms"], "click": split["click"]["ms"]["p50_ms"]}),
        );
        set("split_switch_p95_ms", json!({"j": p95("down"), "k": p95("up"), "click": p95("click")}));
        set(
            "split_switch_max_ms",
            json!({"j": split["down"]["ms"]["max_ms"], "k": split["up"]["ms"]["max_ms"], "click": split["click"]["ms"]["max_ms"]}),
        );
        let jumps = num(&split["down"]["scroll"]["jumps"]) + num(&split["up"]["scroll"]["jumps"]);
        set("split_list_scroll_kept", json!(jumps == 0.0));
        // j/k alone (their rows read ahead), and every pass (clicks wait for the object's read).
        set("split_keys_met", json!(p95("down").max(p95("up")) <= TARGET_SPLIT_MS));
        set("split_met", json!(worst_p95 <= TARGET_SPLIT_MS));
        split["loadavg_before"] = json!(load_before);
        split["loadavg_after"] = json!(load_after);
        sections.push(("split_view_switch", split));
    }
    println!("web: {verdict}");

    report["benchmark"] = json!("web");
    report["what"] = json!(format!(
        "the pods list of namespace {ns} ({pods} pods, real objects in etcd) in headless Chromium through the HTTP server, dev mode as an admin-tier user; viewport 1280x800"
    ));
    report["targets"] = json!({
        "first_meaningful_paint_ms": TARGET_FMP_MS,
        "longest_frame_while_scrolling_ms": TARGET_FRAME_MS,
        "filter_keystroke_to_result_ms": TARGET_FILTER_MS,
        "initial_js_gzip_kb": TARGET_JS_GZIP_KB,
        "split_view_switch_p95_ms": TARGET_SPLIT_MS,
    });
    report["cpus"] = json!(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    if !result["browser"].is_null() {
        report["browser"] = result["browser"].take();
    }
    if all {
        report["loadavg_before"] = json!(load_before);
        report["loadavg_after"] = json!(load_after);
        report["server_rss_growth_kib"] = json!(rss_growth);
    }
    report["pods"] = json!(pods);
    report["page"] = json!(path);
    report["verdict"] = verdict;
    for (key, value) in sections {
        report[key] = value;
    }
    std::fs::write(dir.join("web.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/web.json");
    Ok(())
}

/// Workloads beyond the seeds, so the pages have something to show.
const SCREENSHOT_OBJECTS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: team-a, labels: {app: checkout}}
spec:
  replicas: 3
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      nodeSelector: {type: kwok}
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers: [{name: checkout, image: "registry.example/checkout:2.4.1"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: team-a, labels: {app: cart}}
spec:
  replicas: 2
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      nodeSelector: {type: kwok}
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers: [{name: cart, image: "registry.example/cart:1.9.0"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: team-b, labels: {app: worker}}
spec:
  replicas: 2
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      nodeSelector: {type: kwok}
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers: [{name: worker, image: "registry.example/worker:0.7.3"}]
---
apiVersion: v1
kind: Pod
metadata: {name: report-nightly, namespace: team-a, labels: {app: report}}
spec:
  nodeSelector: {disktype: ssd}
  containers: [{name: report, image: "registry.example/report:1.0.0"}]
"#;

/// `PERISCOPE_BENCH=screenshots`: docs/screenshots/*.png from a cluster of its own
/// (`screenshots`, taken down at the end) with `make demo`'s configuration (testenv/demo-config.sh).
pub async fn screenshots(binary: &Path) -> anyhow::Result<()> {
    let shots = cluster("screenshots");
    let result = shoot(binary, &shots).await;
    let down = Command::new(repo_root().join("testenv/cluster.sh")).args(["down", "screenshots"]).status();
    if !down.is_ok_and(|s| s.success()) {
        eprintln!("screenshots: could not take the `screenshots` cluster down (testenv/cluster.sh down screenshots)");
    }
    result
}

async fn shoot(binary: &Path, shots: &TestCluster) -> anyhow::Result<()> {
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        periscope_testkit::cluster::kubectl(&shots.kubectl_binary(), &shots.admin_kubeconfig(), args, stdin)
            .map_err(|e| anyhow::anyhow!("kubectl {args:?}: {e}"))
    };
    kubectl(&["apply", "-f", "-"], Some(SCREENSHOT_OBJECTS))?;
    for deployment in ["team-a/checkout", "team-a/cart", "team-b/worker"] {
        let (ns, name) = deployment.split_once('/').unwrap_or_default();
        kubectl(&["rollout", "status", &format!("deployment/{name}"), "-n", ns, "--timeout=60s"], None)?;
    }
    let status = Command::new(repo_root().join("testenv/demo-config.sh")).arg(&shots.dir).status()?;
    anyhow::ensure!(status.success(), "testenv/demo-config.sh failed");
    let server = Server::start(
        binary,
        ServerOptions {
            clusters_yaml: Some(std::fs::read_to_string(shots.dir.join("demo-clusters.yaml"))?),
            auth_yaml: Some(std::fs::read_to_string(shots.dir.join("demo-auth.yaml"))?),
            env: vec![("PERISCOPE_LOG".into(), "warn,periscope::cli=info".into())],
            port: None,
        },
    );
    let out: PathBuf = repo_root().join("docs/screenshots");
    let args = ["--base", &server.base_url, "--out", &out.to_string_lossy(), "--cluster", "demo"];
    let result = node("screenshots.mjs", args.iter().map(|s| s.to_string()).collect()).await?;
    for file in result["files"].as_array().into_iter().flatten() {
        println!("screenshots: wrote {}", file.as_str().unwrap_or_default());
    }
    Ok(())
}
