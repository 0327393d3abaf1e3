//! "Apply YAML" and the lists' bulk YAML download in Debian's Chromium against the real control
//! plane (driven by testenv/browser/applyyaml.mjs; dev mode, so no sign-in). The user's rights
//! come from a Role of the test's own namespace: ConfigMaps may be written, Services and
//! Secrets only read.

mod common;

use common::*;
use periscope_testkit::{Server, TestCluster, TestNamespace, cluster};
use serde_json::Value;

/// Runs one applyyaml.mjs scenario against `server`; panics with the driver's report on failure.
async fn drive(server: &Server, scenario: &str, args: &[&str]) -> Value {
    drive_script("applyyaml", server, scenario, args).await
}

/// `user` may write ConfigMaps in `ns` and only read Services and Secrets there.
fn configmap_writer(cluster: &TestCluster, ns: &str, user: &str) {
    let manifest = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: cm-writer, namespace: {ns}}}\nrules:\n\
         - {{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list, watch, create, patch, update]}}\n\
         - {{apiGroups: [\"\"], resources: [services, secrets], verbs: [get, list, watch]}}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: cm-writer, namespace: {ns}}}\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-writer}}\n\
         subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]\n"
    );
    cluster.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write yaml");
    path.to_string_lossy().into_owned()
}

/// The audit rows of `verb` in namespace `ns`, as `user` reads them.
async fn trail(server: &Server, verb: &str, ns: &str) -> Vec<Value> {
    let (status, body) = server.get_json(&format!("/api/audit?verb={verb}&namespace={ns}&limit=500")).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

fn strs<'a>(rows: &'a Value, key: &str) -> Vec<&'a str> {
    rows.as_array().map(|a| a.iter().map(|r| r[key].as_str().unwrap_or("")).collect()).unwrap_or_default()
}

#[tokio::test]
async fn apply_yaml_applies_what_rbac_allows_refuses_the_rest_and_shows_each() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "apply-web");
    configmap_writer(&alpha, &ns.name, "erin");
    // One of the two ConfigMaps exists already (a key of kubectl's, which the apply leaves
    // alone): that one is a patch, the other a create.
    alpha.kubectl(&["-n", &ns.name, "create", "configmap", "second", "--from-literal=theirs=kept"]);
    let server = tier_server(&alpha, "erin", &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  k: one\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\n  namespace: {ns}\ndata:\n  k: new\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  name: third\nspec:\n  ports: [{{port: 80}}]\n",
        ns = ns.name
    );
    let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: twice}\n";
    let path = format!("/clusters/alpha/r/core/v1/configmaps?namespace={}", ns.name);
    let r = drive(
        &server,
        "apply",
        &[
            "--path",
            &path,
            "--yaml",
            &write(dir.path(), "three.yaml", &yaml),
            "--broken",
            &write(dir.path(), "broken.yaml", broken),
        ],
    )
    .await;

    assert_eq!(r["namespaceDefault"], ns.name.as_str(), "documents without a namespace go to the list's: {r}");
    assert_eq!(strs(&r["broken"]["rows"], "state"), vec!["ready", "invalid"], "{r}");
    let problem = r["broken"]["rows"][1]["problem"].as_str().unwrap_or_default();
    assert!(problem.starts_with("line 7:") && problem.contains("unique"), "the parse error names its line: {r}");
    assert_eq!(r["broken"]["applyEnabled"], false, "nothing is sent while a document is broken: {r}");

    assert_eq!(strs(&r["checked"], "name"), vec!["first", "second", "third"], "{r}");
    assert_eq!(
        strs(&r["checked"], "state"),
        vec!["ready", "ready", "denied"],
        "can-i: create/patch ConfigMaps, not Services: {r}"
    );
    assert!(r["checked"][0]["text"].as_str().is_some_and(|t| t.contains("new → create")), "{r}");
    assert!(r["checked"][1]["text"].as_str().is_some_and(|t| t.contains("exists → patch")), "{r}");
    let diff: Vec<&str> = r["diff"].as_array().expect("diff").iter().filter_map(Value::as_str).collect();
    assert!(
        diff.contains(&"+  k: one") && diff.iter().all(|l| !l.starts_with('-')),
        "a new object's diff is all additions: {r}"
    );
    assert_eq!(r["applyLabel"], "Apply 3 documents", "{r}");

    assert_eq!(strs(&r["applied"], "state"), vec!["applied", "applied", "refused"], "{r}");
    assert_eq!(strs(&r["applied"], "badge"), vec!["created", "applied", "refused"], "{r}");
    assert!(
        r["applied"][2]["result"].as_str().is_some_and(|t| t.contains("403") && t.contains("forbidden")),
        "the server's refusal is shown: {r}"
    );
    assert_eq!(r["summary"], "2 applied, 1 refused of 3.", "{r}");

    let get = |name: &str| alpha.kubectl(&["-n", &ns.name, "get", "configmap", name, "-o", "jsonpath={.data.k}"]);
    assert_eq!((get("first"), get("second")), ("one".to_string(), "new".to_string()));
    let theirs = alpha.kubectl(&["-n", &ns.name, "get", "configmap", "second", "-o", "jsonpath={.data.theirs}"]);
    assert_eq!(theirs, "kept", "a field the document does not name stays");
    let services = alpha.kubectl(&["-n", &ns.name, "get", "services", "-o", "name"]);
    assert!(!services.contains("third"), "the refused document changed nothing: {services}");

    // One apply per document (dry runs are rows of their own, marked dryRun).
    let rows = trail(&server, "apply", &ns.name).await;
    let applies: Vec<&Value> =
        rows.iter().filter(|r| r["phase"] == "intent" && r["extra"]["dryRun"] == false).collect();
    assert_eq!(applies.len(), 3, "{rows:?}");
    let outcome = |name: &str| {
        let intent =
            applies.iter().find(|r| r["resource"]["name"] == name).unwrap_or_else(|| panic!("{name}: {rows:?}"));
        let done = rows
            .iter()
            .find(|r| r["phase"] == "outcome" && r["requestId"] == intent["requestId"])
            .expect("outcome row");
        done["outcome"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(
        (outcome("first"), outcome("second"), outcome("third")),
        ("success".into(), "success".into(), "denied".into())
    );
}

#[tokio::test]
async fn a_conflict_with_another_manager_is_shown_and_forced_per_document() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "apply-conflict-web");
    configmap_writer(&alpha, &ns.name, "erin");
    let doc = |value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: {}\ndata:\n  k: {value}\n",
            ns.name
        )
    };
    alpha.kubectl_stdin(&["apply", "--server-side", "--field-manager=gitops-sim", "-f", "-"], Some(&doc("theirs")));
    let server = tier_server(&alpha, "erin", &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = format!("/clusters/alpha/r/core/v1/configmaps?namespace={}", ns.name);
    let r =
        drive(&server, "conflict", &["--path", &path, "--yaml", &write(dir.path(), "mine.yaml", &doc("mine"))]).await;

    assert_eq!(strs(&r["checked"], "state"), vec!["dry-run-failed"], "the dry run already meets the conflict: {r}");
    assert_eq!(strs(&r["refused"], "state"), vec!["conflict"], "{r}");
    let conflicts: Vec<&str> = r["conflicts"].as_array().expect("conflicts").iter().filter_map(Value::as_str).collect();
    assert!(conflicts.iter().any(|c| c.contains(".data.k") && c.contains("gitops-sim")), "field and manager: {r}");
    assert_eq!(strs(&r["forced"], "badge"), vec!["applied (forced)"], "{r}");
    let value = alpha.kubectl(&["-n", &ns.name, "get", "configmap", "shared", "-o", "jsonpath={.data.k}"]);
    assert_eq!(value, "mine");

    let rows = trail(&server, "apply", &ns.name).await;
    let real: Vec<&Value> = rows.iter().filter(|r| r["phase"] == "intent" && r["extra"]["dryRun"] == false).collect();
    assert_eq!(real.len(), 2, "the refused apply and the forced one: {rows:?}");
    assert_eq!(real.iter().filter(|r| r["extra"]["force"] == true).count(), 1, "{rows:?}");
}

#[tokio::test]
async fn bulk_download_of_twenty_configmaps_is_one_file_and_one_audit_row() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "bulk-web");
    configmap_writer(&alpha, &ns.name, "erin");
    let manifest: String = (0..20)
        .map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bulk-{i:02}, namespace: {}}}\ndata: {{n: \"{i}\"}}\n---\n", ns.name))
        .collect();
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&manifest));
    let server = tier_server(&alpha, "erin", &[]);
    let path = format!("/clusters/alpha/r/core/v1/configmaps?namespace={}&q=bulk-", ns.name);
    let r = drive(&server, "bulk", &["--path", &path]).await;

    assert_eq!(r["selected"], 20, "{r}");
    assert_eq!(r["strip"], true, "stripping server fields is the default: {r}");
    assert_eq!(r["file"]["filename"], "configmaps-20.yaml", "{r}");
    let text = r["file"]["text"].as_str().unwrap_or_default();
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("the file is YAML");
    let mut names: Vec<String> = docs
        .iter()
        .filter(|d| !d.is_null())
        .map(|d| d["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    names.sort();
    assert_eq!(names, (0..20).map(|i| format!("bulk-{i:02}")).collect::<Vec<_>>(), "{text}");
    for field in ["managedFields", "resourceVersion", "uid:", "creationTimestamp"] {
        assert!(!text.contains(field), "{field} is stripped: {text}");
    }
    assert!(!text.contains("# FAILED"), "{text}");
    assert!(r["done"].as_str().is_some_and(|d| d.contains("configmaps-20.yaml")), "{r}");

    let rows = trail(&server, "bulk_download", &ns.name).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["outcome"], "success");
    assert_eq!(rows[0]["extra"]["count"], 20);
    assert_eq!(rows[0]["extra"]["reveal"], false);
}

#[tokio::test]
async fn a_secret_is_downloaded_only_after_the_reveal_confirmation_and_audited_as_one() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "bulk-secret-web");
    configmap_writer(&alpha, &ns.name, "erin");
    alpha.kubectl(&["-n", &ns.name, "create", "secret", "generic", "creds", "--from-literal=password=hunter22"]);
    let server = tier_server(&alpha, "erin", &[]);
    let path = format!("/clusters/alpha/r/core/v1/secrets?namespace={}&q=creds", ns.name);
    let r = drive(&server, "secret", &["--path", &path]).await;

    assert_eq!(r["title"], "Reveal and download 1 Secret?", "{r}");
    assert!(r["warning"].as_str().is_some_and(|w| w.contains("values")), "{r}");
    assert_eq!(r["readBeforeConfirm"], 0, "no Secret is read before the confirmation: {r}");
    assert_eq!(r["readAfter"], 1, "{r}");
    assert_eq!(r["file"]["filename"], "secrets-1.yaml", "{r}");
    let text = r["file"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("aHVudGVyMjI="), "the file holds the value (base64): {text}");

    let reveals = trail(&server, "secret_reveal", &ns.name).await;
    let intent = reveals
        .iter()
        .find(|r| r["phase"] == "intent" && r["extra"]["via"] == "yaml" && r["resource"]["name"] == "creds")
        .unwrap_or_else(|| panic!("the read is a reveal: {reveals:?}"));
    assert!(reveals.iter().any(|r| r["requestId"] == intent["requestId"] && r["outcome"] == "success"), "{reveals:?}");
    let rows = trail(&server, "bulk_download", &ns.name).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["extra"]["reveal"], true, "{rows:?}");
    assert_eq!(rows[0]["extra"]["ids"], serde_json::json!([format!("{}/creds", ns.name)]));
}
