//! `PERISCOPE_BENCH=editor`: the YAML editor in Debian's Chromium (`testenv/browser/editor-bench.mjs`,
//! playwright-core) against the `bench` cluster (`PERISCOPE_BENCH_EDITOR_CLUSTER` names another
//! test cluster, e.g. `alpha`, to skip bringing `bench` up). Two ConfigMaps in namespace
//! `bench-editor`:
//!
//! - `big`: 200 KB of data (40 config files of 5 KB): from the click on "Edit YAML" to the editor
//!   interactive (text in, schema attached, one validation pass: target ≤ 1,000 ms), cold (fresh
//!   browser profile) and warm (opened again in the same tab);
//! - `long`: 5,000 keys, one a line: typing in the middle, keystroke to frame (target p99 ≤ 16 ms);
//!   the same typing in `tiny` (two keys) is this machine's floor for that number.
//!
//! Also: the JavaScript the page loads before the click, gzipped (the editor is not in it:
//! target ≤ 300 KB), and what the first click loads.

use std::{path::Path, process::Command};

use periscope_testkit::{TestCluster, cluster, repo_root};
use serde_json::{Value, json};

use crate::lists;

const NAMESPACE: &str = "bench-editor";
const TARGET_INTERACTIVE_MS: f64 = 1000.0;
const TARGET_KEY_P99_MS: f64 = 16.0;
const TARGET_INITIAL_JS_BYTES: f64 = 300.0 * 1024.0;

/// One 5 KB config file (80 lines of 64 characters).
fn config_file(k: usize) -> String {
    (0..80).map(|i| format!("    setting.{k:02}.{i:03} = value-{:0>40}\n", k * 1000 + i)).collect()
}

/// The two ConfigMaps, made afresh (a create: `apply` would add a copy as an annotation).
fn set_up(cluster: &TestCluster) -> anyhow::Result<()> {
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        periscope_testkit::cluster::kubectl(&cluster.kubectl_binary(), &cluster.admin_kubeconfig(), args, stdin)
            .map_err(|e| anyhow::anyhow!("kubectl {args:?}: {e}"))
    };
    let _ = kubectl(&["create", "namespace", NAMESPACE], None);
    kubectl(&["-n", NAMESPACE, "delete", "configmap", "big", "long", "tiny", "--ignore-not-found"], None)?;
    let big: String = (0..40).map(|k| format!("  file-{k:02}.conf: |\n{}", config_file(k))).collect();
    let long: String = (0..5000).map(|k| format!("  key-{k:04}: value-{k:04}-of-a-long-configuration\n")).collect();
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big, namespace: {NAMESPACE}}}\ndata:\n{big}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: long, namespace: {NAMESPACE}}}\ndata:\n{long}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: tiny, namespace: {NAMESPACE}}}\ndata: {{a: \"1\", b: \"2\"}}\n"
    );
    kubectl(&["create", "-f", "-"], Some(&manifest))?;
    Ok(())
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Runs the editor benchmark and writes bench/results/editor.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let name = std::env::var("PERISCOPE_BENCH_EDITOR_CLUSTER").unwrap_or_else(|_| "bench".into());
    let target = cluster(&name);
    let setup = target.clone();
    tokio::task::spawn_blocking(move || set_up(&setup)).await??;
    let bytes = target.kubectl(&["-n", NAMESPACE, "get", "configmap", "big", "-o", "yaml"]).len();
    // The server calls every cluster `bench` (lists::bench_server).
    let server = lists::bench_server(binary, &target);
    let base = server.base_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(repo_root().join("testenv/browser/editor-bench.mjs"))
            .args(["--base", &base])
            .args(["--path", &format!("/clusters/bench/r/core/v1/configmaps/{NAMESPACE}/big")])
            .args(["--typing-path", &format!("/clusters/bench/r/core/v1/configmaps/{NAMESPACE}/long")])
            .args(["--floor-path", &format!("/clusters/bench/r/core/v1/configmaps/{NAMESPACE}/tiny")])
            .stderr(std::process::Stdio::inherit())
            .output()
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    let result: Value = serde_json::from_str(line)
        .map_err(|e| anyhow::anyhow!("editor-bench.mjs said {stdout:?} ({e}); run `make testdeps`?"))?;
    anyhow::ensure!(out.status.success() && result.get("error").is_none(), "editor-bench.mjs failed: {result}");

    let interactive = &result["interactive"];
    let typing = &result["typing"];
    let cold_max = num(&interactive["cold"]["max_ms"]);
    let warm_max = num(&interactive["warm"]["max_ms"]);
    let key_p99 = num(&typing["keystroke_to_frame"]["p99_ms"]);
    let initial = num(&interactive["initial_js"]["gzip_bytes"]);
    let verdict = json!({
        "interactive_cold_max_ms": cold_max,
        "interactive_warm_max_ms": warm_max,
        "interactive_met": cold_max <= TARGET_INTERACTIVE_MS && warm_max <= TARGET_INTERACTIVE_MS,
        "keystroke_to_frame_p99_ms": key_p99,
        "typing_met": key_p99 <= TARGET_KEY_P99_MS,
        "render_in_frame_p99_ms": typing["render_in_frame"]["p99_ms"],
        "floor_two_key_object_keystroke_to_frame_p99_ms": result["typing_floor"]["keystroke_to_frame"]["p99_ms"],
        "initial_js_gzip_bytes": initial,
        "initial_js_met": initial <= TARGET_INITIAL_JS_BYTES && interactive["initial_js"]["editor_chunk_in_it"] == false,
    });
    println!("editor: {verdict}");
    let report = json!({
        "benchmark": "editor",
        "what": format!("the YAML editor in headless Chromium through the HTTP server (dev mode, admin tier, cluster {name}), viewport 1280x800: click on Edit YAML to interactive (text in, schema attached, validated once) for a {bytes}-byte ConfigMap, cold (fresh profile) and warm (again in the same tab); then typing in the middle of a 5,000-key ConfigMap, keydown to the frame that shows the key (and the same in a two-key ConfigMap: the floor)"),
        "targets": {"interactive_ms": TARGET_INTERACTIVE_MS, "keystroke_to_frame_p99_ms": TARGET_KEY_P99_MS, "initial_js_gzip_bytes": TARGET_INITIAL_JS_BYTES},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "browser": result["browser"],
        "verdict": verdict,
        "object_yaml_bytes": bytes,
        "interactive": interactive,
        "typing": typing,
        "typing_floor_two_key_object": result["typing_floor"],
    });
    std::fs::write(dir.join("editor.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/editor.json");
    Ok(())
}
