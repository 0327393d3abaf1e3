//! `PERISCOPE_BENCH=startup`: how long a release server takes from `exec` to its first 200 on
//! `/healthz` and on `/readyz`, with one cluster (test cluster `alpha`, through its bridge
//! kubeconfig) and a fresh SQLite audit journal each start — for the static musl build the
//! image ships (`target/dist/periscope`, from `make release`) and, unless `PERISCOPE_BIN` is
//! that same file, for the glibc build `make bench` runs. Also writes release.json: the sizes of
//! the release binaries and of the images `make image` wrote to target/image/ (compressed, as a
//! registry stores them and a node pulls them).

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use periscope_testkit::{cluster, free_port};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::summary;

const STARTS: usize = 20;
const DEADLINE: Duration = Duration::from_secs(30);
const DIST: &str = "target/dist";
const IMAGES: &str = "target/image";

pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let alpha = cluster("alpha");
    let clusters_yaml = format!(
        "clusters:\n  - name: alpha\n    backend: kubeconfig\n    kubeconfigPath: {}\n",
        alpha.bridge_kubeconfig().display()
    );
    let musl = Path::new(DIST).join("periscope");
    anyhow::ensure!(musl.is_file(), "run `make image` first: {} is missing", musl.display());
    // `PERISCOPE_BIN=target/dist/periscope` measures the shipped build alone.
    let mut candidates = vec![("musl-static", musl.as_path())];
    if std::fs::canonicalize(binary)? != std::fs::canonicalize(&musl)? {
        candidates.insert(0, ("glibc", binary));
    }
    let mut builds = Vec::new();
    for (build, path) in candidates {
        let mut healthz = Vec::with_capacity(STARTS);
        let mut readyz = Vec::with_capacity(STARTS);
        for _ in 0..STARTS {
            let (h, r) = start_once(path, &clusters_yaml).await?;
            healthz.push(h);
            readyz.push(r);
        }
        healthz.sort_by(f64::total_cmp);
        readyz.sort_by(f64::total_cmp);
        println!(
            "startup[{build}]: first 200 from /healthz p50 {:.1} ms max {:.1} ms; /readyz p50 {:.1} ms max {:.1} ms",
            crate::percentile(&healthz, 50.0),
            healthz[STARTS - 1],
            crate::percentile(&readyz, 50.0),
            readyz[STARTS - 1],
        );
        builds.push(json!({
            "build": build,
            "binary": path.display().to_string(),
            "bytes": std::fs::metadata(path)?.len(),
            "healthz": summary(&healthz),
            "readyz": summary(&readyz),
        }));
    }
    let report = json!({
        "benchmark": "startup",
        "what": "ms from spawning `periscope serve` (one kubeconfig cluster, dev auth, stdout+SQLite audit in a fresh directory) to the first 200 from GET /healthz and from GET /readyz, polled every millisecond on loopback; each start a new process",
        "starts": STARTS,
        "targets": {"readyz_ms": 200},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "loadavg_before": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "results": builds,
    });
    std::fs::write(dir.join("startup.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/startup.json");
    std::fs::write(dir.join("release.json"), serde_json::to_string_pretty(&release_sizes()?)? + "\n")?;
    println!("wrote bench/results/release.json");
    Ok(())
}

/// One start: (ms to the first /healthz 200, ms to the first /readyz 200).
async fn start_once(binary: &Path, clusters_yaml: &str) -> anyhow::Result<(f64, f64)> {
    let data = tempfile::tempdir()?;
    let clusters = data.path().join("clusters.yaml");
    std::fs::write(&clusters, clusters_yaml)?;
    let port = free_port();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--clusters-file")
        .arg(&clusters)
        .env_remove("PERISCOPE_AUTH_FILE")
        .env_remove("PERISCOPE_AUTH_MODE")
        .env("PERISCOPE_AUDIT_DB_PATH", data.path().join("audit.db"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let (mut healthz, mut readyz) = (None, None);
    let outcome = loop {
        if healthz.is_none() && status(port, "/healthz").await == Some(200) {
            healthz = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        if readyz.is_none() && status(port, "/readyz").await == Some(200) {
            readyz = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        if let (Some(h), Some(r)) = (healthz, readyz) {
            break Ok((h, r));
        }
        if let Some(exit) = child.try_wait()? {
            break Err(anyhow::anyhow!("{} exited during start-up: {exit}", binary.display()));
        }
        if started.elapsed() > DEADLINE {
            break Err(anyhow::anyhow!(
                "{}: no 200 within {DEADLINE:?} (healthz {healthz:?}, readyz {readyz:?})",
                binary.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

/// The status of `GET path` on loopback `port`, or `None` while nothing answers. A connection
/// of its own each time, HTTP/1.0, so nothing is pooled between polls.
async fn status(port: u16, path: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).await.ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Sizes of the release binaries and the images, with the version and commit they carry.
fn release_sizes() -> anyhow::Result<Value> {
    let stamp = std::fs::read_to_string(Path::new(DIST).join("stamp"))?;
    let stamped =
        |key: &str| stamp.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).unwrap_or("unknown").to_string();
    let mut binaries = serde_json::Map::new();
    for name in ["periscope", "periscope-agent"] {
        binaries.insert(name.into(), json!({"bytes": std::fs::metadata(Path::new(DIST).join(name))?.len()}));
    }
    let mut images = serde_json::Map::new();
    for name in ["periscope", "periscope-agent"] {
        images.insert(name.into(), image_sizes(&Path::new(IMAGES).join(name))?);
    }
    Ok(json!({
        "what": "make release: stripped static binaries (x86_64-unknown-linux-musl) in target/dist; make image: OCI images in target/image, compressed = the gzip layers + config + manifest a registry stores and a node pulls",
        "version": stamped("VERSION"),
        "commit": stamped("COMMIT"),
        "binaries": binaries,
        "images": images,
    }))
}

/// One OCI layout's manifest digest and sizes.
fn image_sizes(layout: &Path) -> anyhow::Result<Value> {
    let read = |digest: &str| -> anyhow::Result<Value> {
        let hex = digest.strip_prefix("sha256:").ok_or_else(|| anyhow::anyhow!("digest {digest}"))?;
        read_json(&layout.join("blobs/sha256").join(hex))
    };
    let index = read_json(&layout.join("index.json"))?;
    let descriptor = &index["manifests"][0];
    let manifest_digest = descriptor["digest"].as_str().unwrap_or_default();
    let manifest = read(manifest_digest)?;
    let layers: u64 = manifest["layers"].as_array().into_iter().flatten().filter_map(|l| l["size"].as_u64()).sum();
    let config = manifest["config"]["size"].as_u64().unwrap_or(0);
    let manifest_bytes = descriptor["size"].as_u64().unwrap_or(0);
    let uncompressed = std::fs::metadata(layout.with_extension("tar")).map(|m| m.len()).ok();
    Ok(json!({
        "manifest_digest": manifest_digest,
        "compressed_bytes": layers + config + manifest_bytes,
        "compressed_layer_bytes": layers,
        "docker_archive_bytes": uncompressed,
    }))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e} (run `make image`)", path.display()))?;
    Ok(serde_json::from_slice(&bytes)?)
}
