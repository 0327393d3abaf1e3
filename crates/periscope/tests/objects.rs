//! Per-object routes against the real apiserver: detail, YAML, events, meta, server-side apply
//! (create, update, dry run, conflicts with another field manager, force), bad bodies, cluster-
//! scoped sub-paths and the Secret reveal paths with their audit rows.

mod common;

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

/// One answer: status, headers, raw text.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn call(server: &Server, method: Method, path: &str, body: Option<String>) -> Answer {
    let mut request = server.http.request(method, server.url(path));
    if let Some(body) = body {
        request = request.header("content-type", "application/yaml").body(body);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    Answer { status, headers, text: response.text().await.unwrap_or_default() }
}

fn configmap_yaml(namespace: &str, name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  a: \"{value}\"\n"
    )
}

fn cm_path(namespace: &str, name: &str) -> String {
    format!("/api/clusters/alpha/resources/core/v1/configmaps/{namespace}/{name}")
}

fn live_value(cluster: &TestCluster, namespace: &str, name: &str) -> String {
    cluster.kubectl(&["get", "configmap", name, "-n", namespace, "-o", "jsonpath={.data.a}"])
}

fn managers(meta: &Value) -> Vec<String> {
    meta["managedFields"]
        .as_array()
        .map(|m| m.iter().filter_map(|e| e["manager"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn apply_creates_updates_and_dry_run_changes_nothing() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "apply");
    ns.grant("alice", "edit");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = cm_path(&ns.name, "settings");

    let created = call(&alice, Method::PATCH, &path, Some(configmap_yaml(&ns.name, "settings", "1"))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json()["object"]["data"]["a"], "1");
    assert_eq!(created.json()["dryRun"], false);
    assert_eq!(live_value(&alpha, &ns.name, "settings"), "1");

    // Server-owned fields in the body (as copied from a GET) are dropped, not rejected.
    let detail = call(&alice, Method::GET, &path, None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let mut edited = detail.json();
    assert!(edited["metadata"].get("managedFields").is_none(), "managedFields are dropped by default: {edited}");
    assert!(edited["metadata"]["uid"].is_string());
    edited["data"]["a"] = Value::from("2");
    let updated = call(&alice, Method::PATCH, &path, Some(edited.to_string())).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(live_value(&alpha, &ns.name, "settings"), "2");

    let dry =
        call(&alice, Method::PATCH, &format!("{path}?dryRun=true"), Some(configmap_yaml(&ns.name, "settings", "3")))
            .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.json()["dryRun"], true);
    assert_eq!(dry.json()["object"]["data"]["a"], "3", "the dry run answers the would-be object");
    assert_eq!(live_value(&alpha, &ns.name, "settings"), "2", "a dry run changes nothing");

    let with_fields = call(&alice, Method::GET, &format!("{path}?managedFields=true"), None).await.json();
    assert!(managers(&with_fields["metadata"]).contains(&"periscope".to_string()), "{with_fields}");

    let meta = call(&alice, Method::GET, &format!("{path}/meta"), None).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    let live_rv =
        alpha.kubectl(&["get", "configmap", "settings", "-n", &ns.name, "-o", "jsonpath={.metadata.resourceVersion}"]);
    assert_eq!(meta.json()["resourceVersion"], live_rv);
    assert!(managers(&meta.json()).contains(&"periscope".to_string()), "{}", meta.text);

    let yaml = call(&alice, Method::GET, &format!("{path}/yaml"), None).await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert!(yaml.headers["content-type"].to_str().unwrap_or("").starts_with("text/yaml"));
    let parsed: Value = serde_saphyr::from_str(&yaml.text).expect("the YAML answer parses");
    assert_eq!(parsed["data"]["a"], "2");
    assert_eq!(parsed["metadata"]["name"], "settings");
    assert!(parsed["metadata"].get("managedFields").is_none());

    let deleted = call(&alice, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let gone = call(&alice, Method::GET, &path, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.json()["code"], "E_NOT_FOUND");
}

#[tokio::test]
async fn another_managers_field_is_a_conflict_naming_it_until_forced() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "conflict");
    ns.grant("alice", "edit");
    alpha.kubectl_stdin(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        Some(&configmap_yaml(&ns.name, "shared", "theirs")),
    );
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = cm_path(&ns.name, "shared");

    let refused = call(&alice, Method::PATCH, &path, Some(configmap_yaml(&ns.name, "shared", "mine"))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let body = refused.json();
    assert_eq!(body["code"], "E_CONFLICT");
    let conflicts = body["details"]["conflicts"].as_array().expect("conflicts listed");
    assert!(
        conflicts.iter().any(|c| c["manager"] == "other" && c["field"].as_str().unwrap_or("").contains("data.a")),
        "{body}"
    );
    assert_eq!(live_value(&alpha, &ns.name, "shared"), "theirs");

    let forced =
        call(&alice, Method::PATCH, &format!("{path}?force=true"), Some(configmap_yaml(&ns.name, "shared", "mine")))
            .await;
    assert_eq!(forced.status, StatusCode::OK, "{}", forced.text);
    assert_eq!(live_value(&alpha, &ns.name, "shared"), "mine");
    let meta = call(&alice, Method::GET, &format!("{path}/meta"), None).await.json();
    let owner_of_a = meta["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .find(|e| e["fieldsV1"]["f:data"].get("f:a").is_some())
        .map(|e| e["manager"].clone());
    assert_eq!(owner_of_a, Some(Value::from("periscope")), "force takes the field over: {meta}");
}

#[tokio::test]
async fn bad_apply_bodies_are_refused_in_the_envelope() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "badapply");
    ns.grant("alice", "edit");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = cm_path(&ns.name, "x");

    let cases = [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n".to_string(), "YAML"),
        (configmap_yaml(&ns.name, "y", "1"), "metadata.name"),
        (configmap_yaml("elsewhere", "x", "1"), "metadata.namespace"),
        (configmap_yaml(&ns.name, "x", "1").replace("kind: ConfigMap", "kind: Secret"), "kind"),
        (configmap_yaml(&ns.name, "x", "1").replace("apiVersion: v1", "apiVersion: apps/v1"), "apiVersion"),
        (format!("{}---\n{}", configmap_yaml(&ns.name, "x", "1"), configmap_yaml(&ns.name, "x", "2")), "documents"),
    ];
    for (body, needle) in cases {
        let answer = call(&alice, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.text);
        let envelope = answer.json();
        assert_eq!(envelope["code"], "E_BAD_REQUEST", "{envelope}");
        assert!(envelope["message"].as_str().unwrap_or("").contains(needle), "{needle}: {envelope}");
    }
    let huge = format!("{}  b: \"{}\"\n", configmap_yaml(&ns.name, "x", "1"), "z".repeat(300 * 1024));
    let answer = call(&alice, Method::PATCH, &path, Some(huge)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    assert_eq!(answer.json()["code"], "E_TOO_LARGE");
    let unknown = call(&alice, Method::GET, &format!("{path}/nonsense"), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.json()["code"].is_string(), "{}", unknown.text);
    let bad_query = call(&alice, Method::GET, &format!("{path}?bogus=1"), None).await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        alpha
            .kubectl(&["get", "configmaps", "-n", &ns.name, "-o", "name"])
            .lines()
            .filter(|l| l.contains("/x"))
            .count(),
        0,
        "nothing was created"
    );
}

#[tokio::test]
async fn cluster_scoped_objects_and_their_sub_paths_resolve_by_scope() {
    let alpha = cluster("alpha");
    let admin = dev_server(&alpha, "dave", &["sre"], &[]);
    let node = call(&admin, Method::GET, "/api/clusters/alpha/resources/core/v1/nodes/kwok-node-0", None).await;
    assert_eq!(node.status, StatusCode::OK, "{}", node.text);
    assert_eq!(node.json()["kind"], "Node");
    assert_eq!(node.json()["metadata"]["name"], "kwok-node-0");
    let yaml = call(&admin, Method::GET, "/api/clusters/alpha/resources/core/v1/nodes/kwok-node-0/yaml", None).await;
    assert_eq!(yaml.status, StatusCode::OK, "{}", yaml.text);
    let parsed: Value = serde_saphyr::from_str(&yaml.text).expect("yaml");
    assert_eq!(parsed["metadata"]["name"], "kwok-node-0");
    let meta = call(&admin, Method::GET, "/api/clusters/alpha/resources/core/v1/nodes/kwok-node-0/meta", None).await;
    assert!(meta.json()["resourceVersion"].is_string(), "{}", meta.text);
    let events =
        call(&admin, Method::GET, "/api/clusters/alpha/resources/core/v1/nodes/kwok-node-0/events", None).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.text);
    assert!(events.json()["items"].is_array());
    // A namespaced kind under the one-segment shape is a clear 400, not a lookup of a wrong object.
    let wrong = call(&admin, Method::GET, "/api/clusters/alpha/resources/apps/v1/deployments/web", None).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    // And a namespaced object under the two-segment shape is the object itself.
    let web = call(&admin, Method::GET, "/api/clusters/alpha/resources/apps/v1/deployments/team-a/web", None).await;
    assert_eq!(web.json()["metadata"]["namespace"], "team-a", "{}", web.text);
}

#[tokio::test]
async fn events_about_an_object_are_listed() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "events");
    ns.grant("alice", "edit");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&configmap_yaml(&ns.name, "noisy", "1")));
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&configmap_yaml(&ns.name, "quiet", "1")));
    // Real events carry the object's uid; the route selects on it to skip a predecessor's events.
    let uid = alpha.kubectl(&["get", "configmap", "noisy", "-n", &ns.name, "-o", "jsonpath={.metadata.uid}"]);
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata:\n  name: noisy.1\n  namespace: {ns}\ninvolvedObject:\n  apiVersion: v1\n  kind: ConfigMap\n  name: noisy\n  namespace: {ns}\n  uid: {uid}\nreason: Tested\nmessage: something happened\ntype: Normal\nfirstTimestamp: \"2026-01-01T00:00:00Z\"\nlastTimestamp: \"2026-01-01T00:00:00Z\"\ncount: 1\nsource:\n  component: test\n",
        ns = ns.name
    );
    alpha.kubectl_stdin(&["create", "-f", "-"], Some(&event));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let noisy = call(&alice, Method::GET, &format!("{}/events", cm_path(&ns.name, "noisy")), None).await;
    assert_eq!(noisy.status, StatusCode::OK, "{}", noisy.text);
    let items = noisy.json()["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{}", noisy.text);
    assert_eq!(items[0]["reason"], "Tested");
    let quiet = call(&alice, Method::GET, &format!("{}/events", cm_path(&ns.name, "quiet")), None).await;
    assert_eq!(quiet.json()["items"].as_array().map(Vec::len), Some(0), "{}", quiet.text);
}

#[tokio::test]
async fn secret_detail_never_carries_values_and_reveals_are_audited() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "secret");
    ns.grant("alice", "edit");
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: {}\nstringData:\n  password: hunter22\n  token: abc\n",
        ns.name
    );
    // Client-side apply stores the values again in the last-applied annotation.
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&secret));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = format!("/api/clusters/alpha/resources/core/v1/secrets/{}/creds", ns.name);
    let encoded = "aHVudGVyMjI="; // base64("hunter22")

    for query in ["", "?managedFields=true"] {
        let detail = call(&alice, Method::GET, &format!("{path}{query}"), None).await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        assert!(!detail.text.contains("hunter22") && !detail.text.contains(encoded), "{}", detail.text);
        let body = detail.json();
        let annotations = body["metadata"]["annotations"].as_object().cloned().unwrap_or_default();
        assert!(!annotations.contains_key("kubectl.kubernetes.io/last-applied-configuration"), "{body}");
        assert!(body.get("data").is_none() && body.get("stringData").is_none(), "{body}");
        let keys = body["keys"].as_array().expect("keys");
        assert!(keys.iter().any(|k| k["name"] == "password" && k["size"] == 8), "{body}");
        assert!(keys.iter().any(|k| k["name"] == "token" && k["size"] == 3), "{body}");
    }

    let value = call(&alice, Method::GET, &format!("{path}/data/password"), None).await;
    assert_eq!(value.status, StatusCode::OK, "{}", value.text);
    assert_eq!(value.text, "hunter22");
    assert_eq!(value.headers["cache-control"], "no-store");
    let missing = call(&alice, Method::GET, &format!("{path}/data/nope"), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "E_NOT_FOUND");

    let yaml = call(&alice, Method::GET, &format!("{path}/yaml"), None).await;
    assert_eq!(yaml.status, StatusCode::OK, "{}", yaml.text);
    assert!(yaml.text.contains(encoded), "the YAML is the reveal path: {}", yaml.text);
    assert_eq!(yaml.headers["cache-control"], "no-store");

    // A ConfigMap's data path is not a reveal route.
    let not_secret = call(&alice, Method::GET, &format!("{}/data/a", cm_path(&ns.name, "creds")), None).await;
    assert_eq!(not_secret.status, StatusCode::NOT_FOUND);

    let trail = call(&alice, Method::GET, "/api/audit?verb=secret_reveal&limit=100", None).await.json();
    let outcomes: Vec<&Value> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["phase"] == "outcome" && r["resource"]["namespace"] == ns.name.as_str())
        .collect();
    assert!(
        outcomes
            .iter()
            .any(|r| r["outcome"] == "success" && r["extra"]["key"] == "password" && r["extra"]["size"] == 8),
        "{trail}"
    );
    assert!(outcomes.iter().any(|r| r["outcome"] == "failure" && r["resource"]["name"] == "creds"), "{trail}");
    assert!(
        outcomes.iter().any(|r| r["extra"]["via"] == "yaml" && r["extra"]["key_count"] == 2),
        "the YAML reveal is audited with its keys: {trail}"
    );
    assert!(!trail.to_string().contains("hunter22"), "values never reach the trail");
}
