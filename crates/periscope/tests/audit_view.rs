//! The routes behind the audit page, against a real server and a real SQLite trail seeded with
//! thousands of chained rows: the export matches the API row for row and is itself audited,
//! the timeline counts what the filter matches, the chain status names an edited row, and a
//! non-admin reads only their own rows everywhere.

mod common;

use std::path::Path;

use common::*;
use periscope::audit::{
    Outcome, ResourceRef,
    event::{Actor, EventBody, GENESIS, Phase, link},
    sqlite::SqliteStore,
};
use periscope_testkit::{Server, cluster};
use reqwest::StatusCode;
use serde_json::Value;

const SCALES: usize = 10_000;
const DELETES: usize = 2_000;
const STEP_NANOS: i64 = 500_000_000;

/// One seeded row: `i` is its position, oldest first, half a second apart.
fn body(i: usize, start: i64, verb: &str, actor: &str) -> EventBody {
    let outcome = match i % 10 {
        0 => Outcome::Denied,
        7 => Outcome::Failure,
        _ => Outcome::Success,
    };
    EventBody {
        ts_unix_nano: start + i as i64 * STEP_NANOS,
        request_id: format!("seed-{i}"),
        route: None,
        phase: Phase::Outcome,
        verb: verb.into(),
        outcome: Some(outcome),
        actor: Actor { sub: actor.into(), email: None, groups: vec![] },
        cluster: Some("alpha".into()),
        resource: ResourceRef {
            group: Some("apps".into()),
            version: Some("v1".into()),
            resource: Some("deployments".into()),
            namespace: Some("t-audit-view".into()),
            name: Some(format!("web-{}", i % 37)),
        },
        reason: (outcome != Outcome::Success).then(|| format!("seeded, with a comma, and \"quotes\" {i}")),
        extra: Some(serde_json::json!({ "replicas": i % 5 })),
    }
}

/// Seeds `db` with [`SCALES`] `scale` rows by alice and [`DELETES`] `delete` rows by bob,
/// interleaved, on one valid chain; returns the seeded bodies.
async fn seed(db: &Path) -> Vec<EventBody> {
    let store = SqliteStore::open(db).expect("open the trail");
    let start = i64::try_from(jiff::Timestamp::now().as_nanosecond()).expect("now") - 3 * 3600 * 1_000_000_000;
    let bodies: Vec<EventBody> = (0..SCALES + DELETES)
        .map(|i| if i % 6 == 5 { body(i, start, "delete", "bob") } else { body(i, start, "scale", "alice") })
        .collect();
    let (rows, _) = link("seed", (0, GENESIS.to_string()), bodies.clone());
    for batch in rows.chunks(2_000) {
        periscope::audit::store::AuditStore::append(&store, batch).await.expect("append");
    }
    bodies
}

async fn get(server: &Server, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = server.http.get(server.url(path)).send().await.expect("request");
    (response.status(), response.headers().clone(), response.text().await.expect("body"))
}

async fn get_json(server: &Server, path: &str) -> (StatusCode, Value) {
    let (status, _, text) = get(server, path).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Every id the paged API answers for `filter`, newest first.
async fn api_ids(server: &Server, filter: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let (status, page) = get_json(server, &format!("/api/audit?{filter}&limit=500&offset={}", ids.len())).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items").clone();
        ids.extend(items.iter().map(|r| r["id"].as_i64().expect("id")));
        if items.len() < 500 {
            return ids;
        }
    }
}

fn server_on(db: &Path, subject: &str, groups: &[&str]) -> Server {
    dev_server(&cluster("alpha"), subject, groups, &[("PERISCOPE_AUDIT_DB_PATH", db.display().to_string())])
}

/// The `audit_export` outcome rows of this trail.
async fn export_rows(server: &Server) -> Vec<Value> {
    let (_, trail) = get_json(server, "/api/audit?verb=audit_export&phase=outcome&limit=50").await;
    trail["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_export_matches_the_api_row_for_row_in_both_formats_and_is_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    seed(&db).await;
    let carol = server_on(&db, "carol", &["sre"]);

    let expected = api_ids(&carol, "verb=scale").await;
    assert_eq!(expected.len(), SCALES, "the API pages through every seeded scale row");

    let (status, headers, text) = get(&carol, "/api/audit/export?verb=scale").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "application/x-ndjson");
    assert!(headers["content-disposition"].to_str().expect("ascii").contains(".jsonl\""), "{headers:?}");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("one JSON row per line")).collect();
    let exported: Vec<i64> = lines.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    assert_eq!(exported, expected, "the export holds the API's rows in the API's order");
    let (_, first) =
        get_json(&carol, &format!("/api/audit?requestId={}", lines[0]["requestId"].as_str().expect("id"))).await;
    assert_eq!(first["items"][0], lines[0], "an exported row is the API's item");

    let (status, headers, csv) = get(&carol, "/api/audit/export?verb=scale&format=csv").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let mut rows = csv.lines();
    assert!(rows.next().expect("header").starts_with("id,timestamp,requestId,phase,verb,outcome,actor.sub"));
    let csv_ids: Vec<i64> =
        rows.map(|line| line.split(',').next().expect("id cell").parse().expect("numeric id")).collect();
    assert_eq!(csv_ids, expected, "one CSV line per row, reasons with commas and quotes quoted");

    let audited = export_rows(&carol).await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(
        audited
            .iter()
            .all(|r| r["extra"]["rows"] == SCALES && r["extra"]["capped"] == false && r["outcome"] == "success")
    );
    let (_, intents) = get_json(&carol, "/api/audit?verb=audit_export&phase=intent").await;
    let formats: Vec<&str> =
        intents["items"].as_array().expect("items").iter().filter_map(|r| r["extra"]["format"].as_str()).collect();
    assert_eq!(formats, ["csv", "jsonl"]);
    assert_eq!(intents["items"][0]["extra"]["filters"], serde_json::json!({"verb": "scale"}));
    drop(carol);

    // A non-admin exports only their own rows, whatever actor they ask for.
    let bob = server_on(&db, "bob", &[]);
    let (status, headers, text) = get(&bob, "/api/audit/export?actor=alice&verb=delete").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["x-audit-scope"], "self");
    let actors: Vec<Value> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).expect("row")["actor"]["sub"].clone()).collect();
    assert_eq!(actors.len(), DELETES);
    assert!(actors.iter().all(|a| a == "bob"), "only bob's rows");
}

#[tokio::test]
async fn the_timeline_counts_what_the_filter_matches_with_denials_and_failures() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let bodies = seed(&db).await;
    let carol = server_on(&db, "carol", &["sre"]);
    let time = |nanos: i64| jiff::Timestamp::from_nanosecond(i128::from(nanos)).expect("time").to_string();
    let (from, to) = (bodies[0].ts_unix_nano, bodies[bodies.len() - 1].ts_unix_nano + 1);
    let (status, timeline) =
        get_json(&carol, &format!("/api/audit/timeline?verb=scale&from={}&to={}&buckets=4", time(from), time(to)))
            .await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    let buckets = timeline["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 4);
    let width = (to - from + 3) / 4;
    for (index, bucket) in buckets.iter().enumerate() {
        let inside: Vec<&EventBody> =
            bodies.iter().filter(|b| b.verb == "scale" && (b.ts_unix_nano - from) / width == index as i64).collect();
        let count = |o: Outcome| inside.iter().filter(|b| b.outcome == Some(o)).count();
        assert_eq!(bucket["total"], inside.len(), "bucket {index}: {bucket}");
        assert_eq!(bucket["denied"], count(Outcome::Denied), "bucket {index}: {bucket}");
        assert_eq!(bucket["failed"], count(Outcome::Failure), "bucket {index}: {bucket}");
        assert_eq!(bucket["start"], time(from + index as i64 * width));
    }
    let total: u64 = buckets.iter().map(|b| b["total"].as_u64().expect("n")).sum();
    assert_eq!(total as usize, SCALES);

    // The default range is the last day, in 60 stretches.
    let (status, day) = get_json(&carol, "/api/audit/timeline").await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert_eq!(day["buckets"].as_array().expect("buckets").len(), 60);
    assert_eq!(day["bucketSeconds"], 1440.0);

    for (query, message) in [
        ("buckets=0", "buckets must be between 1 and 500"),
        ("buckets=501", "buckets must be between 1 and 500"),
        ("limit=5", "limit is a parameter of /api/audit"),
        ("format=csv", "format is a parameter of /api/audit/export"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from must be before to"),
        ("verb=drop_table", "verb must be one of"),
    ] {
        let (status, body) = get_json(&carol, &format!("/api/audit/timeline?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains(message), "{query}: {body}");
    }
    let (status, body) = get_json(&carol, "/api/audit/export?format=xml").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "E_BAD_REQUEST");
    assert!(export_rows(&carol).await.is_empty(), "a refused export writes no row");
}

#[tokio::test]
async fn the_chain_status_names_an_edited_row_and_is_for_audit_admins_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    seed(&db).await;
    let carol = server_on(&db, "carol", &["sre"]);
    let (status, report) = get_json(&carol, "/api/audit/chain").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["rows"].as_u64().expect("rows") >= (SCALES + DELETES) as u64, "{report}");
    assert_eq!(report["store"], "sqlite");

    let conn = rusqlite::Connection::open(&db).expect("open");
    let id: i64 = conn
        .query_row("SELECT id FROM audit_events WHERE writer_id = 'seed' ORDER BY id LIMIT 1 OFFSET 4321", [], |r| {
            r.get(0)
        })
        .expect("row");
    conn.execute("UPDATE audit_events SET actor_sub = 'mallory' WHERE id = ?1", [id]).expect("tamper");
    drop(conn);
    let (status, report) = get_json(&carol, "/api/audit/chain").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["ok"], false, "{report}");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["writerId"], "seed");
    assert_eq!(problems[0]["rowId"], id);
    let (_, found) =
        get_json(&carol, &format!("/api/audit?requestId={}", problems[0]["requestId"].as_str().expect("id"))).await;
    assert_eq!(found["items"][0]["id"], id, "the problem's request id finds the row: {found}");
    assert!(problems[0]["reason"].as_str().unwrap_or_default().contains("edited"), "{report}");
    drop(carol);

    let bob = server_on(&db, "bob", &[]);
    let (status, body) = get_json(&bob, "/api/audit/chain").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "E_FORBIDDEN");
}

/// Opens the tab's multiplexed stream on `server` and subscribes to the audit tail of `filter`.
async fn audit_tail(server: &Server, filter: Value) -> (periscope_testkit::sse::Sse, String) {
    let http = periscope_testkit::sse::client();
    let mut sse = periscope_testkit::sse::open_ok(&http, &server.url("/api/streams"), None).await;
    let hello = sse.expect(std::time::Duration::from_secs(10)).await;
    let stream = hello.data["streamId"].as_str().expect("stream id").to_string();
    let response = server
        .http
        .post(server.url(&format!("/api/streams/{stream}/subscriptions")))
        .json(&serde_json::json!({ "audit": filter }))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(response.status(), StatusCode::CREATED);
    let sub = response.json::<Value>().await.expect("json")["subscriptionId"].as_str().expect("id").to_string();
    (sse, sub)
}

/// Deletes a pod that does not exist in `namespace` through `server`: one audited action
/// (intent + outcome rows); returns its request id.
async fn audited_delete(server: &Server, namespace: &str, pod: &str) -> String {
    let url = server.url(&format!("/api/clusters/alpha/resources/core/v1/pods/{namespace}/{pod}"));
    let response = server.http.delete(url).send().await.expect("delete");
    response.headers()["x-request-id"].to_str().expect("ascii").to_string()
}

/// The rows of `audit` events on `sse` for `sub`, until `done` holds for them or `wait` ran out.
async fn tailed(
    sse: &mut periscope_testkit::sse::Sse,
    sub: &str,
    done: impl Fn(&[Value]) -> bool,
    wait: std::time::Duration,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut rows = Vec::new();
    while !done(&rows) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(event) = sse.next(left).await else { break };
        assert_ne!(event.event, "audit_gap", "{event:?}");
        if event.event == "audit" && event.data["sub"] == sub {
            rows.extend(event.data["items"].as_array().expect("items").iter().cloned());
        }
    }
    rows
}

#[tokio::test]
async fn the_live_tail_sends_new_matching_rows_from_every_replica_and_only_the_callers_own_to_non_admins() {
    let alpha = cluster("alpha");
    let ns = periscope_testkit::TestNamespace::new(&alpha, "tail");
    let dsn = periscope_testkit::postgres::fresh_database("tail");
    let env = [("PERISCOPE_AUDIT_SINKS", "postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", dsn)];
    // Two replicas on one trail: carol (audit admin) on one, bob on the other.
    let carol = dev_server(&alpha, "carol", &["sre"], &env);
    let bob = dev_server(&alpha, "bob", &[], &env);
    let (mut carol_tail, carol_sub) =
        audit_tail(&carol, serde_json::json!({"namespace": ns.name, "phase": "outcome"})).await;
    let (mut bob_tail, bob_sub) = audit_tail(&bob, serde_json::json!({"namespace": ns.name})).await;

    let by_carol = audited_delete(&carol, &ns.name, "gone-1").await;
    let by_bob = audited_delete(&bob, &ns.name, "gone-2").await;
    let wait = std::time::Duration::from_secs(15);
    let has = |rows: &[Value], id: &str| rows.iter().filter(|r| r["requestId"] == id).count();
    let seen =
        tailed(&mut carol_tail, &carol_sub, |rows| has(rows, &by_carol) > 0 && has(rows, &by_bob) > 0, wait).await;
    let ids: Vec<&str> = seen.iter().filter_map(|r| r["requestId"].as_str()).collect();
    assert!(ids.contains(&by_carol.as_str()), "carol's own replica's row: {seen:?}");
    assert!(ids.contains(&by_bob.as_str()), "the other replica's row too: {seen:?}");
    assert!(seen.iter().all(|r| r["phase"] == "outcome" && r["resource"]["namespace"] == ns.name.as_str()), "{seen:?}");
    assert!(seen.iter().all(|r| r["id"].as_i64().is_some() && r["verb"] == "delete"), "rows are the API's items");

    // bob is no audit admin: his tail carries his rows only, intent and outcome.
    let seen = tailed(&mut bob_tail, &bob_sub, |rows| has(rows, &by_bob) == 2, wait).await;
    assert!(seen.iter().all(|r| r["actor"]["sub"] == "bob"), "{seen:?}");
    assert_eq!(seen.iter().filter(|r| r["requestId"] == by_bob.as_str()).count(), 2, "{seen:?}");
    let (status, body) = get_json(&bob, "/api/audit?phase=outcome&limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["items"].as_array().expect("items").iter().all(|r| r["actor"]["sub"] == "bob"));

    // A subscription takes filters only.
    let http = periscope_testkit::sse::client();
    let mut sse = periscope_testkit::sse::open_ok(&http, &carol.url("/api/streams"), None).await;
    let stream =
        sse.expect(std::time::Duration::from_secs(10)).await.data["streamId"].as_str().expect("id").to_string();
    for body in [
        serde_json::json!({"audit": {"limit": 5}}),
        serde_json::json!({"audit": {"verb": "nope"}}),
        serde_json::json!({"audit": {}, "cluster": "alpha"}),
    ] {
        let response = carol
            .http
            .post(carol.url(&format!("/api/streams/{stream}/subscriptions")))
            .json(&body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn an_apply_row_keeps_what_changed_and_never_a_secrets_values() {
    use base64::Engine as _;
    let alpha = cluster("alpha");
    let ns = periscope_testkit::TestNamespace::new(&alpha, "applydiff");
    ns.grant("alice", "edit");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let apply = |kind: &'static str, name: &'static str, body: String| {
        let path = format!("/api/clusters/alpha/resources/core/v1/{kind}/{}/{name}", ns.name);
        let request = alice.http.patch(alice.url(&path)).header("content-type", "application/yaml").body(body);
        async move {
            let response = request.send().await.expect("apply");
            assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap_or_default());
        }
    };
    let secret = |password: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: creds, namespace: {}}}\nstringData: {{password: {password}}}\n",
            ns.name
        )
    };
    let config = |level: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings, namespace: {}}}\ndata: {{level: {level}}}\n",
            ns.name
        )
    };
    apply("secrets", "creds", secret("hunter2-first")).await;
    apply("secrets", "creds", secret("hunter2-second")).await;
    apply("configmaps", "settings", config("debug")).await;
    apply("configmaps", "settings", config("info")).await;

    let (_, trail) = get_json(&alice, &format!("/api/audit?verb=apply&phase=outcome&namespace={}", ns.name)).await;
    let rows = trail["items"].as_array().expect("items");
    assert_eq!(rows.len(), 4, "{trail}");
    let text = trail.to_string();
    for secret in ["hunter2-first", "hunter2-second"] {
        let encoded = base64::engine::general_purpose::STANDARD.encode(secret);
        assert!(!text.contains(secret) && !text.contains(&encoded), "no Secret value in the trail: {text}");
    }
    let diff_of = |name: &str, nth: usize| {
        rows.iter().filter(|r| r["resource"]["name"] == name).nth(nth).expect("row")["extra"]["diff"].clone()
    };
    // Newest first: the change, then the creation.
    let changed = diff_of("creds", 0);
    assert_eq!(
        changed["changes"],
        serde_json::json!([{"path": "data.password", "kind": "modify", "before": "(redacted)", "after": "(redacted)"}]),
        "{changed}"
    );
    let created = diff_of("creds", 1);
    assert!(created["changes"].as_array().expect("changes").iter().any(|c| c["kind"] == "add"), "{created}");
    assert_eq!(
        diff_of("settings", 0)["changes"],
        serde_json::json!([{"path": "data.level", "kind": "modify", "before": "debug", "after": "info"}])
    );
}
