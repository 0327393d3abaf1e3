//! The audit page in Debian's Chromium (driven by testenv/browser/audit.mjs; dev mode, so no
//! sign-in) against a real server and a real SQLite trail: the rows a URL shows are the API's
//! for the same filters (after a filter change, Back and a reload too) and the export links
//! carry those filters; a non-admin sees only their own rows and the banner says so, an admin
//! everyone's; the detail pairs intent and outcome and links the object and the recording; a
//! drag across the timeline zooms into that range; an action taken in another tab shows within
//! 2 s over the live stream, without the page polling; a tampered row shows in the chain status.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use periscope::audit::{
    Outcome, ResourceRef,
    event::{Actor, EventBody, GENESIS, Phase, link},
    sqlite::SqliteStore,
};
use periscope_testkit::{Server, TestNamespace, cluster};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The namespace every seeded row names.
const NS: &str = "t-audit-web";
/// Seeded actions (an intent and an outcome row each), a minute apart.
const ACTIONS: usize = 60;
const VERBS: [&str; 4] = ["scale", "delete", "apply", "restart"];
const MINUTE: i64 = 60_000_000_000;

/// Runs one audit.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    drive_script("audit", server, scenario, args).await
}

fn time(nanos: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(nanos)).expect("time").to_string()
}

/// The two rows of seeded action `i`: by bob every third action, else alice; denied every
/// seventh, failed every fifth; the outcome a tenth of a second after the intent.
fn action(i: usize, start: i64) -> [EventBody; 2] {
    let actor = if i.is_multiple_of(3) { "bob" } else { "alice" };
    let verb = VERBS[i % VERBS.len()];
    let outcome = if i.is_multiple_of(7) {
        Outcome::Denied
    } else if i.is_multiple_of(5) {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let ts = start + i as i64 * MINUTE;
    let row = |phase, outcome: Option<Outcome>, ts| EventBody {
        ts_unix_nano: ts,
        request_id: format!("req-{i}"),
        route: Some(format!("POST /api/clusters/alpha/resources/apps/v1/deployments/{NS}/web-{i}/{verb}")),
        phase,
        verb: verb.into(),
        outcome,
        actor: Actor { sub: actor.into(), email: Some(format!("{actor}@example.test")), groups: vec!["team".into()] },
        cluster: Some("alpha".into()),
        resource: ResourceRef {
            group: Some("apps".into()),
            version: Some("v1".into()),
            resource: Some("deployments".into()),
            namespace: Some(NS.into()),
            name: Some(format!("web-{i}")),
        },
        reason: outcome.filter(|o| *o != Outcome::Success).map(|_| format!("seeded {i}")),
        extra: Some(json!({ "replicas": i % 4 })),
    };
    [row(Phase::Intent, None, ts), row(Phase::Outcome, Some(outcome), ts + 100_000_000)]
}

/// A terminal session's end with its recording, the newest row.
fn exec_close(ts: i64) -> EventBody {
    EventBody {
        ts_unix_nano: ts,
        request_id: "req-exec".into(),
        route: None,
        phase: Phase::Outcome,
        verb: "exec_close".into(),
        outcome: Some(Outcome::Success),
        actor: Actor { sub: "alice".into(), email: None, groups: vec![] },
        cluster: Some("alpha".into()),
        resource: ResourceRef {
            group: None,
            version: Some("v1".into()),
            resource: Some("pods".into()),
            namespace: Some(NS.into()),
            name: Some("shell-pod".into()),
        },
        reason: Some("client".into()),
        extra: Some(json!({ "session_id": "x42", "recording": { "id": "x42", "bytes": 10, "truncated": false } })),
    }
}

/// A trail of [`ACTIONS`] actions ending two minutes ago, then the exec row, on one valid
/// chain; returns its directory (kept while the test runs), file and first action's time.
async fn seeded() -> (tempfile::TempDir, PathBuf, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.db");
    let now = i64::try_from(jiff::Timestamp::now().as_nanosecond()).expect("now");
    let start = now - (ACTIONS as i64 + 2) * MINUTE;
    let mut bodies: Vec<EventBody> = (0..ACTIONS).flat_map(|i| action(i, start)).collect();
    bodies.push(exec_close(now - MINUTE));
    let (rows, _) = link("seed", (0, GENESIS.to_string()), bodies);
    let store = SqliteStore::open(&db).expect("open the trail");
    periscope::audit::store::AuditStore::append(&store, &rows).await.expect("append");
    (dir, db, start)
}

fn server_on(db: &Path, subject: &str, groups: &[&str]) -> Server {
    dev_server(&cluster("alpha"), subject, groups, &[("PERISCOPE_AUDIT_DB_PATH", db.display().to_string())])
}

async fn get_json(server: &Server, path: &str) -> Value {
    let response = server.http.get(server.url(path)).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("JSON")
}

/// The API's row ids for `query` (the first 200), newest first.
async fn api_ids(server: &Server, query: &str) -> Vec<i64> {
    let page = get_json(server, &format!("/api/audit?{query}&limit=200")).await;
    page["items"].as_array().expect("items").iter().map(|r| r["id"].as_i64().expect("id")).collect()
}

/// The filters of a page URL as the API takes them: its query without the page's own
/// parameters (`range` (the default 24 hours covers every seeded row), `live`, `event`).
fn api_query(page_url: &str) -> String {
    let query = page_url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter(|p| !["range=", "live=", "event="].iter().any(|k| p.starts_with(k)))
        .collect::<Vec<_>>()
        .join("&")
}

fn rendered(view: &Value) -> Vec<i64> {
    view["rows"].as_array().expect("rows").iter().map(|r| r["id"].as_i64().expect("id")).collect()
}

/// The rendered rows are the API's, from the top (rows below the window are not rendered).
async fn assert_same_rows(server: &Server, view: &Value, at_least: usize) {
    let api = api_ids(server, &api_query(view["url"].as_str().expect("url"))).await;
    let shown = rendered(view);
    assert!(shown.len() >= at_least.min(api.len()), "too few rows rendered: {view}");
    assert_eq!(shown, api[..shown.len()], "the page shows the API's rows: {view}");
}

fn query_pairs(href: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(href.split_once('?').map(|(_, q)| q).unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A page URL's path and its query parameters in any order.
fn page_state(page_url: &str) -> (String, Vec<(String, String)>) {
    let mut pairs = query_pairs(page_url);
    pairs.sort();
    (page_url.split('?').next().unwrap_or_default().to_string(), pairs)
}

#[tokio::test]
async fn filters_and_url_state_show_the_api_rows_through_a_change_back_and_reload_and_exports_carry_them() {
    let (_dir, db, _) = seeded().await;
    let carol = server_on(&db, "carol", &["sre"]);
    let path = format!("/audit?namespace={NS}&verb=scale&phase=outcome");

    let r = drive(&carol, "rows", &["--path", &path, "--select", "audit-outcome=success"]).await;
    let (initial, changed, back, reloaded) = (&r["initial"], &r["changed"], &r["back"], &r["reloaded"]);
    assert_eq!(initial["url"], path.as_str(), "{r}");
    assert_eq!(rendered(initial).len(), ACTIONS / VERBS.len(), "every scale outcome: {r}");
    assert_eq!(initial["count"], "15 rows", "{r}");
    assert_same_rows(&carol, initial, 15).await;
    let url = |view: &Value| page_state(view["url"].as_str().expect("url"));
    assert_eq!(url(changed), page_state(&format!("{path}&outcome=success")), "{r}");
    assert!(rendered(changed).len() < rendered(initial).len(), "{r}");
    assert_same_rows(&carol, changed, 1).await;
    assert_eq!(back["url"], path.as_str(), "Back restores the filters: {r}");
    assert_eq!(rendered(back), rendered(initial), "{r}");
    assert_eq!(reloaded["url"], path.as_str(), "{r}");
    assert_eq!(rendered(reloaded), rendered(initial), "a reload keeps them: {r}");
    assert_eq!(initial["scope"], "all", "{r}");
    assert_eq!(initial["banner"], "You see everyone’s actions", "{r}");

    // The export links name the same filters, and what they download is the API's rows.
    let hrefs: Vec<&str> = initial["exports"].as_array().expect("links").iter().filter_map(Value::as_str).collect();
    assert_eq!(hrefs.len(), 2, "{r}");
    for (href, format) in hrefs.iter().zip(["jsonl", "csv"]) {
        let pairs = query_pairs(href);
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert!(href.starts_with("/api/audit/export?"), "{href}");
        assert_eq!(
            (get("namespace"), get("verb"), get("phase"), get("format")),
            (Some(NS), Some("scale"), Some("outcome"), Some(format)),
            "{href}"
        );
        assert!(get("from").is_some(), "the 24-hour range is resolved into from: {href}");
    }
    let text = carol.http.get(carol.url(hrefs[0])).send().await.expect("export").text().await.expect("body");
    let exported: Vec<i64> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).expect("a row")["id"].as_i64().expect("id")).collect();
    assert_eq!(exported, rendered(initial), "the export holds the rows on screen");
}

#[tokio::test]
async fn a_non_admin_sees_only_their_own_rows_and_the_banner_says_so_an_admin_sees_everyones() {
    let (_dir, db, _) = seeded().await;
    let path = format!("/audit?namespace={NS}");

    let bob = server_on(&db, "bob", &[]);
    let r = drive(&bob, "rows", &["--path", &path]).await;
    let view = &r["initial"];
    assert_eq!(view["scope"], "self", "{r}");
    assert_eq!(view["banner"], "You see your own actions only", "{r}");
    let actors: Vec<&str> = view["rows"].as_array().expect("rows").iter().filter_map(|r| r["actor"].as_str()).collect();
    assert!(!actors.is_empty() && actors.iter().all(|a| *a == "bob"), "only bob's rows: {r}");
    assert_same_rows(&bob, view, 10).await;
    drop(bob);

    let carol = server_on(&db, "carol", &["sre"]);
    let r = drive(&carol, "rows", &["--path", &path]).await;
    let view = &r["initial"];
    assert_eq!(view["scope"], "all", "{r}");
    let actors: Vec<&str> = view["rows"].as_array().expect("rows").iter().filter_map(|r| r["actor"].as_str()).collect();
    assert!(actors.contains(&"alice") && actors.contains(&"bob"), "everyone's rows: {r}");
    assert_same_rows(&carol, view, 10).await;
}

#[tokio::test]
async fn the_detail_pairs_intent_and_outcome_and_links_the_object_and_recording_and_a_drag_zooms_in() {
    let (_dir, db, start) = seeded().await;
    let carol = server_on(&db, "carol", &["sre"]);

    // j, j, Enter opens the second row's request: the newest scale's intent, with its outcome.
    let path = format!("/audit?namespace={NS}&verb=scale");
    let r = drive(&carol, "detail", &["--path", &path]).await;
    let first = &r["before"]["rows"];
    let newest = (ACTIONS - 1) / VERBS.len() * VERBS.len();
    let request = format!("req-{newest}");
    assert_eq!(
        (first[0]["requestId"].as_str(), first[0]["phase"].as_str()),
        (Some(request.as_str()), Some("outcome")),
        "{r}"
    );
    let opened = &r["opened"];
    let url = |view: &Value| page_state(view.as_str().expect("url"));
    assert_eq!(url(&opened["url"]), page_state(&format!("{path}&event={request}")), "{r}");
    assert_eq!(opened["cursor"], first[1]["id"].to_string(), "{r}");
    assert_eq!(opened["panel"], request.as_str(), "{r}");
    let phases: Vec<&str> =
        opened["rows"].as_array().expect("rows").iter().filter_map(|r| r["phase"].as_str()).collect();
    assert_eq!(phases, ["intent", "outcome"], "{r}");
    assert_eq!(opened["extra"][0], json!({ "replicas": newest % 4 }), "{r}");
    assert_eq!(opened["objectLink"], format!("/clusters/alpha/r/apps/v1/deployments/{NS}/web-{newest}"), "{r}");
    assert_eq!(r["up"], first[0]["id"].to_string(), "k moves up: {r}");
    assert_eq!(url(&r["closed"]), page_state(&path), "Esc closes the detail: {r}");

    // Opened from the URL: a terminal session's end links its recording and its pod.
    let r = drive(&carol, "event", &["--path", &format!("/audit?namespace={NS}&event=req-exec")]).await;
    assert_eq!(r["recordingLink"], "/exec/recordings/x42", "{r}");
    assert_eq!(r["objectLink"], format!("/clusters/alpha/r/core/v1/pods/{NS}/shell-pod"), "{r}");

    // A drag across the middle half of the timeline zooms into that half.
    let (from, to) = (start - MINUTE, start + (ACTIONS as i64 + 1) * MINUTE);
    let path = format!("/audit?namespace={NS}&from={}&to={}", time(from), time(to));
    let r = drive(&carol, "zoom", &["--path", &path]).await;
    let api = get_json(&carol, &format!("/api/audit?{}&limit=1", api_query(&path))).await;
    let bars: u64 = r["range"]["bars"].as_array().expect("bars").iter().map(|b| b["total"].as_u64().expect("n")).sum();
    assert_eq!(bars, api["total"].as_u64().expect("total"), "the bars count the rows: {r}");
    assert_same_rows(&carol, &r["before"], 10).await;
    let after = r["after"]["url"].as_str().expect("url");
    let pairs = query_pairs(after);
    let bound = |k: &str| {
        let text =
            pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{k} in {after}"));
        text.parse::<jiff::Timestamp>().expect("RFC 3339").as_nanosecond() as i64
    };
    let (zoom_from, zoom_to) = (bound("from"), bound("to"));
    let quarter = (to - from) / 4;
    let near = |a: i64, b: i64| (a - b).abs() < quarter / 10;
    assert!(near(zoom_from, from + quarter) && near(zoom_to, to - quarter), "the middle half: {r}");
    assert_eq!(r["after"]["tail"], "off", "a range in the past has no live tail: {r}");
    assert_same_rows(&carol, &r["after"], 10).await;
    let zoomed = |k: &str| {
        r["zoomed"][k].as_str().expect("time").parse::<jiff::Timestamp>().expect("time").as_nanosecond() as i64
    };
    assert_eq!((zoomed("from"), zoomed("to")), (zoom_from, zoom_to), "the timeline draws the zoomed range: {r}");
}

#[tokio::test]
async fn a_tampered_row_shows_in_the_chain_status() {
    let (_dir, db, _) = seeded().await;
    let conn = rusqlite::Connection::open(&db).expect("open");
    let id: i64 = conn
        .query_row("SELECT id FROM audit_events WHERE request_id = 'req-30' AND phase = 'outcome'", [], |r| r.get(0))
        .expect("row");
    conn.execute("UPDATE audit_events SET actor_sub = 'mallory' WHERE id = ?1", [id]).expect("tamper");
    drop(conn);
    let carol = server_on(&db, "carol", &["sre"]);

    let r = drive(&carol, "chain", &["--path", "/audit"]).await;
    assert_eq!(r["dark"], true, "shown in the dark theme (screenshot audit-chain.png): {r}");
    assert_eq!(r["ok"], "false", "{r}");
    assert_eq!(r["status"], "✗ 1 broken chain", "{r}");
    let problems = r["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{r}");
    assert_eq!((problems[0]["writer"].as_str(), problems[0]["rowId"].as_i64()), (Some("seed"), Some(id)), "{r}");
    assert!(problems[0]["cells"][3].as_str().unwrap_or_default().contains("edited"), "{r}");
}

#[tokio::test]
async fn an_action_in_another_tab_shows_on_the_page_within_two_seconds_without_polling() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "audit-live-web");
    ns.grant("kate", "edit");
    alpha.kubectl(&["-n", &ns.name, "create", "deployment", "web", "--image=registry.invalid/web", "--replicas=1"]);
    let kate = dev_server(&alpha, "kate", &[], &[]);
    let path = format!("/audit?namespace={}", ns.name);
    let action = format!("/api/clusters/alpha/resources/apps/v1/deployments/{}/web/scale", ns.name);

    let r = drive(&kate, "live", &["--path", &path, "--action", &action, "--body", r#"{"replicas":2}"#]).await;
    assert_eq!(r["status"], 200, "{r}");
    let elapsed = r["elapsedMs"].as_u64().expect("elapsed");
    assert!(elapsed <= 2000, "the scale's outcome row showed {elapsed} ms after the answer: {r}");
    assert_eq!(r["readsMeanwhile"], 0, "it came over the stream, not by reading /api/audit: {r}");
    let request = r["requestId"].as_str().expect("request id");
    let top = &r["after"]["rows"][0];
    assert_eq!((top["requestId"].as_str(), top["verb"].as_str()), (Some(request), Some("scale")), "newest on top: {r}");
    assert_same_rows(&kate, &r["after"], 1).await;
    // Its detail shows what the scale changed, from the outcome row's diff.
    assert_eq!(
        r["changes"],
        json!([{ "path": "spec.replicas", "cells": ["spec.replicas", "modify", "1 → 2"] }]),
        "{r}"
    );
}
