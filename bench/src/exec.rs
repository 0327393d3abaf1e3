//! Exec benchmarks against the real apiserver and kwok's ClusterExec (commands run on this
//! machine under a pty), through the server's WebSocket protocol as the web app speaks it:
//! keystroke echo round trip through a shell, output throughput of `cat` of a 50 MB file with
//! and without the session recording, and the server's memory for 50 idle sessions.

use std::{
    io::Write,
    path::Path,
    time::{Duration, Instant},
};

use periscope_testkit::{
    Server, ServerOptions, TestCluster, TestNamespace, cluster,
    exec::{Terminal, command_param, exec_url, running_pod},
};
use serde_json::{Value, json};

use crate::{percentile, rss_kib, summary};

const KEYS: usize = 1000;
const WARMUP_KEYS: usize = 50;
/// Keys typed before as many backspaces undo them (the line never wraps).
const RUN: usize = 20;
const FILE_BYTES: usize = 50_000_000;
const IDLE_SESSIONS: usize = 50;
const WAIT: Duration = Duration::from_secs(30);
/// kwok does not stop a command when its exec stream ends: every session here ends with
/// `exit`, and `TMOUT` ends any shell a failed run leaves behind.
const BASH: &[&str] = &["env", "TMOUT=300", "bash", "--norc", "--noprofile", "-i"];

/// A dev-mode server (cluster admin) on `cluster`, access logs off, with extra environment.
fn exec_server(binary: &Path, cluster: &TestCluster, env: &[(&str, &str)]) -> Server {
    let clusters_yaml = format!(
        "clusters:\n  - name: {}\n    backend: kubeconfig\n    kubeconfigPath: {}\n",
        cluster.name,
        cluster.bridge_kubeconfig().display()
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

/// Opens `argv` in container `shell` of `ns/box` (`tty`), waiting for `hello`.
async fn open(server: &Server, cluster: &str, ns: &str, argv: &[&str], tty: bool) -> anyhow::Result<Terminal> {
    let query = format!("container=shell&tty={tty}&command={}", command_param(argv));
    let url = exec_url(&server.base_url, cluster, ns, "box", &query);
    let mut term = Terminal::open(&url, &server.base_url, &[])
        .await
        .map_err(|(status, body)| anyhow::anyhow!("exec refused: {status} {body}"))?;
    anyhow::ensure!(term.hello(WAIT).await, "no hello frame: {:?}", term.controls);
    Ok(term)
}

/// Waits for bash's prompt (`$ ` or `# ` at the end of the output).
async fn prompt(term: &mut Terminal) -> anyhow::Result<()> {
    let ready = term.until(WAIT, |t| t.output.ends_with(b"$ ") || t.output.ends_with(b"# ")).await;
    anyhow::ensure!(ready, "no prompt: {}", term.text());
    Ok(())
}

/// One key at a time into bash's line editor: ms from sending the key to its echo arriving
/// (`x` echoes `x`; backspace echoes a sequence with `\b`).
async fn keystroke_echo(binary: &Path, cluster: &TestCluster, ns: &str) -> anyhow::Result<Value> {
    let server = exec_server(binary, cluster, &[]);
    let mut term = open(&server, &cluster.name, ns, BASH, true).await?;
    prompt(&mut term).await?;
    let mut samples = Vec::with_capacity(KEYS);
    for i in 0..WARMUP_KEYS + KEYS {
        let (key, echo) = if (i / RUN).is_multiple_of(2) { (b'x', b'x') } else { (0x7f, 0x08) };
        let before = term.output.len();
        let started = Instant::now();
        term.send_bytes(&[key]).await;
        let echoed = term.until(WAIT, |t| t.output[before..].contains(&echo)).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(
            echoed,
            "key {i} ({key:#x}) was not echoed: {:?}",
            String::from_utf8_lossy(&term.output[before..])
        );
        if i >= WARMUP_KEYS {
            samples.push(ms);
        }
    }
    term.send("\x15exit\n").await;
    anyhow::ensure!(term.closed(WAIT).await.is_some_and(|c| c["reason"] == "completed"), "the shell exits");
    samples.sort_by(f64::total_cmp);
    println!(
        "exec: keystroke echo p50 {:.2} ms p99 {:.2} ms over {KEYS} keys",
        percentile(&samples, 50.0),
        percentile(&samples, 99.0)
    );
    Ok(json!({"keys": KEYS, "warmup_keys": WARMUP_KEYS, "echo": summary(&samples)}))
}

/// A file of `FILE_BYTES` printable lines (99 characters and a newline each).
fn big_file(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("cat-me.txt");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let filler = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(3);
    for line in 0..FILE_BYTES / 100 {
        writeln!(out, "{line:09} {}", &filler[..89])?;
    }
    out.flush()?;
    Ok(path)
}

/// `cat` of the big file in a tty session: bytes received from the upgrade to the `closed`
/// frame. `recording`: recordings beside the SQLite audit database (the default), else an
/// audit trail without SQLite and no recordings directory, so nothing is recorded.
async fn throughput(
    binary: &Path,
    cluster: &TestCluster,
    ns: &str,
    file: &Path,
    recording: bool,
) -> anyhow::Result<Value> {
    let env: &[(&str, &str)] = if recording { &[] } else { &[("PERISCOPE_AUDIT_SINKS", "stdout")] };
    let server = exec_server(binary, cluster, env);
    let path = file.display().to_string();
    let query = format!("container=shell&command={}", command_param(&["cat", &path]));
    let url = exec_url(&server.base_url, &cluster.name, ns, "box", &query);
    let requested = Instant::now();
    let mut term = Terminal::open(&url, &server.base_url, &[])
        .await
        .map_err(|(status, body)| anyhow::anyhow!("exec refused: {status} {body}"))?;
    let upgraded = Instant::now();
    let closed = term.closed(Duration::from_secs(600)).await.ok_or_else(|| anyhow::anyhow!("no closed frame"))?;
    let seconds = upgraded.elapsed().as_secs_f64();
    anyhow::ensure!(closed["reason"] == "completed", "cat ended {closed}");
    let bytes = term.output.len();
    let mb_per_s = bytes as f64 / 1e6 / seconds;
    let (status, recordings) = server.get_json("/api/exec/recordings").await;
    let recorded = recordings["items"].as_array().and_then(|items| items.first()).cloned().unwrap_or(Value::Null);
    if recording {
        anyhow::ensure!(recorded["bytes"].as_u64() == Some(bytes as u64), "recorded {recorded} of {bytes} bytes");
    } else {
        anyhow::ensure!(status == 404, "recordings are off: {status} {recordings}");
    }
    println!("exec: cat {bytes} bytes in {seconds:.2} s = {mb_per_s:.1} MB/s (recording {recording})");
    Ok(json!({
        "recording": recording,
        "bytes_received": bytes,
        "open_ms": (upgraded - requested).as_secs_f64() * 1000.0,
        "seconds": seconds,
        "mb_per_second": mb_per_s,
        "recorded": recorded,
    }))
}

/// Server RSS before and with `IDLE_SESSIONS` bash sessions open and idle (each read by a
/// task of its own, so pings are answered as a browser would).
async fn idle_sessions(binary: &Path, cluster: &TestCluster, ns: &str) -> anyhow::Result<Value> {
    let caps = [("PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", "0"), ("PERISCOPE_EXEC_MAX_SESSIONS_TOTAL", "0")];
    let server = exec_server(binary, cluster, &caps);
    // One session first, so what every session shares (the client, TLS, the runtime's
    // threads) is not counted as growth.
    let mut warm = open(&server, &cluster.name, ns, BASH, true).await?;
    prompt(&mut warm).await?;
    warm.send("exit\n").await;
    anyhow::ensure!(warm.closed(WAIT).await.is_some(), "the warm-up session ends");
    // The session leaves the list once its process is torn down, shortly after `closed`.
    let deadline = Instant::now() + WAIT;
    while server.get_json("/api/exec/sessions").await.1["items"].as_array().is_none_or(|i| !i.is_empty()) {
        anyhow::ensure!(Instant::now() < deadline, "the warm-up session stays in the list");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_before = rss_kib(server.pid());
    let started = Instant::now();
    let mut held = Vec::with_capacity(IDLE_SESSIONS);
    let done = std::sync::Arc::new(tokio::sync::Notify::new());
    for _ in 0..IDLE_SESSIONS {
        let mut term = open(&server, &cluster.name, ns, BASH, true).await?;
        prompt(&mut term).await?;
        let done = done.clone();
        held.push(tokio::spawn(async move {
            // Reading answers the server's pings, as a browser tab would.
            tokio::select! {
                _ = term.until(Duration::from_secs(3600), |t| t.control_of("closed").is_some()) => {}
                _ = done.notified() => {}
            }
            term.send("exit\n").await;
            term.closed(WAIT).await.is_some()
        }));
    }
    let opened_in = started.elapsed().as_secs_f64();
    let (_, sessions) = server.get_json("/api/exec/sessions").await;
    let open_now = sessions["items"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(open_now == IDLE_SESSIONS, "{open_now} sessions open: {sessions}");
    // Idle for a while (pings go back and forth), sampling the resident set.
    let mut rss_max = 0;
    for _ in 0..10 {
        rss_max = rss_max.max(rss_kib(server.pid()));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let rss_with = rss_kib(server.pid());
    done.notify_waiters();
    for task in held {
        anyhow::ensure!(task.await?, "an idle session did not exit");
    }
    let growth_mib = (rss_max.saturating_sub(rss_before)) as f64 / 1024.0;
    println!("exec: {IDLE_SESSIONS} idle sessions: RSS {rss_before} KiB -> {rss_max} KiB (+{growth_mib:.1} MiB)");
    Ok(json!({
        "sessions": IDLE_SESSIONS,
        "opened_in_seconds": opened_in,
        "rss_before_kib": rss_before,
        "rss_max_kib": rss_max,
        "rss_end_kib": rss_with,
        "growth_mib": growth_mib,
        "per_session_kib": (rss_max.saturating_sub(rss_before)) as f64 / IDLE_SESSIONS as f64,
    }))
}

/// Runs the exec benchmarks and writes bench/results/exec.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "bench-exec");
    running_pod(&alpha, &ns, "box");
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let echo = keystroke_echo(binary, &alpha, &ns.name).await?;
    let scratch = tempfile::tempdir()?;
    let file = big_file(scratch.path())?;
    let recorded = throughput(binary, &alpha, &ns.name, &file, true).await?;
    let unrecorded = throughput(binary, &alpha, &ns.name, &file, false).await?;
    let idle = idle_sessions(binary, &alpha, &ns.name).await?;
    let rate = |v: &Value| v["mb_per_second"].as_f64().unwrap_or(0.0);
    let overhead = 1.0 - rate(&recorded) / rate(&unrecorded).max(f64::MIN_POSITIVE);
    let p99 = echo["echo"]["p99_ms"].as_f64().unwrap_or(f64::MAX);
    let report = json!({
        "benchmark": "exec",
        "what": "the server's exec WebSocket (the web app's protocol) to kwok's ClusterExec on this machine (a pty), loopback, dev-mode cluster admin, release build",
        "targets": {"keystroke_echo_p99_ms": 20.0, "cat_mb_per_second_recording_on": 20.0, "idle_50_sessions_rss_growth_mib": 100.0},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "loadavg_before": load_before.trim(),
        "loadavg_after": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "keystroke_echo": echo,
        "cat_50mb": {
            "file_bytes": FILE_BYTES,
            "tty": true,
            "recording_on": recorded,
            "recording_off": unrecorded,
            "recording_overhead_fraction": overhead,
        },
        "idle_sessions": idle,
        "verdict": {
            "keystroke_echo_p99": p99 <= 20.0,
            "cat_recording_on": rate(&recorded) >= 20.0,
            "idle_rss_growth": idle["growth_mib"].as_f64().unwrap_or(f64::MAX) <= 100.0,
        },
    });
    std::fs::write(dir.join("exec.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/exec.json");
    Ok(())
}
