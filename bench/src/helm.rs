//! Helm release reads on the `bench` cluster: the list of 500 releases (3 revisions each) in 50
//! namespaces, cold (a new server) and warm, and the structured diff of two revisions of a 1 MB
//! manifest. Releases are written as Helm's ConfigMap driver stores them (base64 of gzip of
//! Helm's JSON), so no chart is rendered.

use std::{io::Write, path::Path, time::Instant};

use base64::{Engine, engine::general_purpose::STANDARD};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::{Api, api::PostParams};
use periscope_testkit::{Server, cluster};
use serde_json::{Value, json};

use crate::{admin_client, lists::bench_server, percentile, summary};

const NAMESPACES: usize = 50;
const RELEASES_PER_NAMESPACE: usize = 10;
const REVISIONS: i64 = 3;
const WARM_SAMPLES: usize = 100;
const DIFF_SAMPLES: usize = 20;
const DIFF_NAMESPACE: &str = "bench-helm-diff";

/// A manifest of `objects` ConfigMaps, each with `value` in its data.
fn manifest(objects: usize, value: &str) -> String {
    (0..objects)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: obj-{i:04}\n  labels: {{app: bench, index: \"{i}\"}}\ndata:\n  value: \"{value}-{i}\"\n  padding: \"{}\"\n",
                "x".repeat(1800)
            )
        })
        .collect()
}

/// The storage ConfigMap of one revision.
fn stored(namespace: &str, name: &str, revision: i64, manifest: &str, values: Value) -> anyhow::Result<ConfigMap> {
    let release = json!({
        "name": name, "namespace": namespace, "version": revision,
        "info": {"status": if revision == REVISIONS { "deployed" } else { "superseded" }, "description": "bench",
                 "last_deployed": format!("2026-11-30T00:00:{revision:02}Z")},
        "chart": {"metadata": {"name": "bench", "version": "1.0.0", "appVersion": "1"}, "values": {"replicas": 1}},
        "config": values, "manifest": manifest,
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(release.to_string().as_bytes())?;
    let data = STANDARD.encode(gz.finish()?);
    Ok(serde_json::from_value(json!({
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v{revision}"), "namespace": namespace,
                     "labels": {"owner": "helm", "name": name, "version": revision.to_string(), "status": "deployed"}},
        "data": {"release": data},
    }))?)
}

/// Creates `namespace` and the storage objects in it unless they are there already.
async fn seed(client: &kube::Client, namespace: &str, objects: Vec<ConfigMap>) -> anyhow::Result<()> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if namespaces.get_opt(namespace).await?.is_none() {
        namespaces
            .create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": namespace}}))?)
            .await?;
    }
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    futures::stream::iter(objects)
        .map(|map| {
            let maps = maps.clone();
            async move {
                let name = map.metadata.name.clone().unwrap_or_default();
                if maps.get_opt(&name).await?.is_none() {
                    maps.create(&PostParams::default(), &map).await?;
                }
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

async fn timed_get(server: &Server, path: &str) -> anyhow::Result<(f64, Value)> {
    let started = Instant::now();
    let response = server.http.get(server.url(path)).send().await?;
    anyhow::ensure!(response.status().is_success(), "{path}: {}", response.status());
    let body: Value = response.json().await?;
    Ok((started.elapsed().as_secs_f64() * 1000.0, body))
}

/// `PERISCOPE_BENCH=helm`.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let client = admin_client(&bench).await?;
    let small = manifest(2, "v");
    for n in 0..NAMESPACES {
        let namespace = format!("bench-helm-{n:02}");
        let mut objects = Vec::new();
        for r in 0..RELEASES_PER_NAMESPACE {
            for revision in 1..=REVISIONS {
                objects.push(stored(
                    &namespace,
                    &format!("rel-{r:02}"),
                    revision,
                    &small,
                    json!({"revision": revision}),
                )?);
            }
        }
        seed(&client, &namespace, objects).await?;
    }
    let big_from = manifest(500, "one");
    let mut big_to = manifest(450, "one");
    big_to.push_str(&manifest(50, "two").replace("obj-00", "new-00"));
    println!("helm bench: manifests of {} and {} bytes", big_from.len(), big_to.len());
    let diff_objects = vec![
        stored(DIFF_NAMESPACE, "big", 1, &big_from, json!({"message": "one"}))?,
        stored(DIFF_NAMESPACE, "big", 2, &big_to, json!({"message": "two"}))?,
    ];
    seed(&client, DIFF_NAMESPACE, diff_objects).await?;

    let server = bench_server(binary, &bench);
    let list_path = "/api/clusters/bench/helm/releases";
    let (cold_ms, first) = timed_get(&server, list_path).await?;
    let releases = first["releases"].as_array().map(Vec::len).unwrap_or(0);
    let mut warm = Vec::with_capacity(WARM_SAMPLES);
    for _ in 0..WARM_SAMPLES {
        warm.push(timed_get(&server, list_path).await?.0);
    }
    warm.sort_by(f64::total_cmp);
    let diff_path = format!("/api/clusters/bench/helm/releases/{DIFF_NAMESPACE}/big/diff?from=1&to=2");
    let mut diffs = Vec::with_capacity(DIFF_SAMPLES);
    let mut changed = 0;
    for _ in 0..DIFF_SAMPLES {
        let (ms, body) = timed_get(&server, &diff_path).await?;
        changed = body["objects"].as_array().map(Vec::len).unwrap_or(0);
        diffs.push(ms);
    }
    diffs.sort_by(f64::total_cmp);
    let report = json!({
        "benchmark": "helm",
        "what": "GET /api/clusters/bench/helm/releases with 500 releases x 3 revisions in 50 namespaces (ConfigMap driver, the admin-tier user, cluster-wide list): cold = the first request of a new server, warm = 100 sequential ones; GET …/diff of two revisions of a ~1 MB manifest (500 objects, 100 added/removed), 20 sequential",
        "targets": {"list_warm_p95_ms": 200.0, "diff_1mb_ms": 100.0},
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "list": {"releases": releases, "cold_ms": cold_ms, "warm": summary(&warm), "warm_p95_ms": percentile(&warm, 95.0)},
        "diff_1mb": {"manifest_bytes": big_from.len(), "objects_changed": changed, "timing": summary(&diffs), "p95_ms": percentile(&diffs, 95.0)},
    });
    std::fs::write(dir.join("helm.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    println!("wrote bench/results/helm.json");
    Ok(())
}
