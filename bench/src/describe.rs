//! The describe view on the `bench` cluster: a pod with 10 containers (each with ports, a probe,
//! resources, env from a ConfigMap and a Secret, and mounts), opened in Chromium by a
//! client-side navigation from the pods list, fresh page each round (the app's JavaScript
//! cached, its query cache empty, the server warm): ms to the frame that shows its containers.

use std::{fmt::Write as _, path::Path};

use periscope_testkit::{cluster, podlogs::kwok_placement};
use serde_json::json;

use crate::lists::bench_server_with;

const NAMESPACE: &str = "bench-describe";
const CONTAINERS: usize = 10;

/// The pod and what its containers read.
fn manifest() -> String {
    let mut containers = String::new();
    for i in 0..CONTAINERS {
        let _ = write!(
            containers,
            "    - name: c{i}\n      image: registry.example/app-{i}:1\n      ports: [{{containerPort: {port}, name: p{i}}}]\n      \
             readinessProbe: {{httpGet: {{path: /ready, port: {port}}}}}\n      \
             resources: {{requests: {{cpu: 50m, memory: 64Mi}}, limits: {{memory: 128Mi}}}}\n      \
             env:\n        - {{name: MODE, valueFrom: {{configMapKeyRef: {{name: settings, key: mode}}}}}}\n        \
             - {{name: TOKEN, valueFrom: {{secretKeyRef: {{name: creds, key: token}}}}}}\n        - {{name: INDEX, value: \"{i}\"}}\n      \
             volumeMounts: [{{name: cfg, mountPath: /etc/c{i}}}]\n",
            port = 8000 + i
        );
    }
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NAMESPACE}}}\n---\napiVersion: v1\nkind: ConfigMap\n\
         metadata: {{name: settings, namespace: {NAMESPACE}}}\ndata: {{mode: fast}}\n---\napiVersion: v1\nkind: Secret\n\
         metadata: {{name: creds, namespace: {NAMESPACE}}}\nstringData: {{token: bench}}\n---\napiVersion: v1\nkind: Pod\n\
         metadata: {{name: ten, namespace: {NAMESPACE}}}\nspec:\n{placement}  containers:\n{containers}  volumes: [{{name: cfg, configMap: {{name: settings}}}}]\n",
        placement = kwok_placement(2)
    )
}

/// Runs the describe benchmark and writes bench/results/describe.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    bench.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest()));
    bench.kubectl(&["-n", NAMESPACE, "wait", "--timeout=120s", "--for=condition=Ready", "pod/ten"]);
    let server = bench_server_with(binary, &bench, &[]);
    let path = format!("/clusters/bench/r/core/v1/pods/{NAMESPACE}/ten");
    let paths = serde_json::to_string(&[&path])?;
    let open = crate::web::node(
        "describe.mjs",
        ["--base", &server.url(""), "--scenario", "bench", "--paths", &paths, "--rounds", "30"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
    .await?;
    println!("describe: a {CONTAINERS}-container pod, list → describe shown {}", open["open"]);
    let result = json!({
        "benchmark": "describe",
        "what": format!("ms in the page from a client-side navigation (pods list → the pod's page, a fresh page each round: app JavaScript cached, query cache empty, server warm) to the frame showing the describe view of a pod with {CONTAINERS} containers"),
        "target_ms": 300,
        "open": open["open"],
    });
    std::fs::write(dir.join("describe.json"), serde_json::to_string_pretty(&result)?)?;
    Ok(())
}
