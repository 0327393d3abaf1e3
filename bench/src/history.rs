//! Object history on the `bench` cluster: a Deployment whose trail holds 1,000 recorded
//! changes and 100 console rows, among 99,000 changes and 50,000 audit rows of other objects.
//! Measured: the first read on a fresh server (one user, cold caches), one user reading all
//! 1,000 warm, then 20 users at once each loading 10 times, for the tab's first page (200
//! items) and for all 1,000; and the History tab itself in Chromium, click to rows painted.

use std::{path::Path, sync::Arc, time::Instant};

use k8s_openapi::api::{apps::v1::Deployment, core::v1::Namespace};
use kube::{
    Api,
    api::{Patch, PatchParams},
};
use periscope::audit::{
    Outcome, ResourceRef,
    changes::{ObjectChange, ObjectKey},
    event::{Actor, EventBody, GENESIS, Phase, link},
    sqlite::SqliteStore,
    store::AuditStore,
};
use periscope_testkit::{Server, cluster};
use serde_json::{Value, json};

use crate::{admin_client, lists::bench_server_with, percentile, summary};

const NAMESPACE: &str = "bench-history";
const CHANGES: usize = 1_000;
const OTHER_OBJECTS: usize = 990;
const CHANGES_PER_OTHER: usize = 100;
const CONSOLE_ROWS: usize = 100;
const OTHER_AUDIT_ROWS: usize = 50_000;
const USERS: usize = 20;
const LOADS: usize = 10;

fn now_nanos() -> i64 {
    i64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(i64::MAX)
}

/// The Deployment whose history is read; its uid.
async fn deployment(client: &kube::Client) -> anyhow::Result<String> {
    let params = PatchParams::apply("bench").force();
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}});
    Api::<Namespace>::all(client.clone()).patch(NAMESPACE, &params, &Patch::Apply(&ns)).await?;
    let doc = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "registry.example/web:1"}]}}},
    });
    let created =
        Api::<Deployment>::namespaced(client.clone(), NAMESPACE).patch("web", &params, &Patch::Apply(&doc)).await?;
    created.metadata.uid.ok_or_else(|| anyhow::anyhow!("the Deployment has no uid"))
}

fn change(name: &str, uid: &str, i: usize, ts: i64) -> ObjectChange {
    let managers = ["argocd-controller", "kube-controller-manager", "kubectl-edit", "helm", "gitops-sim"];
    let manager = managers[i % managers.len()];
    let status = manager == "kube-controller-manager";
    ObjectChange {
        ts_unix_nano: ts,
        object: ObjectKey {
            cluster: "bench".into(),
            group: "apps".into(),
            resource: "deployments".into(),
            namespace: NAMESPACE.into(),
            name: name.into(),
        },
        uid: uid.into(),
        resource_version: format!("{}", 1_000_000 + i),
        action: "updated".into(),
        manager: Some(manager.into()),
        operation: Some(if manager == "gitops-sim" { "Apply" } else { "Update" }.into()),
        subresource: status.then(|| "status".into()),
        paths: if status {
            vec![
                "status.readyReplicas".into(),
                "status.availableReplicas".into(),
                "status.conditions[0].lastUpdateTime".into(),
            ]
        } else {
            vec![format!("spec.template.spec.containers[name=app].image"), format!("metadata.labels.rev-{}", i % 7)]
        },
        truncated: 0,
    }
}

fn audit_row(name: &str, i: usize, ts: i64) -> EventBody {
    EventBody {
        ts_unix_nano: ts,
        request_id: format!("bench-{name}-{i}"),
        route: None,
        phase: Phase::Outcome,
        verb: "scale".into(),
        outcome: Some(Outcome::Success),
        actor: Actor {
            sub: format!("user-{}", i % 30),
            email: Some(format!("user-{}@example.test", i % 30)),
            groups: vec![],
        },
        cluster: Some("bench".into()),
        resource: ResourceRef {
            group: Some("apps".into()),
            version: Some("v1".into()),
            resource: Some("deployments".into()),
            namespace: Some(NAMESPACE.into()),
            name: Some(name.into()),
        },
        reason: None,
        extra: Some(
            json!({"diff": {"changes": [{"path": "spec.replicas", "kind": "modify", "before": i % 5, "after": i % 5 + 1}], "truncated": 0}}),
        ),
    }
}

/// Seeds the trail: the object's changes and console rows among many others', over a week.
async fn seed(db: &Path, uid: &str) -> anyhow::Result<()> {
    let store = SqliteStore::open(db).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = now_nanos();
    let week = 7 * 86_400 * 1_000_000_000i64;
    let mut changes: Vec<ObjectChange> =
        (0..CHANGES).map(|i| change("web", uid, i, now - week + week / CHANGES as i64 * i as i64)).collect();
    for o in 0..OTHER_OBJECTS {
        let name = format!("other-{o}");
        let uid = format!("uid-{o}");
        changes.extend(
            (0..CHANGES_PER_OTHER)
                .map(|i| change(&name, &uid, i, now - week + week / CHANGES_PER_OTHER as i64 * i as i64)),
        );
    }
    for batch in changes.chunks(5_000) {
        store.record_changes(batch).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let mut bodies: Vec<EventBody> =
        (0..CONSOLE_ROWS).map(|i| audit_row("web", i, now - week + week / CONSOLE_ROWS as i64 * i as i64)).collect();
    bodies.extend((0..OTHER_AUDIT_ROWS).map(|i| {
        audit_row(&format!("other-{}", i % OTHER_OBJECTS), i, now - week + week / OTHER_AUDIT_ROWS as i64 * i as i64)
    }));
    bodies.sort_by_key(|b| b.ts_unix_nano);
    let (rows, _) = link("bench-history", (0, GENESIS.to_string()), bodies);
    for batch in rows.chunks(5_000) {
        store.append(batch).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

async fn load(http: &reqwest::Client, url: &str, expect: usize) -> anyhow::Result<f64> {
    let t = Instant::now();
    let response = http.get(url).send().await?;
    anyhow::ensure!(response.status().is_success(), "{url}: {}", response.status());
    let body: Value = response.json().await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let items = body["items"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(items >= expect, "{url}: {items} items, expected at least {expect}");
    Ok(ms)
}

/// 20 users at once, each loading `url` 10 times on its own connection.
async fn burst(url: &str, expect: usize) -> anyhow::Result<Vec<f64>> {
    let url: Arc<str> = Arc::from(url);
    let tasks: Vec<_> = (0..USERS)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut times = Vec::new();
                for _ in 0..LOADS {
                    times.push(load(&http, &url, expect).await?);
                }
                anyhow::Ok(times)
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort_by(f64::total_cmp);
    Ok(all)
}

/// Runs the history benchmark and writes bench/results/history.json.
pub async fn run(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let bench = cluster("bench");
    let admin = admin_client(&bench).await?;
    let uid = deployment(&admin).await?;
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("history.db");
    let t0 = Instant::now();
    seed(&db, &uid).await?;
    let filled_s = t0.elapsed().as_secs_f64();
    println!(
        "history: seeded {} changes and {} audit rows in {filled_s:.1} s",
        CHANGES + OTHER_OBJECTS * CHANGES_PER_OTHER,
        CONSOLE_ROWS + OTHER_AUDIT_ROWS
    );
    let env = [("PERISCOPE_AUDIT_DB_PATH", db.to_str().unwrap_or_default())];
    let server: Server = bench_server_with(binary, &bench, &env);
    let path = format!("/api/clusters/bench/resources/apps/v1/deployments/{NAMESPACE}/web/history");
    let first_page = server.url(&format!("{path}?limit=200"));
    let everything = server.url(&format!("{path}?limit=1000"));
    let http = reqwest::Client::new();
    let cold = load(&http, &first_page, 200).await?;
    let mut one_user = Vec::new();
    for _ in 0..50 {
        one_user.push(load(&http, &everything, 1000).await?);
    }
    one_user.sort_by(f64::total_cmp);
    let page = burst(&first_page, 200).await?;
    let all = burst(&everything, 1000).await?;
    println!(
        "history: one user, all 1,000, warm: p50 {:.1} / p95 {:.1} ms",
        percentile(&one_user, 50.0),
        percentile(&one_user, 95.0)
    );
    println!(
        "history: cold first page {cold:.1} ms; {USERS} users × {LOADS}: first page p50 {:.1} / p95 {:.1} ms, all 1,000 p50 {:.1} / p95 {:.1} ms",
        percentile(&page, 50.0),
        percentile(&page, 95.0),
        percentile(&all, 50.0),
        percentile(&all, 95.0)
    );
    // The History tab in Chromium on the same trail: click to 200 rows painted, fresh tabs.
    let page_path = format!("/clusters/bench/r/apps/v1/deployments/{NAMESPACE}/web");
    let tab = crate::web::node(
        "history.mjs",
        ["--base", &server.url(""), "--scenario", "bench", "--path", &page_path, "--rounds", "20", "--rows", "200"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
    .await?;
    println!("history: tab click to rows painted {}", tab["tabToRows"]);
    let result = json!({
        "benchmark": "history",
        "what": "GET {deployment}/history on a trail holding 1,000 changes and 100 console rows of the object among 99,000 changes and 50,000 audit rows of 990 others (SQLite), plus the object's live Events; a fresh server",
        "seed_seconds": filled_s,
        "cold_first_page_ms": cold,
        "users": USERS,
        "loads_per_user": LOADS,
        "one_user_warm_all_1000": {"p95_ms": percentile(&one_user, 95.0), "summary": summary(&one_user)},
        "tab_in_chromium": {"what": "ms in the page from clicking History on the Deployment's page (fresh tab each round) to the frame that paints its first 200 entries", "click_to_rows": tab["tabToRows"]},
        "first_page_200": {"p95_ms": percentile(&page, 95.0), "summary": summary(&page)},
        "all_1000": {"p95_ms": percentile(&all, 95.0), "summary": summary(&all)},
    });
    std::fs::write(dir.join("history.json"), serde_json::to_string_pretty(&result)?)?;
    Ok(())
}
