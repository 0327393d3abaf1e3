//! `PERISCOPE_BENCH=logs-web`: the log viewer in Debian's Chromium (`testenv/browser/logs-bench.mjs`,
//! playwright-core) against the `bench` cluster. One kwok pod whose own log (a kwok `Logs`
//! object over a CRI file this bench writes) holds 50,000 lines:
//!
//! - load: the full-page viewer with `tail=50000`, until all 50,000 lines are in it;
//! - follow: then 1,000 lines/s appended to the file (kwok streams them through the apiserver
//!   and the server to the viewer, which follows): requestAnimationFrame deltas and long
//!   animation frames (target: no frame over 50 ms);
//! - find over the 50,000 lines held, while lines keep coming: the search itself (the app's
//!   `log-find` measure; target ≤ 100 ms) and from Enter to the painted count.

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use periscope_testkit::{TestCluster, cluster, repo_root};
use serde_json::{Value, json};

use crate::{lists, rss_kib, watch::loadavg};

const NAMESPACE: &str = "bench-logs-web";
const POD: &str = "logs-bench";
const LINES: usize = 50_000;
const APPEND_PER_SECOND: u64 = 1_000;
const FOLLOW_SECONDS: u64 = 20;
const TARGET_FRAME_MS: f64 = 50.0;
const TARGET_FIND_MS: f64 = 100.0;
/// Finds: a line that occurs once, a word in every line, one in every 7th, and nothing.
const FINDS: &str = "line 12345 ,GET,warn,zzz-no-such-text";

/// One line of the bench log: plain, ANSI-coloured, JSON and logfmt lines mixed like a real one.
fn text(i: usize) -> String {
    match i % 7 {
        0 => format!("level=warn msg=\"slow query\" line {i} duration={}ms", i % 900),
        1 => format!("\x1b[32mINFO\x1b[0m line {i} GET /api/v1/items/{} \x1b[1m200\x1b[0m in {}ms", i % 977, i % 91),
        2 => format!(
            r#"{{"level":"info","msg":"served","line":"line {i} ","path":"/api/v1/items/{}","status":200}}"#,
            i % 977
        ),
        _ => {
            format!("line {i} GET /api/v1/items/{} status=200 duration={}ms bytes={}", i % 977, i % 91, i * 13 % 65536)
        }
    }
}

fn cri_line(at: jiff::Timestamp, text: &str) -> String {
    format!("{at} stdout F {text}\n")
}

/// Writes the 50,000-line history (the last 100 seconds) and gives the pod its own log.
fn set_up(bench: &TestCluster, file: &Path) -> anyhow::Result<()> {
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        periscope_testkit::cluster::kubectl(&bench.kubectl_binary(), &bench.admin_kubeconfig(), args, stdin)
            .map_err(|e| anyhow::anyhow!("kubectl {args:?}: {e}"))
    };
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(100);
    let history: String =
        (0..LINES).map(|i| cri_line(start + jiff::SignedDuration::from_micros(2000 * i as i64), &text(i))).collect();
    std::fs::write(file, history)?;
    let _ = kubectl(&["create", "namespace", NAMESPACE], None);
    let _ = kubectl(&["delete", "pod", POD, "-n", NAMESPACE, "--wait=true"], None);
    let manifest = format!(
        "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Logs\nmetadata: {{name: {POD}, namespace: {NAMESPACE}}}\nspec:\n  logs:\n  - containers: [app]\n    logsFile: {}\n    follow: true\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {POD}, namespace: {NAMESPACE}}}\nspec:\n  nodeSelector: {{type: kwok}}\n  tolerations: [{{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}}]\n  containers: [{{name: app, image: \"img-app\"}}]\n",
        file.display()
    );
    kubectl(&["apply", "-f", "-"], Some(&manifest))?;
    let last = text(LINES - 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = kubectl(&["logs", "-n", NAMESPACE, POD, "--tail=1"], None).unwrap_or_default();
        if seen.trim_end() == last {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "kwok never served the bench pod's own log; it said {seen:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Appends APPEND_PER_SECOND lines a second to `file` (in batches every 50 ms) until `stop`.
fn append(file: &Path, stop: &AtomicBool, written: &AtomicU64) -> anyhow::Result<()> {
    let mut out = std::fs::OpenOptions::new().append(true).open(file)?;
    let started = Instant::now();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let due = started.elapsed().as_millis() as u64 * APPEND_PER_SECOND / 1000;
        // Each line its own time, as a runtime stamps them (a microsecond apart within a batch).
        let now = jiff::Timestamp::now();
        let batch: String = (n..due)
            .map(|i| {
                let at = now + jiff::SignedDuration::from_micros((i - n) as i64);
                cri_line(at, &format!("appended {i} {}", text(LINES + i as usize)))
            })
            .collect();
        out.write_all(batch.as_bytes())?;
        written.store(due, Ordering::Relaxed);
        n = due;
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Runs logs-bench.mjs: it loads the page, says `ready`; the appender starts, then the driver measures.
fn drive(base: &str, file: &Path) -> anyhow::Result<(Value, u64)> {
    let path = format!("/clusters/bench/r/core/v1/pods/{NAMESPACE}/{POD}/logs?tail={LINES}");
    let mut child = Command::new("node")
        .arg(repo_root().join("testenv/browser/logs-bench.mjs"))
        .args(["--base", base, "--path", &path, "--lines", &LINES.to_string()])
        .args(["--follow-seconds", &FOLLOW_SECONDS.to_string(), "--finds", FINDS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let mut appender = None;
    let mut last = String::new();
    let mut line = String::new();
    while stdout.read_line(&mut line)? > 0 {
        if line.contains("\"ready\"") && appender.is_none() {
            let (file, stop, written) = (file.to_path_buf(), stop.clone(), written.clone());
            appender = Some(std::thread::spawn(move || append(&file, &stop, &written)));
            let mut stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("no stdin"))?;
            stdin.write_all(b"go\n")?;
        } else if line.trim_start().starts_with('{') {
            last = line.clone();
        }
        line.clear();
    }
    let status = child.wait()?;
    stop.store(true, Ordering::Relaxed);
    if let Some(handle) = appender {
        handle.join().map_err(|_| anyhow::anyhow!("the appender panicked"))??;
    }
    let value: Value = serde_json::from_str(&last)
        .map_err(|e| anyhow::anyhow!("logs-bench.mjs said {last:?} ({e}); run `make testdeps`?"))?;
    anyhow::ensure!(status.success() && value.get("error").is_none(), "logs-bench.mjs failed: {value}");
    Ok((value, written.load(Ordering::Relaxed)))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Runs the log viewer benchmark and writes bench/results/logs-web.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let files = tempfile::tempdir()?;
    let file = files.path().join("logs-bench.log");
    let setup = bench.clone();
    let log_file = file.clone();
    tokio::task::spawn_blocking(move || set_up(&setup, &log_file)).await??;
    let server = lists::bench_server(binary, &bench);
    let rss_before = rss_kib(server.pid());
    let base = server.base_url.clone();
    let driven = file.clone();
    // Frame times depend on what else runs on the machine's cores: the load is part of the result.
    let load_before = loadavg();
    let (mut result, appended) = tokio::task::spawn_blocking(move || drive(&base, &driven)).await??;
    let rss_after = rss_kib(server.pid());

    let follow = result["follow"].take();
    let find = result["find"].take();
    let longest_frame = num(&follow["frame_ms"]["max_ms"]).max(num(&follow["long_animation_frames"]["max_ms"]));
    let finds: Vec<&Value> = find.as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let search_max = finds.iter().map(|f| num(&f["search_ms"])).fold(f64::NAN, f64::max);
    let enter_max = finds.iter().map(|f| num(&f["enter_to_frame_ms"])).fold(f64::NAN, f64::max);
    let verdict = json!({
        "longest_frame_while_following_ms": longest_frame,
        "frames_over_50ms": follow["frames_over_50ms"],
        "follow_met": longest_frame <= TARGET_FRAME_MS && follow["still_following"] == true,
        "lines_per_second_shown": follow["lines_per_second"],
        "find_search_max_ms": search_max,
        "find_enter_to_painted_count_max_ms": enter_max,
        "find_met": search_max <= TARGET_FIND_MS && num(&result["lines_held_at_find"]) >= LINES as f64,
        "load_ms": result["load"]["ms"],
        "history_dropped_by_server": result["load"]["dropped_by_server"],
        "lines_held_at_find": result["lines_held_at_find"],
    });
    println!("logs-web: {verdict}");
    let report = json!({
        "benchmark": "logs-web",
        "what": format!("the full-page log viewer of one kwok pod in headless Chromium through the HTTP server (dev mode, admin tier), viewport 1280x800: {LINES} lines of history (tail={LINES}), then {APPEND_PER_SECOND} lines/s appended to the pod's log file for {FOLLOW_SECONDS} s while following, then finds over the {LINES} lines held"),
        "targets": {"longest_frame_while_following_ms": TARGET_FRAME_MS, "find_over_50k_lines_ms": TARGET_FIND_MS},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "browser": result["browser"],
        "verdict": verdict,
        "load": result["load"],
        "follow": follow,
        "find": find,
        "lines_appended": appended,
        "server_rss_growth_kib": rss_after.saturating_sub(rss_before),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    });
    std::fs::write(dir.join("logs-web.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/logs-web.json");
    Ok(())
}
