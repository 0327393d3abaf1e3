//! The audit trail against the real control plane, IdP and databases: intent and outcome rows
//! for every verb, the query API and its scopes, crash safety, pruning, tamper evidence,
//! PostgreSQL with two writers, and refusing actions the trail cannot record.

mod common;

use std::{path::Path, time::Duration};

use common::*;
use periscope_testkit::{Idp, IdpOptions, Server, TestCluster, TestNamespace, UserAgent, cluster, postgres};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn delete(server: &Server, cluster: &str, namespace: &str, pod: &str) -> (StatusCode, String, Value) {
    let response = server
        .http
        .delete(server.url(&format!("/api/clusters/{cluster}/resources/core/v1/pods/{namespace}/{pod}")))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let id = response.headers()["x-request-id"].to_str().expect("ascii").to_string();
    (status, id, response.json().await.unwrap_or(Value::Null))
}

async fn audit(server: &Server, query: &str) -> (StatusCode, Option<String>, Value) {
    let response = server.http.get(server.url(&format!("/api/audit?{query}"))).send().await.expect("request");
    let status = response.status();
    let scope = response.headers().get("x-audit-scope").map(|v| v.to_str().unwrap_or("").to_string());
    (status, scope, response.json().await.unwrap_or(Value::Null))
}

fn create_pod(cluster: &TestCluster, namespace: &str, name: &str) {
    cluster.kubectl(&["run", name, "-n", namespace, "--image=registry.invalid/none", "--restart=Never"]);
}

fn pod_exists(cluster: &TestCluster, namespace: &str, name: &str) -> bool {
    periscope_testkit::cluster::kubectl(
        &cluster.kubectl_binary(),
        &cluster.admin_kubeconfig(),
        &["get", "pod", name, "-n", namespace],
        None,
    )
    .is_ok()
}

fn verify(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(binary()).args(["audit", "verify"]).args(args).output().expect("run verify");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn sqlite_args(db: &Path) -> Vec<String> {
    vec!["--sqlite".into(), db.display().to_string()]
}

fn rows_for<'a>(body: &'a Value, request_id: &str) -> Vec<&'a Value> {
    body["items"].as_array().expect("items").iter().filter(|r| r["requestId"] == request_id).collect()
}

#[tokio::test]
async fn deletes_leave_intent_and_outcome_rows_and_denials_are_recorded_as_denied() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "audit");
    ns.grant("alice", "edit");
    create_pod(&alpha, &ns.name, "victim");
    let alice = dev_server(&alpha, "alice", &[], &[]);

    let (status, ok_id, body) = delete(&alice, "alpha", &ns.name, "victim").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, denied_id, body) = delete(&alice, "alpha", "team-b", "anything").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "real RBAC denies alice in team-b: {body}");

    let (status, scope, trail) = audit(&alice, "verb=delete").await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert_eq!(scope.as_deref(), Some("self"));
    for (id, outcome, namespace, name) in
        [(&ok_id, "success", ns.name.as_str(), "victim"), (&denied_id, "denied", "team-b", "anything")]
    {
        let rows = rows_for(&trail, id);
        assert_eq!(rows.len(), 2, "intent and outcome for {id}: {trail}");
        let intent = rows.iter().find(|r| r["phase"] == "intent").expect("intent row");
        let result = rows.iter().find(|r| r["phase"] == "outcome").expect("outcome row");
        assert_eq!(intent["outcome"], Value::Null);
        assert_eq!(result["outcome"], outcome);
        for row in [intent, result] {
            assert_eq!(row["actor"]["sub"], "alice");
            assert_eq!(row["verb"], "delete");
            assert_eq!(row["cluster"], "alpha");
            assert_eq!(
                row["resource"],
                json!({"version": "v1", "resource": "pods", "namespace": namespace, "name": name})
            );
            assert!(row["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{row}");
        }
        assert!(intent["id"].as_i64() < result["id"].as_i64(), "intent is written before the outcome");
    }
    let denied = rows_for(&trail, &denied_id).into_iter().find(|r| r["phase"] == "outcome").expect("row").clone();
    assert!(denied["reason"].as_str().unwrap_or_default().contains("forbidden"), "{denied}");
    assert!(
        !pod_exists(&alpha, &ns.name, "victim") || {
            // Deletion of a pending pod is immediate, but give the apiserver a moment.
            std::thread::sleep(Duration::from_secs(1));
            !pod_exists(&alpha, &ns.name, "victim")
        }
    );
    let (ok, report) = verify(&sqlite_args(&alice.audit_db()).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{report}");
}

#[tokio::test]
async fn sign_in_and_sign_out_are_audited() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let agent = UserAgent::new();
    let done = agent.sign_in(&server.base_url, "/", "dave").await;
    assert_eq!(done.status, StatusCode::FOUND);
    let failed = UserAgent::new().sign_in(&server.base_url, "/", "nogroups").await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    let trail: Value =
        serde_json::from_str(&agent.get(&server.url("/api/audit?verb=auth.login&limit=500")).await.body).expect("json");
    let items = trail["items"].as_array().expect("items");
    let outcomes: Vec<(&str, &str)> = items
        .iter()
        .filter(|r| r["phase"] == "outcome")
        .map(|r| (r["actor"]["sub"].as_str().unwrap_or(""), r["outcome"].as_str().unwrap_or("")))
        .collect();
    assert!(outcomes.contains(&("dave", "success")), "{trail}");
    assert!(outcomes.contains(&("anonymous", "failure")), "a refused login is recorded: {trail}");
    assert_eq!(items.iter().filter(|r| r["phase"] == "intent").count(), 2, "{trail}");
    let failure = items.iter().find(|r| r["outcome"] == "failure").expect("failure row");
    assert!(failure["reason"].as_str().unwrap_or_default().contains("groups"), "{failure}");

    let hop = agent.get(&server.url("/api/auth/logout")).await;
    assert_eq!(hop.status, StatusCode::FOUND);
    // A second admin session reads the logout rows.
    let admin = UserAgent::new();
    admin.sign_in(&server.base_url, "/", "dave").await;
    let trail: Value =
        serde_json::from_str(&admin.get(&server.url("/api/audit?verb=auth.logout")).await.body).expect("json");
    let rows = trail["items"].as_array().expect("items");
    assert_eq!(rows.len(), 2, "{trail}");
    assert!(
        rows.iter().all(|r| r["actor"]["sub"] == "dave" && r["extra"]["kind"] == "local" || r["phase"] == "outcome")
    );
    assert_eq!(rows.iter().find(|r| r["phase"] == "outcome").expect("outcome")["outcome"], "success");
}

#[tokio::test]
async fn query_filters_paging_time_ranges_and_scopes() {
    let alpha = cluster("alpha");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let env = [("PERISCOPE_AUDIT_DB_PATH", db.display().to_string())];
    let alice = dev_server(&alpha, "alice", &[], &env);
    let started = jiff::Timestamp::now();
    let mut ids = Vec::new();
    for i in 0..6 {
        // Alice may delete in team-a; these pods do not exist, so each is an audited failure.
        let (status, id, _) = delete(&alice, "alpha", "team-a", &format!("missing-{i}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        ids.push(id);
    }
    let bob = dev_server(&alpha, "bob", &[], &env);
    let (status, _, _) = delete(&bob, "alpha", "team-a", "not-his").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = dev_server(&alpha, "dave", &["sre"], &env);

    let (status, scope, all) = audit(&admin, "limit=500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scope.as_deref(), Some("all"));
    assert_eq!(all["total"], 14, "{all}");
    let (_, _, page1) = audit(&admin, "actor=alice&limit=5").await;
    let (_, _, page3) = audit(&admin, "actor=alice&limit=5&offset=10").await;
    assert_eq!(page1["total"], 12);
    assert_eq!(page1["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(page3["items"].as_array().map(Vec::len), Some(2));
    let newest = page1["items"][0]["requestId"].as_str().expect("id");
    assert_eq!(newest, ids[5], "newest first");
    let (_, _, intents) = audit(&admin, "actor=alice&phase=intent").await;
    assert_eq!(intents["total"], 6);
    let (_, _, failures) = audit(&admin, "outcome=failure").await;
    assert_eq!(failures["total"], 6);
    let (_, _, denied) = audit(&admin, "outcome=denied&cluster=alpha&namespace=team-a").await;
    assert_eq!(denied["total"], 1);
    assert_eq!(denied["items"][0]["actor"]["sub"], "bob");
    let (_, _, by_name) = audit(&admin, "name=missing-3").await;
    assert_eq!(by_name["total"], 2);
    let (_, _, by_request) = audit(&admin, &format!("requestId={}", ids[2])).await;
    assert_eq!(by_request["total"], 2);
    let (_, _, before) = audit(&admin, &format!("to={started}")).await;
    assert_eq!(before["total"], 0, "nothing before the test started");
    let (_, _, since) = audit(&admin, &format!("from={started}&to={}", jiff::Timestamp::now())).await;
    assert_eq!(since["total"], 14);

    // An ordinary user reads only their own rows, whatever they ask for.
    let (status, scope, mine) = audit(&alice, "actor=bob&limit=500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scope.as_deref(), Some("self"));
    assert_eq!(mine["total"], 12, "{mine}");
    assert!(mine["items"].as_array().expect("items").iter().all(|r| r["actor"]["sub"] == "alice"));

    for bad in ["outcome=maybe", "verb=drop_tables", "from=yesterday", "limit=0", "colour=red", "phase=during"] {
        let (status, _, body) = audit(&admin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["code"], "E_BAD_REQUEST");
    }
    let (_, _, clamped) = audit(&admin, "limit=100000").await;
    assert_eq!(clamped["limit"], 500);
}

#[tokio::test]
async fn kill_minus_nine_loses_no_acknowledged_outcome() {
    let alpha = cluster("alpha");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let env = [("PERISCOPE_AUDIT_DB_PATH", db.display().to_string())];
    let mut server = dev_server(&alpha, "alice", &[], &env);
    let base = server.base_url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..6 {
        let (base, stop) = (base.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let url = format!("{base}/api/clusters/alpha/resources/core/v1/pods/team-a/gone-{w}-{i}");
                match client.delete(url).send().await {
                    Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                        acknowledged.push(response.headers()["x-request-id"].to_str().expect("ascii").to_string());
                    }
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for w in workers {
        acknowledged.extend(w.await.expect("worker"));
    }
    assert!(acknowledged.len() > 20, "a real stream of actions ran: {}", acknowledged.len());

    let restarted = dev_server(&alpha, "alice", &[], &env);
    let (status, _, trail) = audit(&restarted, "phase=outcome&limit=500").await;
    assert_eq!(status, StatusCode::OK, "the database opens after the crash: {trail}");
    let mut missing = Vec::new();
    for id in &acknowledged {
        let (_, _, rows) = audit(&restarted, &format!("requestId={id}&phase=outcome")).await;
        if rows["total"] != 1 {
            missing.push(id.clone());
        }
    }
    assert!(missing.is_empty(), "{} acknowledged actions without an outcome row: {missing:?}", missing.len());
    drop(restarted);
    let (ok, report) = verify(&sqlite_args(&db).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "chains verify after kill -9: {report}");
}

#[tokio::test]
async fn retention_and_size_pruning_keep_the_chain_verifiable() {
    let alpha = cluster("alpha");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let env = [
        ("PERISCOPE_AUDIT_DB_PATH", db.display().to_string()),
        ("PERISCOPE_AUDIT_RETENTION", "2s".to_string()),
        ("PERISCOPE_AUDIT_VACUUM_INTERVAL", "500ms".to_string()),
    ];
    let server = dev_server(&alpha, "dave", &["sre"], &env);
    for i in 0..5 {
        delete(&server, "alpha", "team-a", &format!("old-{i}")).await;
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let (_, last_id, _) = delete(&server, "alpha", "team-a", "new").await;
    let (_, _, trail) = audit(&server, "limit=500").await;
    assert_eq!(trail["total"], 2, "only the new action's rows survive retention: {trail}");
    assert_eq!(trail["items"][0]["requestId"], last_id.as_str());
    drop(server);
    let (ok, report) = verify(&sqlite_args(&db).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "verify after age pruning: {report}");

    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let env = [
        ("PERISCOPE_AUDIT_DB_PATH", db.display().to_string()),
        ("PERISCOPE_AUDIT_MAX_SIZE_MB", "0.15".to_string()),
        ("PERISCOPE_AUDIT_VACUUM_INTERVAL", "300ms".to_string()),
    ];
    let server = dev_server(&alpha, "dave", &["sre"], &env);
    let mut last = String::new();
    for i in 0..150 {
        last = delete(&server, "alpha", "team-a", &format!("bulk-{i}-{}", "x".repeat(100))).await.1;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, _, trail) = audit(&server, "limit=1").await;
    let total = trail["total"].as_u64().expect("total");
    assert!(total > 0 && total < 300, "size pruning removed the oldest rows: {total} of 300 left");
    assert_eq!(trail["items"][0]["requestId"], last.as_str(), "the newest rows are kept");
    let size = std::fs::metadata(&db).expect("db").len();
    assert!(size <= 300 * 1024, "database file stays near its cap: {size} bytes");
    drop(server);
    let (ok, report) = verify(&sqlite_args(&db).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "verify after size pruning: {report}");
}

#[tokio::test]
async fn editing_a_row_by_hand_is_named_by_verify() {
    let alpha = cluster("alpha");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let server = dev_server(&alpha, "alice", &[], &[("PERISCOPE_AUDIT_DB_PATH", db.display().to_string())]);
    for i in 0..4 {
        delete(&server, "alpha", "team-a", &format!("t-{i}")).await;
    }
    drop(server);
    let (ok, report) = verify(&sqlite_args(&db).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{report}");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let id: i64 =
        conn.query_row("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 4", [], |r| r.get(0)).expect("row");
    conn.execute("UPDATE audit_events SET actor_sub = 'mallory' WHERE id = ?1", [id]).expect("tamper");
    drop(conn);
    let (ok, report) = verify(&sqlite_args(&db).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok, "tampering is detected: {report}");
    assert!(report.contains(&format!("breaks at row id {id} ")), "verify names the edited row {id}: {report}");
    assert!(report.contains("edited"), "{report}");
}

#[tokio::test]
async fn two_servers_write_one_postgres_trail_and_both_chains_verify() {
    let alpha = cluster("alpha");
    let dsn = postgres::fresh_database("audit");
    let env = [("PERISCOPE_AUDIT_SINKS", "stdout,postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", dsn.clone())];
    let a = dev_server(&alpha, "alice", &[], &env);
    let b = dev_server(&alpha, "dave", &["sre"], &env);
    let names: Vec<String> = (0..20).map(|i| format!("pg-{i}")).collect();
    let runs = names.iter().enumerate().map(|(i, name)| {
        let server = if i % 2 == 0 { &a } else { &b };
        delete(server, "alpha", "team-a", name)
    });
    for (status, _, body) in futures::future::join_all(runs).await {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (_, _, trail) = audit(&b, "limit=500").await;
    assert_eq!(trail["total"], 40, "{trail}");
    assert!(a.wait_for_log("\"category\":\"audit\""), "rows are mirrored to stdout");
    let (ok, report) = verify(&["--postgres", &dsn]);
    assert!(ok, "{report}");
    let out = std::process::Command::new(binary()).args(["audit", "verify", "--postgres", &dsn]).output().expect("run");
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("verify prints a JSON report on stdout");
    assert_eq!(parsed["chains"], 2, "one chain per writer: {report}");
    assert_eq!(parsed["rows"], 40);
}

#[tokio::test]
async fn with_the_trail_down_a_mutating_action_is_refused_and_nothing_changes() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "failclosed");
    ns.grant("alice", "edit");
    create_pod(&alpha, &ns.name, "keep-me");
    let pg = postgres::PrivatePostgres::start();
    let env = [("PERISCOPE_AUDIT_SINKS", "postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", pg.dsn.clone())];
    let server = dev_server(&alpha, "alice", &[], &env);
    pg.stop();
    let (status, _, body) = delete(&server, "alpha", &ns.name, "keep-me").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "E_AUDIT_UNAVAILABLE", "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("audit"), "{body}");
    assert!(pod_exists(&alpha, &ns.name, "keep-me"), "nothing was deleted");
}
