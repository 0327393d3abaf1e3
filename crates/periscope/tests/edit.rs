//! The YAML editor's save (`POST {obj}/edit`) and `GET {obj}/meta` against the real apiserver:
//! only changed fields are applied and claimed, removals remove exactly what was deleted,
//! conflicts name and classify their managers, CRD validation comes back as 422, and bad
//! input, other origins and users without rights are refused.

mod common;

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn deployment_path(namespace: &str, name: &str) -> String {
    format!("/api/clusters/alpha/resources/apps/v1/deployments/{namespace}/{name}")
}

/// A Deployment every field of which `gitops-sim` applied.
fn gitops_deployment(cluster: &TestCluster, namespace: &str, name: &str) {
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{app: {name}, team: core, old: 'y'}}\n\
         spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n\
         \x20       - name: app\n          image: registry.invalid/app:1\n          env: [{{name: A, value: '1'}}, {{name: B, value: '2'}}]\n\
         \x20       - name: side\n          image: registry.invalid/side:1\n"
    );
    cluster.kubectl_stdin(&["apply", "--server-side", "--field-manager=gitops-sim", "-f", "-"], Some(&manifest));
}

/// The object as the editor opens it (JSON is YAML).
async fn opened(server: &Server, path: &str) -> Value {
    let (status, object) = call(server, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{object}");
    object
}

async fn edit(server: &Server, path: &str, opened: &Value, edited: &Value, flags: Value) -> (StatusCode, Value) {
    let mut body = json!({ "opened": opened.to_string(), "edited": edited.to_string() });
    body.as_object_mut().expect("object").extend(flags.as_object().cloned().unwrap_or_default());
    call(server, Method::POST, &format!("{path}/edit"), Some(body)).await
}

/// The leaf paths `manager`'s Apply entry owns, from `/meta`.
async fn owned(server: &Server, path: &str, manager: &str) -> Vec<Value> {
    let (status, meta) = call(server, Method::GET, &format!("{path}/meta"), None).await;
    assert_eq!(status, StatusCode::OK, "{meta}");
    meta["managers"]
        .as_array()
        .expect("managers")
        .iter()
        .filter(|m| m["manager"] == manager && m["operation"] == "Apply")
        .flat_map(|m| m["fields"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn jsonpath(cluster: &TestCluster, namespace: &str, name: &str, path: &str) -> String {
    cluster.kubectl(&["-n", namespace, "get", "deployment", name, "-o", &format!("jsonpath={path}")])
}

#[tokio::test]
async fn an_edit_claims_only_what_changed_and_a_conflict_names_its_manager() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "edit");
    ns.grant("alice", "edit");
    gitops_deployment(&alpha, &ns.name, "web");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = deployment_path(&ns.name, "web");

    let base = opened(&alice, &path).await;
    let mut edited = base.clone();
    edited["spec"]["replicas"] = json!(3);

    // gitops-sim owns replicas: the apply is refused with the field, its manager and class.
    let (status, refused) = edit(&alice, &path, &base, &edited, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "E_CONFLICT");
    let conflict = &refused["details"]["conflicts"][0];
    assert_eq!(
        (conflict["field"].as_str(), conflict["manager"].as_str()),
        (Some(".spec.replicas"), Some("gitops-sim"))
    );
    assert_eq!(conflict["class"], "gitops", "{conflict}");
    assert!(conflict["consequence"].as_str().is_some_and(|c| c.contains("Git")), "{conflict}");
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.replicas}"), "1");

    // A forced dry run shows the minimal body and the result, and changes nothing.
    let (status, preview) = edit(&alice, &path, &base, &edited, json!({"dryRun": true, "force": true})).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(
        preview["apply"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": ns.name}, "spec": {"replicas": 3}})
    );
    assert_eq!(preview["object"]["spec"]["replicas"], 3);
    assert_eq!(preview["live"]["spec"]["replicas"], 1);
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.replicas}"), "1", "a dry run changes nothing");

    // Forced: the editor's manager owns replicas and nothing else; gitops-sim keeps the rest.
    let (status, saved) = edit(&alice, &path, &base, &edited, json!({"force": true})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.replicas}"), "3");
    assert_eq!(owned(&alice, &path, "periscope").await, vec![json!(["spec", "replicas"])]);
    let gitops = owned(&alice, &path, "gitops-sim").await;
    assert!(gitops.contains(&json!(["metadata", "labels", "team"])), "{gitops:?}");
    assert!(!gitops.contains(&json!(["spec", "replicas"])), "{gitops:?}");

    // Removing a label, a container and an env item (all gitops-sim's) removes exactly those,
    // and the editor keeps owning replicas.
    let base = opened(&alice, &path).await;
    let mut edited = base.clone();
    edited["metadata"]["labels"].as_object_mut().expect("labels").remove("old");
    let containers = edited["spec"]["template"]["spec"]["containers"].as_array_mut().expect("containers");
    containers.retain(|c| c["name"] != "side");
    containers[0]["env"].as_array_mut().expect("env").retain(|e| e["name"] != "B");
    let (status, saved) = edit(&alice, &path, &base, &edited, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let mut removed: Vec<&str> = saved["remove"].as_array().expect("remove").iter().filter_map(Value::as_str).collect();
    removed.sort();
    assert_eq!(
        removed,
        vec![
            "metadata.labels.old",
            "spec.template.spec.containers[name=app].env[name=B]",
            "spec.template.spec.containers[name=side]"
        ]
    );
    assert_eq!(saved["apply"], Value::Null, "nothing was set, so nothing is applied");
    let labels: Value = serde_json::from_str(&jsonpath(&alpha, &ns.name, "web", "{.metadata.labels}")).expect("labels");
    assert_eq!(labels, json!({"app": "web", "team": "core"}));
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.template.spec.containers[*].name}"), "app");
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.template.spec.containers[0].env[*].name}"), "A");
    assert_eq!(owned(&alice, &path, "periscope").await, vec![json!(["spec", "replicas"])]);

    // A later edit of another field re-sends what the editor owns, so replicas stays its own.
    let base = opened(&alice, &path).await;
    let mut edited = base.clone();
    edited["spec"]["minReadySeconds"] = json!(5);
    let (status, saved) = edit(&alice, &path, &base, &edited, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["apply"]["spec"], json!({"replicas": 3, "minReadySeconds": 5}));
    let mut mine: Vec<String> = owned(&alice, &path, "periscope").await.iter().map(Value::to_string).collect();
    mine.sort();
    assert_eq!(mine, vec![r#"["spec","minReadySeconds"]"#, r#"["spec","replicas"]"#]);

    // Every save and dry run is one audited apply, marked as an edit.
    let (_, trail) = call(&alice, Method::GET, "/api/audit?verb=apply&phase=outcome&limit=200", None).await;
    let rows: Vec<&Value> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["resource"]["namespace"] == ns.name.as_str())
        .collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r["outcome"] == "success").count(), 4, "{rows:?}");
}

#[tokio::test]
async fn a_crd_edit_is_validated_by_the_apiserver_and_unchanged_sends_nothing() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "edit-crd");
    // `edit` does not reach CRDs; a Role does.
    alpha.kubectl(&[
        "-n",
        &ns.name,
        "create",
        "role",
        "widgets",
        "--verb=get,list,watch,patch",
        "--resource=widgets.periscope.dev",
    ]);
    alpha.kubectl(&["-n", &ns.name, "create", "rolebinding", "alice-widgets", "--role=widgets", "--user=alice"]);
    let manifest = format!(
        "apiVersion: periscope.dev/v1\nkind: Widget\nmetadata: {{name: w1, namespace: {}}}\nspec: {{color: red, size: 1}}\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "--server-side", "--field-manager=periscope", "-f", "-"], Some(&manifest));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = format!("/api/clusters/alpha/resources/periscope.dev/v1/widgets/{}/w1", ns.name);
    let base = opened(&alice, &path).await;

    let (status, same) = edit(&alice, &path, &base, &base, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["changed"], false);

    let mut wrong = base.clone();
    wrong["spec"]["size"] = json!("big");
    let (status, invalid) = edit(&alice, &path, &base, &wrong, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{invalid}");
    assert_eq!(invalid["code"], "E_INVALID");
    assert!(invalid["message"].as_str().is_some_and(|m| m.contains("spec.size")), "{invalid}");

    let mut good = base.clone();
    good["spec"]["size"] = json!(7);
    good["spec"]["labels"] = json!({"tier": "gold"});
    let (status, saved) = edit(&alice, &path, &base, &good, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["object"]["spec"], json!({"color": "red", "size": 7, "labels": {"tier": "gold"}}));
}

#[tokio::test]
async fn bad_edits_other_origins_and_users_without_rights_are_refused() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "edit-bad");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    gitops_deployment(&alpha, &ns.name, "web");
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let bob = dev_server(&alpha, "bob", &[], &[]);
    let path = deployment_path(&ns.name, "web");
    let base = opened(&alice, &path).await;
    let edit_path = format!("{path}/edit");

    let mut renamed = base.clone();
    renamed["metadata"]["name"] = json!("other");
    let cases = [
        (json!({"opened": base.to_string(), "edited": renamed.to_string()}), "metadata.name"),
        (json!({"opened": base.to_string(), "edited": "spec: [1,\n"}), "edited: invalid YAML"),
        (json!({"opened": "", "edited": base.to_string()}), "opened: the body is empty"),
        (json!({"opened": base.to_string(), "edited": base.to_string(), "surprise": 1}), "surprise"),
        (json!({"opened": base.to_string()}), "edited"),
    ];
    for (body, needle) in cases {
        let (status, answer) = call(&alice, Method::POST, &edit_path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{needle}: {answer}");
        assert_eq!(answer["code"], "E_BAD_REQUEST");
        assert!(answer["message"].as_str().is_some_and(|m| m.contains(needle)), "{needle}: {answer}");
    }

    let mut edited = base.clone();
    edited["spec"]["minReadySeconds"] = json!(9);
    let body = json!({"opened": base.to_string(), "edited": edited.to_string()});
    let foreign = alice
        .http
        .post(alice.url(&edit_path))
        .header("Origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(foreign.json::<Value>().await.expect("json")["code"], "E_ORIGIN");

    let (status, denied) = call(&bob, Method::POST, &edit_path, Some(body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{denied}");
    assert_eq!(denied["code"], "E_FORBIDDEN");
    assert_eq!(jsonpath(&alpha, &ns.name, "web", "{.spec.minReadySeconds}"), "", "nothing changed");
    let (_, trail) = call(&bob, Method::GET, "/api/audit?verb=apply&phase=outcome&limit=200", None).await;
    let denials = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["resource"]["namespace"] == ns.name.as_str() && r["outcome"] == "denied")
        .count();
    assert_eq!(denials, 1, "{trail}");
}
