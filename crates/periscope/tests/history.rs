//! Object history against a real control plane and real SQLite and PostgreSQL trails: a
//! console scale, a GitOps-style server-side apply and a rollout finished by the deployment
//! controller appear on a Deployment's history in order and attributed to who made them; a
//! Secret's history names changed keys but the trail never holds a value; a non-admin sees
//! other users' writes but not their reads; the row cap holds; bad input gets the envelope.

mod common;

use std::time::{Duration, Instant};

use common::*;
use periscope::audit::{
    Outcome, ResourceRef,
    event::{Actor, EventBody, GENESIS, Phase, link},
    postgres::PgAuditStore,
    store::AuditStore,
};
use periscope_testkit::{
    Server, TestCluster, TestNamespace, cluster, postgres,
    sse::{Sse, client, open_ok},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

fn object_path(cluster: &str, kind: &str, ns: &str, name: &str) -> String {
    format!("/api/clusters/{cluster}/resources/{kind}/{ns}/{name}")
}

/// Opens a live list of `kind` (`group/version/plural`) in `ns`, as the detail page does: while
/// it is open the watch engine records the writes it sees.
async fn watch(server: &Server, kind: &str, ns: &str) -> Sse {
    let url = server.url(&format!("/api/clusters/alpha/watch/{kind}?namespace={ns}"));
    let mut sse = open_ok(&client(), &url, None).await;
    assert_eq!(sse.expect(WAIT).await.event, "snapshot");
    sse
}

async fn history(server: &Server, path: &str) -> Value {
    let (status, body) = call(server, Method::GET, &format!("{path}/history"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Polls the history until `done` holds for its items (oldest first); the last answer.
async fn history_until(server: &Server, path: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let body = history(server, path).await;
        let mut items = body["items"].as_array().cloned().unwrap_or_default();
        items.reverse();
        if done(&items) {
            return items;
        }
        assert!(Instant::now() < deadline, "{what} not in the history within {WAIT:?}: {body:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The position of the first item `matches` accepts, if any.
fn position(items: &[Value], matches: impl Fn(&Value) -> bool) -> Option<usize> {
    items.iter().position(matches)
}

fn has_path(item: &Value, prefix: &str) -> bool {
    item["paths"].as_array().is_some_and(|p| p.iter().any(|x| x.as_str().is_some_and(|s| s.starts_with(prefix))))
}

fn deployment(ns: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\n  labels: {{app: web}}\nspec:\n  replicas: 1\n  \
         selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      \
         containers:\n      - name: app\n        image: registry.example/web:1\n"
    )
}

fn server_side_apply(cluster: &TestCluster, manager: &str, doc: &str) {
    cluster.kubectl_stdin(&["apply", "--server-side", &format!("--field-manager={manager}"), "-f", "-"], Some(doc));
}

#[tokio::test]
async fn a_console_scale_a_gitops_apply_and_a_controller_rollout_appear_in_order_attributed() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&deployment(&ns.name)));
    let server = tier_server(&alpha, "dave", &["sre"]);
    let path = object_path("alpha", "apps/v1/deployments", &ns.name, "web");
    let _live = watch(&server, "apps/v1/deployments", &ns.name).await;
    assert_eq!(history(&server, &path).await["recording"], true);

    // (a) The console scales it.
    let (status, body) = call(&server, Method::POST, &format!("{path}/scale"), Some(json!({"replicas": 3}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let scaled_rv = body["object"]["metadata"]["resourceVersion"].as_str().expect("rv").to_string();
    history_until(&server, &path, "the console scale", |items| {
        items.iter().any(|i| i["source"] == "console" && i["action"] == "scale" && i["manager"].is_string())
    })
    .await;
    // (b) A GitOps tool applies a label, server-side, as its own field manager.
    let labelled = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {}\n  labels:\n    team: payments\n",
        ns.name
    );
    server_side_apply(&alpha, "gitops-sim", &labelled);
    history_until(&server, &path, "the gitops-sim apply", |items| items.iter().any(|i| i["who"] == "gitops-sim")).await;
    // (c) A rollout restart, which the deployment controller then carries out.
    alpha.kubectl(&["rollout", "restart", "deployment/web", "-n", &ns.name]);
    let items = history_until(&server, &path, "the controller's rollout", |items| {
        position(items, |i| i["who"] == "kubectl-rollout")
            .is_some_and(|r| items[r..].iter().any(|i| i["who"] == "kube-controller-manager" && has_path(i, "status.")))
    })
    .await;

    let scale = position(&items, |i| i["source"] == "console" && i["action"] == "scale").expect("scale");
    let gitops = position(&items, |i| i["who"] == "gitops-sim").expect("gitops");
    let restart = position(&items, |i| i["who"] == "kubectl-rollout").expect("restart");
    let controller = restart
        + position(&items[restart..], |i| i["who"] == "kube-controller-manager" && has_path(i, "status."))
            .expect("controller");
    assert!(scale < gitops && gitops < restart && restart < controller, "out of order: {items:#?}");

    // The console's scale is one item: the user, the diff, and the write the watch saw.
    let scale = &items[scale];
    assert_eq!(scale["who"], "dave@example.test", "{scale}");
    assert_eq!(scale["outcome"], "success");
    assert_eq!(scale["resourceVersion"], scaled_rv.as_str());
    assert!(scale["manager"].as_str().is_some_and(|m| m.starts_with("periscope")), "{scale}");
    assert_eq!(scale["diff"][0]["path"], "spec.replicas", "{scale}");
    assert_eq!((&scale["diff"][0]["before"], &scale["diff"][0]["after"]), (&json!(1), &json!(3)));
    assert!(
        !items.iter().any(|i| i["source"] == "change" && i["resourceVersion"] == scaled_rv.as_str()),
        "the scale's sighting is merged into its console row: {items:#?}"
    );
    let gitops = &items[gitops];
    assert_eq!((&gitops["source"], &gitops["operation"]), (&json!("change"), &json!("Apply")), "{gitops}");
    assert_eq!(gitops["paths"], json!(["metadata.labels.team"]), "{gitops}");
    let restart = &items[restart];
    assert!(has_path(restart, "spec.template.metadata.annotations"), "{restart}");
    assert_eq!(items[controller]["subresource"], "status", "{}", items[controller]);
    // Events of the Deployment (the controller's ScalingReplicaSet) are part of the story.
    history_until(&server, &path, "the controller's events", |items| {
        items.iter().any(|i| i["source"] == "event" && i["event"]["reason"] == "ScalingReplicaSet")
    })
    .await;
}

#[tokio::test]
async fn a_secrets_history_names_changed_keys_but_the_trail_never_holds_a_value() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history-secret");
    let server = tier_server(&alpha, "dave", &["sre"]);
    let _live = watch(&server, "core/v1/secrets", &ns.name).await;
    let secret = |password: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: {}\nstringData:\n  password: {password}\n  user: admin\n",
            ns.name
        )
    };
    server_side_apply(&alpha, "gitops-sim", &secret("first-Hunter2-value"));
    server_side_apply(&alpha, "gitops-sim", &secret("second-Swordfish-value"));
    let path = object_path("alpha", "core/v1/secrets", &ns.name, "db");
    let items = history_until(&server, &path, "the password change", |items| {
        items.iter().any(|i| i["action"] == "updated" && has_path(i, "data.password"))
    })
    .await;
    let changed = items.iter().find(|i| i["action"] == "updated").expect("update");
    assert_eq!(changed["who"], "gitops-sim");
    assert!(!has_path(changed, "data.user"), "an unchanged key is not a change: {changed}");
    assert!(items.iter().any(|i| i["action"] == "created" && i["who"] == "gitops-sim"), "{items:#?}");

    // Neither value, nor its base64, is anywhere in the trail's files.
    let db = server.audit_db();
    let files = [db.clone(), db.with_extension("db-wal")];
    for value in ["first-Hunter2-value", "second-Swordfish-value"] {
        let b64 = base64_of(value);
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_default();
            for needle in [value, b64.as_str()] {
                assert!(!contains(&bytes, needle.as_bytes()), "{needle} found in {}", file.display());
            }
        }
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A seeded audit row by `actor` about the ConfigMap `name` in `ns`.
fn seeded(actor: &str, verb: &str, ns: &str, name: &str, request_id: &str) -> EventBody {
    EventBody {
        ts_unix_nano: i64::try_from(jiff::Timestamp::now().as_nanosecond()).expect("now"),
        request_id: request_id.into(),
        route: None,
        phase: Phase::Outcome,
        verb: verb.into(),
        outcome: Some(Outcome::Success),
        actor: Actor { sub: actor.into(), email: None, groups: vec![] },
        cluster: Some("alpha".into()),
        resource: ResourceRef {
            group: None,
            version: Some("v1".into()),
            resource: Some("configmaps".into()),
            namespace: Some(ns.into()),
            name: Some(name.into()),
        },
        reason: None,
        extra: None,
    }
}

#[tokio::test]
async fn on_a_shared_postgres_trail_a_viewer_sees_others_writes_but_not_their_reads() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history-pg");
    let dsn = postgres::fresh_database("history");
    let env = [("PERISCOPE_AUDIT_SINKS", "postgres".to_string()), ("PERISCOPE_AUDIT_POSTGRES_DSN", dsn.clone())];
    let admin = dev_server(&alpha, "dave", &["sre"], &env);
    let viewer = dev_server(&alpha, "vera", &["viewers"], &env);
    let path = object_path("alpha", "core/v1/configmaps", &ns.name, "settings");
    let _live = watch(&admin, "core/v1/configmaps", &ns.name).await;

    let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": ns.name}, "data": {"a": "1"}});
    let (status, body) = call(&admin, Method::PATCH, &path, Some(doc)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    alpha.kubectl(&["label", "configmap", "settings", "-n", &ns.name, "tier=gold"]);
    // Another user's write and another user's read of the same object, from the trail.
    let store = PgAuditStore::connect(&dsn).await.expect("connect");
    let (rows, _) = link(
        "seed",
        (0, GENESIS.to_string()),
        vec![
            seeded("carol", "apply", &ns.name, "settings", "carol-write"),
            seeded("carol", "log_open", &ns.name, "settings", "carol-read"),
        ],
    );
    store.append(&rows).await.expect("seed");

    let done = |items: &[Value]| {
        items.iter().any(|i| i["who"] == "kubectl-label") && items.iter().any(|i| i["requestId"] == "carol-write")
    };
    let seen_by_admin = history_until(&admin, &path, "the label and carol's rows", done).await;
    assert!(
        seen_by_admin.iter().any(|i| i["requestId"] == "carol-read"),
        "an admin sees every row: {seen_by_admin:#?}"
    );
    let apply = seen_by_admin
        .iter()
        .find(|i| i["source"] == "console" && i["action"] == "apply" && i["who"] == "dave@example.test");
    assert!(apply.is_some_and(|a| a["manager"] == "periscope"), "{seen_by_admin:#?}");

    // The viewer's server watches nothing, yet reads what the admin's server recorded.
    let body = history(&viewer, &path).await;
    assert_eq!(body["recording"], false, "{body}");
    let items = body["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["who"] == "kubectl-label"), "{body:#}");
    assert!(items.iter().any(|i| i["requestId"] == "carol-write"), "{body:#}");
    assert!(items.iter().any(|i| i["action"] == "apply" && i["who"] == "dave@example.test"), "{body:#}");
    assert!(!items.iter().any(|i| i["requestId"] == "carol-read"), "another user's read stays private: {body:#}");
}

#[tokio::test]
async fn the_row_cap_keeps_the_newest_changes() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history-cap");
    alpha.kubectl(&["create", "configmap", "busy", "-n", &ns.name, "--from-literal=n=0"]);
    let env = [("PERISCOPE_HISTORY_MAX_ROWS", "5".to_string()), ("PERISCOPE_HISTORY_PRUNE_SECONDS", "1".to_string())];
    let server = dev_server(&alpha, "dave", &["sre"], &env);
    let _live = watch(&server, "core/v1/configmaps", &ns.name).await;
    let path = object_path("alpha", "core/v1/configmaps", &ns.name, "busy");
    for n in 1..=12 {
        alpha.kubectl(&["label", "configmap", "busy", "-n", &ns.name, &format!("n={n}"), "--overwrite"]);
    }
    // The last write is recorded, and pruning leaves at most the cap (this server's trail holds
    // only this test's changes and the namespace's root CA ConfigMap's).
    let items = history_until(&server, &path, "the cap applied to the last write", |items| {
        let changes: Vec<&Value> = items.iter().filter(|i| i["source"] == "change").collect();
        changes.len() <= 5 && changes.last().is_some_and(|c| c["who"] == "kubectl-label")
    })
    .await;
    let last = items.iter().rev().find(|i| i["source"] == "change").expect("a change");
    assert_eq!(last["paths"], json!(["metadata.labels.n"]), "{last}");
    let (_, metrics) = {
        let r = server.http.get(server.url("/api/metrics")).send().await.expect("metrics");
        (r.status(), r.text().await.expect("text"))
    };
    assert!(
        metrics.lines().any(|l| l.starts_with("periscope_history_changes_recorded_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_history_queries_and_unreadable_objects_get_the_envelope() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "history-bad");
    alpha.kubectl(&["create", "configmap", "plain", "-n", &ns.name, "--from-literal=k=v"]);
    alpha.kubectl(&["create", "secret", "generic", "hidden", "-n", &ns.name, "--from-literal=k=v"]);
    let viewer = tier_server(&alpha, "vera", &["viewers"]);
    let path = object_path("alpha", "core/v1/configmaps", &ns.name, "plain");
    for query in ["limit=0", "limit=1001", "before=yesterday", "colour=blue"] {
        let (status, body) = call(&viewer, Method::GET, &format!("{path}/history?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "E_BAD_REQUEST", "{query}: {body}");
    }
    let (status, body) = call(&viewer, Method::GET, &format!("{path}/history?limit=1"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A viewer may not read Secrets, so not their story either.
    let secret = object_path("alpha", "core/v1/secrets", &ns.name, "hidden");
    let (status, body) = call(&viewer, Method::GET, &format!("{secret}/history"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "E_FORBIDDEN", "{body}");
}
