//! One-click mutations against the real apiserver (and its controller-manager): each changes
//! exactly its field under its own field manager, is audited, is refused for the wrong kind and
//! denied (and recorded as denied) for a view-only user; rollback restores an old template;
//! trigger creates a Job owned by its CronJob.

mod common;

use std::time::{Duration, Instant};

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster, random_suffix};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(server: &Server, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn deployment_yaml(namespace: &str, name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{app: {name}}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      nodeSelector: {{type: kwok}}\n      tolerations:\n        - {{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}}\n      containers:\n        - name: main\n          image: {image}\n"
    )
}

fn cronjob_yaml(namespace: &str, name: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  schedule: \"0 0 1 1 *\"\n  jobTemplate:\n    metadata:\n      labels: {{origin: {name}}}\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: main\n              image: registry.invalid/job\n"
    )
}

fn base(namespace: &str, plural: &str, name: &str) -> String {
    let group = if plural == "cronjobs" { "batch" } else { "apps" };
    format!("/api/clusters/alpha/resources/{group}/v1/{plural}/{namespace}/{name}")
}

fn jsonpath(cluster: &TestCluster, args: &[&str], path: &str) -> String {
    let mut all: Vec<&str> = args.to_vec();
    let output = format!("jsonpath={path}");
    all.extend(["-o", &output]);
    cluster.kubectl(&all)
}

/// The managedFields entry of `manager`, as JSON.
fn fields_of(cluster: &TestCluster, args: &[&str], manager: &str) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", "json", "--show-managed-fields"]);
    let object: Value = serde_json::from_str(&cluster.kubectl(&all)).expect("kubectl json");
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["manager"] == manager))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

async fn audit_outcomes(server: &Server, verb: &str) -> Vec<Value> {
    let (_, trail) = call(server, Method::GET, &format!("/api/audit?verb={verb}&phase=outcome&limit=200"), None).await;
    trail["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn scale_changes_only_replicas_and_a_viewer_is_denied_and_recorded() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "scale");
    ns.grant("alice", "edit");
    ns.grant("bob", "view");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&deployment_yaml(&ns.name, "web", "nginx:1.27")));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let bob = dev_server(&alpha, "bob", &[], &[]);
    let path = base(&ns.name, "deployments", "web");
    let deploy = ["get", "deployment", "web", "-n", ns.name.as_str()];

    let (status, body) = call(&alice, Method::POST, &format!("{path}/scale"), Some(json!({"replicas": 3}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.replicas}"), "3");
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.template.spec.containers[0].image}"), "nginx:1.27");
    let owned = fields_of(&alpha, &deploy, "periscope-scale");
    assert_eq!(owned, json!({"f:spec": {"f:replicas": {}}}), "exactly spec.replicas is claimed");

    let (status, body) = call(&bob, Method::POST, &format!("{path}/scale"), Some(json!({"replicas": 0}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = call(&bob, Method::PATCH, &path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an empty apply body is refused before any call");
    let apply = deployment_yaml(&ns.name, "web", "nginx:evil");
    let response = bob
        .http
        .patch(bob.url(&path))
        .header("content-type", "application/yaml")
        .body(apply)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (status, _) = call(&bob, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.replicas}"), "3", "nothing bob asked for happened");
    for verb in ["scale", "apply", "delete"] {
        let rows = audit_outcomes(&bob, verb).await;
        assert!(
            rows.iter().any(|r| r["outcome"] == "denied" && r["resource"]["namespace"] == ns.name.as_str()),
            "{verb}: {rows:?}"
        );
    }
    let alice_rows = audit_outcomes(&alice, "scale").await;
    // The outcome row keeps what the scale changed: one path, both values.
    let scaled = alice_rows
        .iter()
        .find(|r| r["outcome"] == "success" && r["resource"]["namespace"] == ns.name.as_str())
        .expect("alice's scale row");
    assert_eq!(
        scaled["extra"]["diff"],
        json!({"changes": [{"path": "spec.replicas", "kind": "modify", "before": 1, "after": 3}], "truncated": 0}),
        "{scaled}"
    );

    // Wrong kind and bad bodies are refused before anything reaches the cluster.
    let (status, body) = call(
        &alice,
        Method::POST,
        &format!("/api/clusters/alpha/resources/batch/v1/cronjobs/{}/web/scale", ns.name),
        Some(json!({"replicas": 1})),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (StatusCode::BAD_REQUEST, json!("E_BAD_REQUEST")), "{body}");
    let (status, _) = call(&alice, Method::POST, &format!("{path}/scale"), Some(json!({"replicas": -1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&alice, Method::POST, &format!("{path}/scale"), Some(json!({"copies": 1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = call(&alice, Method::POST, &format!("{path}/cordon"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "cordon is for nodes: {body}");
    let (status, _) = call(
        &alice,
        Method::POST,
        &format!("{}/scale", base(&ns.name, "deployments", "absent")),
        Some(json!({"replicas": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "scaling a missing object does not create it");
}

#[tokio::test]
async fn restart_and_labels_claim_only_their_fields() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "restart");
    ns.grant("alice", "edit");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&deployment_yaml(&ns.name, "web", "nginx:1.27")));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = base(&ns.name, "deployments", "web");
    let deploy = ["get", "deployment", "web", "-n", ns.name.as_str()];

    let (status, body) = call(&alice, Method::POST, &format!("{path}/restart"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stamp =
        jsonpath(&alpha, &deploy, "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}");
    assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "restartedAt is a timestamp: {stamp:?}");
    assert_eq!(
        fields_of(&alpha, &deploy, "periscope-restart"),
        json!({"f:spec": {"f:template": {"f:metadata": {"f:annotations": {"f:kubectl.kubernetes.io/restartedAt": {}}}}}})
    );
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.replicas}"), "1");

    let (status, body) =
        call(&alice, Method::PUT, &format!("{path}/labels"), Some(json!({"labels": {"tier": "frontend"}}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jsonpath(&alpha, &deploy, "{.metadata.labels.tier}"), "frontend");
    assert_eq!(jsonpath(&alpha, &deploy, "{.metadata.labels.app}"), "web", "labels others manage stay");
    assert_eq!(fields_of(&alpha, &deploy, "periscope-labels"), json!({"f:metadata": {"f:labels": {"f:tier": {}}}}));
    let (status, _) = call(&alice, Method::PUT, &format!("{path}/labels"), Some(json!({"labels": {}}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jsonpath(&alpha, &deploy, "{.metadata.labels.tier}"), "", "a label Periscope managed is removed");
    assert_eq!(jsonpath(&alpha, &deploy, "{.metadata.labels.app}"), "web");
    let (status, _) = call(&alice, Method::POST, &format!("{path}/labels"), Some(json!({"labels": {}}))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    for verb in ["restart", "labels"] {
        let rows = audit_outcomes(&alice, verb).await;
        assert!(rows.iter().any(|r| r["outcome"] == "success"), "{verb}: {rows:?}");
    }
}

#[tokio::test]
async fn cronjobs_suspend_resume_and_trigger_a_job() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "cron");
    ns.grant("alice", "edit");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&cronjob_yaml(&ns.name, "nightly")));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = base(&ns.name, "cronjobs", "nightly");
    let cron = ["get", "cronjob", "nightly", "-n", ns.name.as_str()];

    let (status, body) = call(&alice, Method::POST, &format!("{path}/suspend"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jsonpath(&alpha, &cron, "{.spec.suspend}"), "true");
    assert_eq!(fields_of(&alpha, &cron, "periscope-suspend"), json!({"f:spec": {"f:suspend": {}}}));
    let (status, _) = call(&alice, Method::POST, &format!("{path}/resume"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jsonpath(&alpha, &cron, "{.spec.suspend}"), "false");
    assert_eq!(jsonpath(&alpha, &cron, "{.spec.schedule}"), "0 0 1 1 *");

    let (status, body) = call(&alice, Method::POST, &format!("{path}/trigger"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let job_name = body["jobName"].as_str().expect("jobName").to_string();
    assert!(job_name.starts_with("nightly-manual-"), "{job_name}");
    let job: Value = serde_json::from_str(&alpha.kubectl(&["get", "job", &job_name, "-n", &ns.name, "-o", "json"]))
        .expect("job json");
    let cron_uid = jsonpath(&alpha, &cron, "{.metadata.uid}");
    assert_eq!(job["metadata"]["ownerReferences"][0]["uid"], cron_uid.as_str());
    assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"], "manual");
    assert_eq!(job["metadata"]["labels"]["origin"], "nightly");
    assert_eq!(job["spec"]["template"]["spec"]["containers"][0]["image"], "registry.invalid/job");
    let rows = audit_outcomes(&alice, "trigger").await;
    assert!(rows.iter().any(|r| r["outcome"] == "success" && r["resource"]["name"] == "nightly"), "{rows:?}");

    let (status, _) =
        call(&alice, Method::POST, &format!("{}/trigger", base(&ns.name, "deployments", "nightly")), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "only cronjobs can be triggered");
}

#[tokio::test]
async fn nodes_cordon_and_uncordon() {
    let alpha = cluster("alpha");
    let name = format!("t-node-{}", random_suffix());
    let node = format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  annotations: {{kwok.x-k8s.io/node: fake}}\n  labels: {{type: kwok-test}}\nspec:\n  taints:\n    - {{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}}\n"
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&node));
    let admin = dev_server(&alpha, "dave", &["sre"], &[]);
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = format!("/api/clusters/alpha/resources/core/v1/nodes/{name}");
    let get = ["get", "node", name.as_str()];

    let (status, body) = call(&admin, Method::POST, &format!("{path}/cordon"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jsonpath(&alpha, &get, "{.spec.unschedulable}"), "true");
    assert_eq!(fields_of(&alpha, &get, "periscope-cordon"), json!({"f:spec": {"f:unschedulable": {}}}));
    let (status, _) = call(&alice, Method::POST, &format!("{path}/uncordon"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(audit_outcomes(&alice, "uncordon").await.iter().any(|r| r["outcome"] == "denied"));
    let (status, _) = call(&admin, Method::POST, &format!("{path}/uncordon"), None).await;
    assert_eq!(status, StatusCode::OK);
    // `false` is the default, which the apiserver stores as an absent field.
    let unschedulable = jsonpath(&alpha, &get, "{.spec.unschedulable}");
    assert!(unschedulable.is_empty() || unschedulable == "false", "{unschedulable:?}");
    assert_eq!(jsonpath(&alpha, &get, "{.spec.taints[0].key}"), "kwok.x-k8s.io/node", "other fields stay");
    let (status, _) = call(&admin, Method::GET, &format!("{path}/cordon"), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    alpha.kubectl(&["delete", "node", &name, "--wait=false"]);
}

/// Polls `…/revisions` until `n` revisions exist (the controller-manager writes them).
async fn wait_for_revisions(server: &Server, path: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = call(server, Method::GET, &format!("{path}/revisions"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n || Instant::now() > deadline {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn image_of(template: &Value) -> &str {
    template["spec"]["containers"][0]["image"].as_str().unwrap_or("")
}

#[tokio::test]
async fn deployment_rollback_restores_the_old_template() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "rollback");
    ns.grant("alice", "edit");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&deployment_yaml(&ns.name, "web", "nginx:1.26")));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = base(&ns.name, "deployments", "web");
    wait_for_revisions(&alice, &path, 1).await;
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&deployment_yaml(&ns.name, "web", "nginx:1.27")));
    let revisions = wait_for_revisions(&alice, &path, 2).await;
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    assert_eq!(revisions[0]["revision"], 2, "newest first");
    assert_eq!(image_of(&revisions[0]["template"]), "nginx:1.27");
    assert_eq!(image_of(&revisions[1]["template"]), "nginx:1.26");
    assert!(revisions[1]["template"]["metadata"]["labels"].get("pod-template-hash").is_none());

    let (status, body) = call(&alice, Method::POST, &format!("{path}/rollback"), Some(json!({"revision": 99}))).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::NOT_FOUND, json!("E_NOT_FOUND")), "{body}");
    let (status, body) = call(&alice, Method::POST, &format!("{path}/rollback"), Some(json!({"revision": 1}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deploy = ["get", "deployment", "web", "-n", ns.name.as_str()];
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.template.spec.containers[0].image}"), "nginx:1.26");
    assert_eq!(jsonpath(&alpha, &deploy, "{.spec.template.metadata.labels.app}"), "web");
    let rows = audit_outcomes(&alice, "rollback").await;
    assert!(rows.iter().any(|r| r["outcome"] == "success"), "{rows:?}");
    assert!(rows.iter().any(|r| r["outcome"] == "failure"), "the unknown revision is recorded: {rows:?}");
}

#[tokio::test]
async fn statefulset_rollback_uses_controller_revisions() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "stsroll");
    ns.grant("alice", "edit");
    let sts = |image: &str| {
        deployment_yaml(&ns.name, "db", image)
            .replace("kind: Deployment", "kind: StatefulSet")
            .replace("spec:\n  replicas: 1\n", "spec:\n  serviceName: db\n  replicas: 1\n")
    };
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&sts("redis:7.0")));
    let alice = dev_server(&alpha, "alice", &[], &[]);
    let path = base(&ns.name, "statefulsets", "db");
    wait_for_revisions(&alice, &path, 1).await;
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&sts("redis:7.2")));
    let revisions = wait_for_revisions(&alice, &path, 2).await;
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    let old = revisions.iter().find(|r| image_of(&r["template"]) == "redis:7.0").expect("old revision listed");
    let (status, body) =
        call(&alice, Method::POST, &format!("{path}/rollback"), Some(json!({"revision": old["revision"]}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let image =
        jsonpath(&alpha, &["get", "statefulset", "db", "-n", &ns.name], "{.spec.template.spec.containers[0].image}");
    assert_eq!(image, "redis:7.0");
}
