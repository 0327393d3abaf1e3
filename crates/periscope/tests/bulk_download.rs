//! `POST /api/clusters/{c}/audit/bulk-download` against the real control plane: the one
//! `bulk_download` row per file (a Secret download says it was a reveal), bad bodies refused in
//! the envelope without a row, and the route's guards (a session, the page's own origin).

mod common;

use common::*;
use periscope_testkit::{Idp, IdpOptions, Server, TestNamespace, cluster};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ROUTE: &str = "/api/clusters/alpha/audit/bulk-download";

async fn post(server: &Server, body: String, origin: Option<&str>) -> (StatusCode, Value) {
    let mut request = server.http.post(server.url(ROUTE)).header("content-type", "application/json").body(body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `bulk_download` rows of namespace `ns` (the rows of this test only).
async fn rows(server: &Server, ns: &str) -> Vec<Value> {
    let (status, trail) = server.get_json(&format!("/api/audit?verb=bulk_download&namespace={ns}&limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    trail["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn one_row_per_download_and_secrets_count_as_a_reveal() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "bulk");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let ids: Vec<String> = (0..20).map(|i| format!("{}/cm-{i}", ns.name)).collect();

    let body = json!({"kind": "core/v1/configmaps", "count": 20, "ids": ids, "outcome": "success", "failureCount": 0});
    let (status, answer) = post(&alice, body.to_string(), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let body = json!({"kind": "core/v1/secrets", "count": 2, "ids": [format!("{}/creds", ns.name), format!("{}/gone", ns.name)],
                      "outcome": "failure", "failureCount": 1});
    let (status, answer) = post(&alice, body.to_string(), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");

    let found = rows(&alice, &ns.name).await;
    assert_eq!(found.len(), 2, "one row per download, no intent rows: {found:?}");
    let configmaps = found.iter().find(|r| r["resource"]["resource"] == "configmaps").expect("the ConfigMap row");
    assert_eq!(configmaps["phase"], "outcome");
    assert_eq!(configmaps["outcome"], "success");
    assert_eq!(configmaps["actor"]["sub"], "alice");
    assert_eq!(configmaps["cluster"], "alpha");
    assert_eq!(configmaps["resource"]["version"], "v1");
    assert_eq!(configmaps["extra"]["kind"], "core/v1/configmaps");
    assert_eq!(configmaps["extra"]["count"], 20);
    assert_eq!(configmaps["extra"]["ids"], json!(ids));
    assert_eq!(configmaps["extra"]["reveal"], false);
    let secrets = found.iter().find(|r| r["resource"]["resource"] == "secrets").expect("the Secret row");
    assert_eq!(secrets["outcome"], "failure");
    assert_eq!(secrets["extra"]["reveal"], true, "a Secret's YAML is its values: {secrets}");
    assert_eq!(secrets["extra"]["failureCount"], 1);
    assert!(secrets["reason"].as_str().unwrap_or("").contains("1 of 2"), "{secrets}");
}

#[tokio::test]
async fn bad_bodies_are_refused_in_the_envelope_and_leave_no_row() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "bulk-bad");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let id = format!("{}/x", ns.name);
    let ok = json!({"kind": "core/v1/configmaps", "count": 1, "ids": [id], "outcome": "success", "failureCount": 0});
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body.to_string()
    };
    let many: Vec<String> = (0..101).map(|i| format!("{}/x{i}", ns.name)).collect();
    let cases = [
        ("count 0", with("count", json!(0)), "count"),
        ("count 101", with("count", json!(101)), "count"),
        ("more ids than count", with("ids", json!(many)), "ids"),
        ("an id with three parts", with("ids", json!([format!("{}/x/y", ns.name)])), "ids[0]"),
        ("an outcome not in the set", with("outcome", json!("partial")), "unknown variant `partial`"),
        ("success with failures", with("failureCount", json!(1)), "outcome"),
        ("a kind that is not a path", with("kind", json!("configmaps")), "group/version/resource"),
        ("a kind the cluster does not serve", with("kind", json!("core/v1/nothings")), "not served"),
        ("an unknown field", with("extra", json!(1)), "unknown field"),
        ("a count that is not a number", with("count", json!("20")), "expected u64"),
        ("not JSON", "count=1".to_string(), "invalid JSON"),
    ];
    for (what, body, needle) in cases {
        let (status, answer) = post(&alice, body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert_eq!(answer["code"], "E_BAD_REQUEST", "{what}: {answer}");
        assert!(answer["message"].as_str().unwrap_or("").contains(needle), "{what}: {answer}");
    }
    // Over 16 KiB: the route's own limit, far below the server-wide one.
    let padded = json!({"kind": "core/v1/configmaps", "count": 1, "ids": ["x".repeat(17 * 1024)], "outcome": "success", "failureCount": 0});
    let (status, answer) = post(&alice, padded.to_string(), None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["code"], "E_TOO_LARGE");

    let (status, answer) = post(&alice, ok.to_string(), Some("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a cross-origin POST is refused: {answer}");
    assert_eq!(answer["code"], "E_ORIGIN");
    let unknown_cluster = alice.http.post(alice.url("/api/clusters/nowhere/audit/bulk-download")).body(ok.to_string());
    let response = unknown_cluster.send().await.expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    assert_eq!(rows(&alice, &ns.name).await, Vec::<Value>::new(), "nothing refused is recorded");
    let (status, answer) = post(&alice, ok.to_string(), Some(&alice.base_url)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the page's own origin is fine: {answer}");
    assert_eq!(rows(&alice, &ns.name).await.len(), 1);
}

#[tokio::test]
async fn without_a_session_it_is_401_and_writes_nothing() {
    let alpha = cluster("alpha");
    let idp = Idp::start(IdpOptions::default());
    let server = oidc_server(&idp, &alpha, "", "");
    let body =
        json!({"kind": "core/v1/configmaps", "count": 1, "ids": ["a/b"], "outcome": "success", "failureCount": 0});
    let (status, answer) = post(&server, body.to_string(), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["code"], "E_UNAUTHENTICATED");
}
