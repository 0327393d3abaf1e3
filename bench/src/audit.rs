//! audit-throughput and audit-query: the audit trail on SQLite.
//!
//! Throughput drives `Audit::begin`/`finish` (an intent and an outcome row per action) from
//! many concurrent tasks, exactly as handlers do, and records the latency each action spends
//! in the audit calls. The query benchmark fills a database with 1,000,000 rows and times
//! `GET /api/audit` with typical filters through a running server.

use std::{path::Path, sync::Arc, time::Instant};

use periscope::audit::{
    Audit, AuditConfig, AuditContext, Outcome, ResourceRef, Verb,
    event::{Actor, EventBody, GENESIS, Phase, link},
    sqlite::SqliteStore,
    store::{AuditStore, Filter},
};
use periscope_testkit::{Server, ServerOptions};
use serde_json::{Value, json};

use crate::{percentile, summary};

const ACTIONS: usize = 40_000;
/// The sustained rate at which the added latency is measured.
const PACED_RATE: usize = 5_000;
const PACED_SECONDS: usize = 20;

fn sqlite_config(path: std::path::PathBuf) -> AuditConfig {
    AuditConfig {
        stdout: false,
        sqlite_path: Some(path),
        postgres_dsn: None,
        retention: None,
        max_bytes: None,
        prune_interval: std::time::Duration::from_secs(3600),
        fail_open: false,
        queue_size: 8192,
    }
}

/// One audited action as a handler performs it; returns the milliseconds spent in the audit.
async fn audited_action(audit: &Audit, task: usize, i: usize) -> Result<f64, periscope::error::ApiError> {
    let ctx = AuditContext {
        request_id: format!("bench-{task}-{i}"),
        route: Some("/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}".into()),
        actor: Actor { sub: format!("user-{}", task % 16), email: None, groups: vec!["devs".into()] },
    };
    let resource = ResourceRef {
        group: None,
        version: Some("v1".into()),
        resource: Some("pods".into()),
        namespace: Some(format!("ns-{}", i % 20)),
        name: Some(format!("pod-{task}-{i}")),
    };
    let t0 = Instant::now();
    let action = audit.begin(ctx, Verb::Delete, Some("alpha"), resource, None).await?;
    audit.finish(&action, Outcome::Success, None, None).await?;
    Ok(t0.elapsed().as_secs_f64() * 1000.0)
}

/// The latency the audit adds to each action at a steady 5,000 actions/s (open loop).
pub async fn paced_latency(dir: &Path) -> anyhow::Result<Value> {
    let audit = Audit::start(sqlite_config(dir.join("paced.db"))).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(1));
    let per_tick = PACED_RATE / 1000;
    let mut running = tokio::task::JoinSet::new();
    let started = Instant::now();
    for ms in 0..PACED_SECONDS * 1000 {
        tick.tick().await;
        for k in 0..per_tick {
            let audit = audit.clone();
            running.spawn(async move { audited_action(&audit, k, ms).await });
        }
    }
    let mut latencies = Vec::new();
    while let Some(done) = running.join_next().await {
        latencies.push(done?.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "audit-latency at {PACED_RATE}/s: {} actions, achieved {rate:.0}/s; audit latency per action p50 {:.3} ms p99 {:.3} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
    Ok(
        json!({"target_rate": PACED_RATE, "achieved_rate": rate, "actions": latencies.len(), "audit_latency_per_action": summary(&latencies)}),
    )
}
const CONCURRENCY: usize = 64;

/// Sustained audited actions per second and the latency the audit adds to each.
pub async fn throughput(dir: &Path) -> anyhow::Result<Value> {
    let audit = Audit::start(sqlite_config(dir.join("throughput.db"))).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let per_task = ACTIONS / CONCURRENCY;
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|t| {
            let audit: Arc<Audit> = audit.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_task);
                for i in 0..per_task {
                    latencies.push(audited_action(&audit, t, i).await?);
                }
                Ok::<_, periscope::error::ApiError>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(ACTIONS);
    for task in tasks {
        latencies.extend(task.await?.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    // Rows count as written once they are queryable: a query waits for SQLite to hold every
    // acknowledged row, so the rate below includes ingestion, not just the journal.
    let store = audit.query_store().ok_or_else(|| anyhow::anyhow!("no queryable store"))?;
    let (_, total) =
        store.query(&Filter { limit: 1, ..Filter::default() }).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(total as usize >= (ACTIONS * 2).min(10_000), "every row is queryable after the run: {total}");
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let rate = latencies.len() as f64 / elapsed;
    println!(
        "audit-throughput: {} actions ({} rows) in {elapsed:.2} s = {rate:.0} actions/s; audit latency per action p50 {:.3} ms p99 {:.3} ms",
        latencies.len(),
        latencies.len() * 2,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
    Ok(json!({
        "actions": latencies.len(),
        "rows": latencies.len() * 2,
        "concurrency": CONCURRENCY,
        "seconds": elapsed,
        "actions_per_second": rate,
        "audit_latency_per_action": summary(&latencies),
    }))
}

const ROWS: usize = 1_000_000;
const BATCH: usize = 10_000;

/// Fills `path` with a million varied rows on one valid chain.
async fn fill(path: &Path) -> anyhow::Result<()> {
    let store = SqliteStore::open(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as i64;
    let span = 30 * 86_400 * 1_000_000_000i64;
    let mut chain = (0, GENESIS.to_string());
    let verbs = ["delete", "auth.login", "auth.logout"];
    let outcomes = [Outcome::Success, Outcome::Success, Outcome::Success, Outcome::Failure, Outcome::Denied];
    for start in (0..ROWS).step_by(BATCH) {
        let bodies = (start..start + BATCH).map(|i| {
            let action = i / 2;
            EventBody {
                ts_unix_nano: now - span + (span / ROWS as i64) * i as i64,
                request_id: format!("req-{action}"),
                route: None,
                phase: if i % 2 == 0 { Phase::Intent } else { Phase::Outcome },
                verb: verbs[action % 7 % 3].into(),
                outcome: (i % 2 == 1).then(|| outcomes[action % 5]),
                actor: Actor { sub: format!("user-{}", action % 50), email: None, groups: vec![] },
                cluster: Some(format!("cluster-{}", action % 3)),
                resource: ResourceRef {
                    group: None,
                    version: Some("v1".into()),
                    resource: Some("pods".into()),
                    namespace: Some(format!("ns-{}", action % 20)),
                    name: Some(format!("pod-{action}")),
                },
                reason: None,
                extra: None,
            }
        });
        let (rows, at) = link("bench", chain, bodies);
        chain = at;
        store.append(&rows).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// `GET /api/audit` latency over a million rows.
pub async fn query(binary: &Path, dir: &Path) -> anyhow::Result<Value> {
    let db = dir.join("million.db");
    let t0 = Instant::now();
    fill(&db).await?;
    println!("audit-query: filled {ROWS} rows in {:.1} s", t0.elapsed().as_secs_f64());
    let server = Server::start(
        binary,
        ServerOptions {
            clusters_yaml: Some("clusters: []\n".into()),
            auth_yaml: Some(
                "dev: {subject: auditor, groups: [sre]}\nauthorization:\n  mode: tier\n  groupTiers: {sre: admin}\n"
                    .into(),
            ),
            env: vec![
                ("PERISCOPE_LOG".into(), "warn,periscope::cli=info".into()),
                ("PERISCOPE_AUDIT_DB_PATH".into(), db.display().to_string()),
                ("PERISCOPE_AUDIT_RETENTION_DAYS".into(), "0".into()),
                ("PERISCOPE_AUDIT_MAX_SIZE_MB".into(), "0".into()),
            ],
            port: None,
        },
    );
    let day_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let queries = [
        "limit=50".to_string(),
        "actor=user-7&limit=50".to_string(),
        "verb=delete&outcome=denied&limit=50".to_string(),
        "cluster=cluster-1&namespace=ns-3&limit=50".to_string(),
        format!("from={day_ago}&limit=50"),
        "actor=user-7&verb=delete&offset=100&limit=50".to_string(),
        "requestId=req-123456".to_string(),
        "outcome=failure&cluster=cluster-2&limit=50".to_string(),
    ];
    let client = reqwest::Client::new();
    let mut all = Vec::new();
    let mut per_query = Vec::new();
    for q in &queries {
        let mut times = Vec::new();
        for round in 0..25 {
            let t = Instant::now();
            let response = client.get(server.url(&format!("/api/audit?{q}"))).send().await?;
            anyhow::ensure!(response.status().is_success(), "{q}: {}", response.status());
            let body: Value = response.json().await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round > 0 {
                times.push(ms);
            }
            if round == 0 {
                anyhow::ensure!(body["total"].as_u64().is_some(), "{q}: {body}");
            }
        }
        times.sort_by(f64::total_cmp);
        println!("audit-query: {q}: p50 {:.2} ms p95 {:.2} ms", percentile(&times, 50.0), percentile(&times, 95.0));
        per_query.push(json!({"query": q, "p50_ms": percentile(&times, 50.0), "p95_ms": percentile(&times, 95.0)}));
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!("audit-query: all queries p95 {:.2} ms", percentile(&all, 95.0));
    // The audit page on the same million rows, in Chromium: first paint in fresh tabs, then
    // filter changes on one tab (the default range, the last 24 hours).
    let page = crate::web::node(
        "audit.mjs",
        vec!["--base".into(), server.url(""), "--scenario".into(), "bench".into(), "--rounds".into(), "20".into()],
    )
    .await?;
    anyhow::ensure!(page.get("error").is_none(), "audit page bench: {page}");
    println!("audit-page: first paint {} · filter change {}", page["firstPaint"], page["filterChange"]);
    Ok(json!({
        "rows": ROWS,
        "all_queries": summary(&all),
        "queries": per_query,
        "page": {"what": "the /audit page in Chromium as an audit admin: ms from navigation to its first row in a fresh tab; ms from picking a verb to every row shown being of that verb", "first_paint": page["firstPaint"], "filter_change": page["filterChange"]},
    }))
}
