//! The YAML editor in Debian's Chromium against the real control plane (driven by
//! testenv/browser/editor.mjs; dev mode, so no sign-in). Edits are typed through Monaco's own
//! find/replace; what reached the cluster is read back with kubectl, ownership from
//! `managedFields`.

mod common;

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster};
use serde_json::{Value, json};

/// Runs one editor.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    drive_script("editor", server, scenario, args).await
}

/// The object as kubectl sees it, managedFields included.
fn get(cluster: &TestCluster, ns: &str, kind: &str, name: &str) -> Value {
    let text = cluster.kubectl(&["-n", ns, "get", kind, name, "-o", "json", "--show-managed-fields"]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("kubectl get {kind}/{name}: {e}: {text}"))
}

/// The `fieldsV1` of `manager`'s Apply entry (Null when it owns nothing).
fn owned_by(object: &Value, manager: &str) -> Value {
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["manager"] == manager && e["operation"] == "Apply"))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

fn edits(list: Value) -> String {
    list.to_string()
}

fn page(kind_path: &str, ns: &str, name: &str) -> String {
    format!("/clusters/alpha/r/{kind_path}/{ns}/{name}")
}

const KWOK_TEMPLATE: &str = "      nodeSelector: {type: kwok}\n      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n";

#[tokio::test]
async fn editing_a_configmap_and_a_deployment_applies_only_the_changed_fields() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "editor-apply");
    // The editor adds a key to the ConfigMap (kubectl-create owns the others) and sets the
    // Deployment's replicas, which nobody owns: neither conflicts (changing another manager's
    // fields does: tested below).
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "settings", "--from-literal=a=1", "--from-literal=b=2"]);
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {}}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n{KWOK_TEMPLATE}      containers: [{{name: app, image: \"img-web\"}}]\n",
        ns.name
    );
    // Applied server-side (no replicas): a defaulted field has no owner then, while `create`
    // would have given kubectl-create the defaults too.
    alpha.kubectl_stdin(&["apply", "--server-side", "--field-manager=seed", "-f", "-"], Some(&manifest));

    let r = drive(
        &server,
        "apply",
        &[
            "--path",
            &page("core/v1/configmaps", &ns.name, "settings"),
            "--edits",
            &edits(json!([["b: \"2\"", "b: \"2\"\\n  c: \"3\"", true]])),
        ],
    )
    .await;
    assert_eq!(r["opened"]["schema"], "ready", "the ConfigMap schema came from the cluster: {r}");
    assert_eq!(r["previewed"]["changed"], "true", "{r}");
    let body = r["previewed"]["apply"].as_str().unwrap_or_default();
    assert!(
        body.contains("c: \"3\"") && !body.contains("a: ") && !body.contains("b: "),
        "the preview sends only the new key: {body}"
    );
    assert_eq!(r["previewed"]["diffShown"], true, "the dry run's diff against live is shown: {r}");
    assert_eq!(r["applied"]["status"], "applied", "{r}");
    let cm = get(&alpha, &ns.name, "configmap", "settings");
    assert_eq!(cm["data"], json!({"a": "1", "b": "2", "c": "3"}), "kubectl sees the change: {cm}");
    assert_eq!(owned_by(&cm, "periscope"), json!({"f:data": {"f:c": {}}}), "the editor owns only data.c: {cm}");

    let r = drive(
        &server,
        "apply",
        &[
            "--path",
            &page("apps/v1/deployments", &ns.name, "web"),
            "--edits",
            &edits(json!([["replicas: 1", "replicas: 3"]])),
        ],
    )
    .await;
    assert_eq!(r["applied"]["status"], "applied", "{r}");
    let web = get(&alpha, &ns.name, "deployment", "web");
    assert_eq!(web["spec"]["replicas"], 3, "kubectl sees the change: {web}");
    assert_eq!(
        owned_by(&web, "periscope"),
        json!({"f:spec": {"f:replicas": {}}}),
        "the editor owns only replicas: {web}"
    );
    assert_eq!(web["spec"]["template"]["spec"]["containers"][0]["image"], "img-web");
}

/// A Deployment whose labels, replicas and containers `gitops-sim` owns (server-side apply).
fn gitops_deployment(alpha: &TestCluster, ns: &str) {
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  namespace: {ns}\n  labels: {{app: shop, team: core, old: \"yes\"}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: shop}}}}\n  template:\n    metadata: {{labels: {{app: shop}}}}\n    spec:\n{KWOK_TEMPLATE}      containers:\n      - {{name: app, image: img-app}}\n      - {{name: side, image: img-side}}\n"
    );
    alpha.kubectl_stdin(&["apply", "--server-side", "--field-manager=gitops-sim", "-f", "-"], Some(&manifest));
}

#[tokio::test]
async fn a_gitops_owned_field_shows_the_conflict_and_is_taken_over_only_after_typing_the_name() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "editor-conflict");
    gitops_deployment(&alpha, &ns.name);

    let r = drive(
        &server,
        "conflict",
        &[
            "--path",
            &page("apps/v1/deployments", &ns.name, "shop"),
            "--edits",
            &edits(json!([["replicas: 1", "replicas: 4"]])),
            "--name",
            "shop",
        ],
    )
    .await;
    let owners: Vec<&str> =
        r["opened"]["owners"].as_array().map(|o| o.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert!(owners.contains(&"owner-gitops"), "gitops-sim's fields carry its glyph: {r}");
    assert_eq!(r["refused"]["status"], "error", "{r}");
    let conflicts = r["conflicts"].as_array().expect("conflicts");
    assert!(
        conflicts
            .iter()
            .any(|c| c["field"] == ".spec.replicas" && c["manager"] == "gitops-sim" && c["class"] == "gitops"),
        "the conflict names the field, gitops-sim and its class: {r}"
    );
    assert_eq!(r["forceBeforeName"], false, "force waits for the object's name: {r}");

    let shop = get(&alpha, &ns.name, "deployment", "shop");
    assert_eq!(shop["spec"]["replicas"], 4, "forced: {shop}");
    assert_eq!(owned_by(&shop, "periscope"), json!({"f:spec": {"f:replicas": {}}}), "{shop}");
    let gitops = owned_by(&shop, "gitops-sim");
    assert!(gitops["f:spec"].get("f:replicas").is_none(), "replicas moved to the editor: {gitops}");
    assert!(gitops["f:metadata"]["f:labels"].get("f:team").is_some(), "untouched fields stay gitops-sim's: {gitops}");
    assert!(gitops["f:spec"]["f:template"].is_object(), "{gitops}");
}

#[tokio::test]
async fn removing_a_label_and_a_list_item_removes_exactly_those() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "editor-remove");
    gitops_deployment(&alpha, &ns.name);

    // The label's line, and the `side` container's lines (its item line and the lines under it).
    let r = drive(
        &server,
        "apply",
        &[
            "--path",
            &page("apps/v1/deployments", &ns.name, "shop"),
            "--edits",
            &edits(json!([["\\n +old: \"yes\"", "", true], ["\\n {6}- image: img-side(\\n {8}\\S.*)*", "", true]])),
        ],
    )
    .await;
    let mut removed: Vec<&str> =
        r["previewed"]["remove"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    removed.sort();
    assert_eq!(
        removed,
        vec!["metadata.labels.old", "spec.template.spec.containers[name=side]"],
        "the preview lists the removals: {r}"
    );
    assert_eq!(r["applied"]["status"], "applied", "{r}");
    let shop = get(&alpha, &ns.name, "deployment", "shop");
    assert_eq!(shop["metadata"]["labels"], json!({"app": "shop", "team": "core"}), "{shop}");
    let containers: Vec<&str> = shop["spec"]["template"]["spec"]["containers"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(containers, vec!["app"], "{shop}");
    assert_eq!(shop["spec"]["replicas"], 1, "nothing else changed: {shop}");
}

#[tokio::test]
async fn a_change_by_someone_else_while_editing_shows_the_drift_banner_a_three_way_view_and_guards_the_edit() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "editor-drift");
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "shared", "--from-literal=a=1", "--from-literal=b=2"]);

    let kubectl = alpha.kubectl_binary();
    let kubeconfig = alpha.admin_kubeconfig();
    let drift =
        json!(["-n", ns.name, "patch", "configmap", "shared", "--type=merge", "-p", r#"{"data":{"b":"theirs"}}"#]);
    let r = drive(
        &server,
        "drift",
        &[
            "--path",
            &page("core/v1/configmaps", &ns.name, "shared"),
            "--edits",
            &edits(json!([["a: \"1\"", "a: \"mine\""]])),
            "--kubectl",
            &kubectl.to_string_lossy(),
            "--kubeconfig",
            &kubeconfig.to_string_lossy(),
            "--drift",
            &drift.to_string(),
        ],
    )
    .await;
    let banner = r["banner"].as_str().unwrap_or_default();
    assert!(banner.contains(".data.b"), "the banner names what they changed: {r}");
    let three = &r["threeWay"];
    let has = |col: &str, text: &str| three[col].as_str().is_some_and(|t| t.contains(text));
    assert!(has("opened", "b: \"2\"") && has("opened", "a: \"1\""), "as opened: {three}");
    assert!(has("theirs", "b: theirs") && has("theirs", "a: \"1\""), "theirs: {three}");
    assert!(has("mine", "a: \"mine\"") && has("mine", "b: \"2\""), "mine: {three}");
    assert_eq!(r["kept"]["dirty"], "true", "Esc asked, and keeping kept the edit: {r}");
    assert_eq!(r["afterBack"]["dirty"], "true", "Back asked, and keeping kept the editor open: {r}");
    assert!(r["afterBack"]["url"].as_str().is_some_and(|u| u.ends_with("/shared")), "still on the object's page: {r}");
    assert_eq!(r["unload"], "beforeunload", "leaving the page with changes asks the browser's question: {r}");
    assert_eq!(r["stayed"], true, "{r}");
}

#[tokio::test]
async fn a_widget_with_a_wrong_field_type_shows_a_schema_marker_and_the_servers_422() {
    let alpha = cluster("alpha");
    let server = tier_server(&alpha, "dana", &["sre"]);
    let ns = TestNamespace::new(&alpha, "editor-widget");
    let manifest = format!(
        "apiVersion: periscope.dev/v1\nkind: Widget\nmetadata: {{name: gear, namespace: {}}}\nspec: {{color: red, size: 3}}\n",
        ns.name
    );
    // Applied server-side (no replicas): a defaulted field has no owner then, while `create`
    // would have given kubectl-create the defaults too.
    alpha.kubectl_stdin(&["apply", "--server-side", "--field-manager=seed", "-f", "-"], Some(&manifest));

    let r = drive(
        &server,
        "invalid",
        &[
            "--path",
            &page("periscope.dev/v1/widgets", &ns.name, "gear"),
            "--edits",
            &edits(json!([["size: 3", "size: big"]])),
        ],
    )
    .await;
    assert_eq!(r["opened"]["schema"], "ready", "the CRD's schema came from the cluster: {r}");
    let problems: Vec<&str> =
        r["problems"].as_array().map(|p| p.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert!(problems.iter().any(|p| p.contains("integer")), "a schema marker on size: {r}");
    assert_eq!(r["error"]["code"], "E_INVALID", "the server's 422: {r}");
    assert_eq!(get(&alpha, &ns.name, "widgets.periscope.dev", "gear")["spec"]["size"], 3, "nothing applied");
}
