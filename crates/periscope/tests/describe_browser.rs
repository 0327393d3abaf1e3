//! The describe view of each built-in kind in Debian's Chromium (driven by
//! testenv/browser/describe.mjs; dev mode, so no sign-in) against a real server and a real
//! cluster: for objects this test seeds in its own namespaces, every kind's page shows what
//! `kubectl describe` shows and what an operator looks for first, with cross-links. A
//! crash-looping pod shows its last termination reason and restarts, a Service without endpoints
//! says so, a Role's rules table matches `kubectl describe role`, a rollout blocked by a quota
//! explains itself.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use periscope_testkit::{TestCluster, TestNamespace, cluster, podlogs::kwok_placement, random_suffix};
use serde_json::Value;

/// Cluster-scoped objects this test creates, deleted when it ends (they outlive the namespace).
struct ClusterScoped<'a> {
    cluster: &'a TestCluster,
    objects: Vec<String>,
}

impl Drop for ClusterScoped<'_> {
    fn drop(&mut self) {
        for o in &self.objects {
            let _ = std::process::Command::new(self.cluster.kubectl_binary())
                .arg("--kubeconfig")
                .arg(self.cluster.admin_kubeconfig())
                .args(["delete", o, "--wait=false", "--ignore-not-found"])
                .output();
        }
    }
}

/// Everything the describe pages are checked on: one object (or more) per kind.
fn seed(ns: &str, suffix: &str) -> String {
    let kwok = kwok_placement(2);
    let kwok_template = kwok_placement(6);
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: {ns}}}
data: {{mode: fast, "config.yaml": "a: 1\n"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {ns}}}
stringData: {{token: do-not-show-this-value}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: robot, namespace: {ns}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: reader, namespace: {ns}}}
rules:
  - apiGroups: ["", "apps"]
    resources: [pods, deployments]
    verbs: [get, list]
  - apiGroups: [""]
    resources: [pods]
    verbs: [watch]
  - apiGroups: [""]
    resources: [configmaps]
    resourceNames: [settings]
    verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: robot-reads, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}
subjects: [{{kind: ServiceAccount, name: robot, namespace: {ns}}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: crasher, namespace: {ns}, labels: {{app: crasher}}}}
spec:
{kwok}  serviceAccountName: robot
  containers:
    - name: app
      image: registry.example/app:1.2
      ports: [{{containerPort: 8080, name: http}}]
      livenessProbe: {{httpGet: {{path: /healthz, port: 8080}}, periodSeconds: 5}}
      resources: {{requests: {{cpu: 100m}}, limits: {{memory: 128Mi}}}}
      env:
        - {{name: MODE, valueFrom: {{configMapKeyRef: {{name: settings, key: mode}}}}}}
        - {{name: TOKEN, valueFrom: {{secretKeyRef: {{name: creds, key: token}}}}}}
      volumeMounts: [{{name: cfg, mountPath: /etc/app, readOnly: true}}]
    - name: sidecar
      image: registry.example/sidecar:2
  volumes:
    - {{name: cfg, configMap: {{name: settings}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
{kwok_template}      containers: [{{name: web, image: registry.example/web:1, ports: [{{containerPort: 80}}]}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: lonely, namespace: {ns}}}
spec:
  selector: {{app: nobody-has-this-label}}
  ports: [{{port: 8080}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: shop, namespace: {ns}}}
spec:
  rules:
    - host: shop.example
      http:
        paths:
          - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{name: http}}}}}}}}
          - {{path: /ghost, pathType: Prefix, backend: {{service: {{name: ghost, port: {{number: 80}}}}}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: {ns}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 1
  maxReplicas: 4
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web, namespace: {ns}}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: web}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: frontend-only, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Ingress]
  ingress:
    - from: [{{podSelector: {{matchLabels: {{role: frontend}}}}}}]
      ports: [{{port: 80, protocol: TCP}}]
---
apiVersion: v1
kind: LimitRange
metadata: {{name: defaults, namespace: {ns}}}
spec:
  limits: [{{type: Container, default: {{cpu: 500m}}, defaultRequest: {{cpu: 100m}}, max: {{cpu: "2"}}}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly, namespace: {ns}}}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: job, image: registry.example/job:1}}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: describe-{suffix}}}
provisioner: example.com/none
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: describe-{suffix}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: describe-{suffix}
  hostPath: {{path: /tmp/describe-{suffix}}}
  claimRef: {{namespace: {ns}, name: data}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: describe-{suffix}
  volumeName: describe-{suffix}
  resources: {{requests: {{storage: 1Gi}}}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: describe-{suffix}}}
value: 1000
description: describe test
"#
    )
}

/// A Deployment of 3 that a quota of 1 pod blocks, in its own namespace.
fn blocked(ns: &str) -> String {
    let kwok_template = kwok_placement(6);
    format!(
        r#"apiVersion: v1
kind: ResourceQuota
metadata: {{name: small, namespace: {ns}}}
spec:
  hard: {{pods: "1", configmaps: "10"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: blocked, namespace: {ns}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: blocked}}}}
  template:
    metadata: {{labels: {{app: blocked}}}}
    spec:
{kwok_template}      containers: [{{name: app, image: registry.example/app:1}}]
"#
    )
}

/// The (resource, resource name) → verbs of `kubectl describe role`'s table.
fn kubectl_rules(text: &str) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut rules = BTreeMap::new();
    let list = |s: &str| -> Vec<String> {
        s.trim().trim_start_matches('[').trim_end_matches(']').split_whitespace().map(str::to_string).collect()
    };
    let mut in_table = false;
    for line in text.lines() {
        if line.trim_start().starts_with("---------") {
            in_table = true;
            continue;
        }
        if !in_table || line.trim().is_empty() {
            continue;
        }
        // Columns: Resources, Non-Resource URLs, Resource Names, Verbs (each list in brackets).
        let cols: Vec<&str> = line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        let [resource, _urls, names, verbs] = cols[..] else { panic!("a 4-column rule line: {line:?}") };
        let names = list(names);
        rules.insert((resource.to_string(), names.join(",")), list(verbs).into_iter().collect());
    }
    rules
}

fn view<'a>(views: &'a Value, path: &str) -> &'a Value {
    &views[path]
}

fn field<'a>(view: &'a Value, label: &str) -> &'a str {
    view["fields"][label].as_str().unwrap_or_else(|| panic!("no field {label:?} in {:#}", view["fields"]))
}

fn section<'a>(view: &'a Value, id: &str) -> &'a str {
    view["text"][id].as_str().unwrap_or_else(|| panic!("no section {id:?} in {:?}", view["sections"]))
}

fn links(view: &Value) -> Vec<&str> {
    view["links"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

fn wait_for(cluster: &TestCluster, ns: &str, what: &str, condition: &str) {
    cluster.kubectl(&["-n", ns, "wait", "--timeout=90s", &format!("--for={condition}"), what]);
}

#[tokio::test]
async fn each_kinds_describe_view_shows_what_kubectl_describe_does_with_cross_links() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "describe");
    let quota_ns = TestNamespace::new(&alpha, "describe-quota");
    let suffix = random_suffix();
    let _cleanup = ClusterScoped {
        cluster: &alpha,
        objects: ["storageclass", "persistentvolume", "priorityclass"]
            .iter()
            .map(|k| format!("{k}/describe-{suffix}"))
            .collect(),
    };
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&seed(&ns.name, &suffix)));
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&blocked(&quota_ns.name)));

    // The crash loop, as a kubelet reports one: kwok played the kubelet until the pod ran, then
    // the status says the app container exited with an error 5 times and now backs off.
    wait_for(&alpha, &ns.name, "pod/crasher", "condition=Ready");
    let status = serde_json::json!({"status": {"containerStatuses": [
        {"name": "app", "image": "registry.example/app:1.2", "imageID": "", "ready": false, "restartCount": 5, "started": false,
         "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container"}},
         "lastState": {"terminated": {"reason": "Error", "exitCode": 3, "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:05Z"}}},
        {"name": "sidecar", "image": "registry.example/sidecar:2", "imageID": "", "ready": true, "restartCount": 0, "started": true,
         "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
    ]}});
    alpha.kubectl(&[
        "-n",
        &ns.name,
        "patch",
        "pod",
        "crasher",
        "--subresource=status",
        "--type=merge",
        "-p",
        &status.to_string(),
    ]);
    wait_for(&alpha, &ns.name, "deployment/web", "condition=Available");
    wait_for(&alpha, &quota_ns.name, "deployment/blocked", "condition=ReplicaFailure");
    // The Service's EndpointSlice lists the web pod once it is ready.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while alpha
        .kubectl(&[
            "-n",
            &ns.name,
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=web",
            "-o",
            "jsonpath={.items[*].endpoints[*].addresses[*]}",
        ])
        .trim()
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "the web Service got no endpoint");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let web_pod =
        alpha.kubectl(&["-n", &ns.name, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"]);
    let described_role = alpha.kubectl(&["-n", &ns.name, "describe", "role", "reader"]);
    let node_name = alpha.kubectl(&["-n", &ns.name, "get", "pod", "crasher", "-o", "jsonpath={.spec.nodeName}"]);

    let server = tier_server(&alpha, "describe-admin", &["sre"]);
    let n = &ns.name;
    let q = &quota_ns.name;
    let page = |path: &str| format!("/clusters/alpha/r/{path}");
    let paths = [
        page(&format!("core/v1/pods/{n}/crasher")),
        page(&format!("apps/v1/deployments/{n}/web")),
        page(&format!("apps/v1/deployments/{q}/blocked")),
        page(&format!("core/v1/services/{n}/web")),
        page(&format!("core/v1/services/{n}/lonely")),
        page(&format!("networking.k8s.io/v1/ingresses/{n}/shop")),
        page(&format!("rbac.authorization.k8s.io/v1/roles/{n}/reader")),
        page(&format!("rbac.authorization.k8s.io/v1/rolebindings/{n}/robot-reads")),
        page(&format!("core/v1/serviceaccounts/{n}/robot")),
        page(&format!("core/v1/configmaps/{n}/settings")),
        page(&format!("core/v1/secrets/{n}/creds")),
        page(&format!("autoscaling/v2/horizontalpodautoscalers/{n}/web")),
        page(&format!("policy/v1/poddisruptionbudgets/{n}/web")),
        page(&format!("networking.k8s.io/v1/networkpolicies/{n}/frontend-only")),
        page(&format!("core/v1/limitranges/{n}/defaults")),
        page(&format!("core/v1/resourcequotas/{q}/small")),
        page(&format!("batch/v1/cronjobs/{n}/nightly")),
        page(&format!("core/v1/persistentvolumeclaims/{n}/data")),
        page(&format!("core/v1/persistentvolumes/_/describe-{suffix}")),
        page(&format!("storage.k8s.io/v1/storageclasses/_/describe-{suffix}")),
        page(&format!("scheduling.k8s.io/v1/priorityclasses/_/describe-{suffix}")),
        page(&format!("core/v1/nodes/_/{}", node_name.trim())),
    ];
    let json_paths = serde_json::to_string(&paths).expect("paths");
    let r = drive_script("describe", &server, "read", &["--paths", &json_paths]).await;
    let views = &r["views"];
    let v = |i: usize| view(views, &paths[i]);

    // A crash-looping pod: its container's state, last termination and restarts; env names
    // where a Secret's value comes from, never the value; links to what it reads.
    let pod = v(0);
    let app =
        pod["containers"].as_array().and_then(|c| c.iter().find(|c| c["name"] == "app")).expect("the app container");
    assert_eq!(app["restarts"], 5, "{app}");
    assert!(app["fields"]["State"].as_str().unwrap_or("").contains("CrashLoopBackOff"), "{app}");
    let last = app["fields"]["Last termination"].as_str().unwrap_or("");
    assert!(last.contains("Error") && last.contains("exit 3"), "{app}");
    assert!(app["fields"]["Liveness probe"].as_str().unwrap_or("").contains("http-get http://:8080/healthz"), "{app}");
    assert!(app["text"].as_str().unwrap_or("").contains("TOKEN: secret creds key token"), "{app}");
    assert!(!pod.to_string().contains("do-not-show-this-value"), "a Secret's value never shows: {pod}");
    assert_eq!(field(pod, "Service account"), "robot");
    for link in ["secrets/creds", "configmaps/settings", "serviceaccounts/robot"] {
        assert!(links(pod).contains(&link), "the pod page links {link}: {:?}", links(pod));
    }
    assert!(section(pod, "volumes").contains("cfg"), "{}", section(pod, "volumes"));

    // Workloads: the rollout, complete or stuck with the reason.
    assert_eq!(field(v(1), "Rollout"), "complete", "{}", v(1));
    assert_eq!(field(v(2), "Rollout"), "stuck", "{}", v(2));
    assert!(field(v(2), "Stuck").contains("exceeded quota"), "the quota is named: {}", field(v(2), "Stuck"));

    // Services: live endpoints, or a plain note that there are none.
    assert!(field(v(3), "Endpoints").starts_with("1 ready of 1"), "{}", v(3));
    assert!(links(v(3)).contains(&format!("pods/{}", web_pod.trim()).as_str()), "endpoint → pod: {:?}", links(v(3)));
    assert!(field(v(4), "No endpoints").contains("no ready pod matches"), "{}", v(4));

    // An Ingress: each backend resolves or says why not.
    let rules: BTreeMap<&str, &Value> = v(5)["rows"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| (r["key"].as_str().unwrap_or(""), &r["cells"]))
        .collect();
    assert_eq!(rules["shop.example/"][3], "Yes", "{rules:?}");
    assert_eq!(rules["shop.example/ghost"][3], "Service ghost does not exist", "{rules:?}");

    // RBAC: the rules table is kubectl's; the binding links its subject; the account its binding.
    let ours: BTreeMap<(String, String), BTreeSet<String>> = v(6)["rows"]["rules"]
        .as_array()
        .expect("rule rows")
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r["cells"].as_array().expect("cells").iter().filter_map(Value::as_str).collect();
            let name = if cells[2] == "—" { String::new() } else { cells[2].to_string() };
            ((cells[0].to_string(), name), cells[3].split(", ").map(str::to_string).collect())
        })
        .collect();
    assert_eq!(ours, kubectl_rules(&described_role), "kubectl describe role said:\n{described_role}");
    assert!(
        links(v(7)).contains(&"serviceaccounts/robot") && links(v(7)).contains(&"roles/reader"),
        "{:?}",
        links(v(7))
    );
    assert!(links(v(8)).contains(&"rolebindings/robot-reads"), "{}", v(8));

    // ConfigMap keys, Secret keys only.
    for key in ["config.yaml", "mode"] {
        assert!(section(v(9), "data").contains(key), "{}", section(v(9), "data"));
    }
    assert!(!v(10).to_string().contains("do-not-show-this-value"), "{}", v(10));

    // HPA, PDB, NetworkPolicy, LimitRange, quota bars, CronJob.
    assert_eq!(field(v(11), "Max replicas"), "4");
    assert!(section(v(11), "metrics").contains("70%"), "{}", section(v(11), "metrics"));
    assert_eq!(field(v(12), "Min available"), "1");
    assert!(
        v(12)["relatedPods"].as_array().is_some_and(|p| p.iter().any(|p| p["name"] == web_pod.trim())),
        "{}",
        v(12)
    );
    assert!(
        section(v(13), "ingress").contains("pods role=frontend") && section(v(13), "ingress").contains("80/TCP"),
        "{}",
        v(13)
    );
    assert!(
        v(14)["rows"]["limits"].as_array().is_some_and(|r| r.iter().any(|r| r["key"] == "Container/cpu")),
        "{}",
        v(14)
    );
    let quota: BTreeMap<&str, &Value> = v(15)["rows"]["quota"]
        .as_array()
        .expect("quota rows")
        .iter()
        .map(|r| (r["key"].as_str().unwrap_or(""), &r["cells"]))
        .collect();
    assert_eq!((quota["pods"][1].as_str(), quota["pods"][2].as_str()), (Some("1"), Some("1")), "{quota:?}");
    assert_eq!(quota["pods"][3], "100%", "{quota:?}");
    assert_eq!(field(v(16), "Schedule"), "0 3 * * *");

    // Storage: PVC → PV → StorageClass and back.
    assert!(links(v(17)).contains(&format!("persistentvolumes/describe-{suffix}").as_str()), "{:?}", links(v(17)));
    assert!(links(v(17)).contains(&format!("storageclasses/describe-{suffix}").as_str()), "{:?}", links(v(17)));
    assert!(links(v(18)).contains(&"persistentvolumeclaims/data"), "{:?}", links(v(18)));
    assert_eq!(field(v(19), "Binding mode"), "WaitForFirstConsumer");
    assert_eq!(field(v(20), "Value"), "1000");

    // The crasher's node: capacity, taints, and the pods on it (ours among them, all on it).
    let node = v(21);
    assert!(node["rows"]["resources"].as_array().is_some_and(|r| r.iter().any(|r| r["key"] == "cpu")), "{node}");
    assert!(section(node, "taints").contains("kwok.x-k8s.io/node=fake:NoSchedule"), "{}", section(node, "taints"));
    let on_node = node["relatedPods"].as_array().expect("pods on the node");
    assert!(
        !on_node.is_empty() && on_node.iter().all(|p| p["node"] == node_name.trim()),
        "only the node's pods: {on_node:?}"
    );
}

/// A CRD of this test's own group whose printer columns read the spec and the status. Its kind
/// and plural are this file's alone: kubectl resolves a bare `widget` across groups, so another
/// test's `kubectl get widget` would find this one (CI: editor_browser's did).
fn describable_crd(group: &str) -> String {
    format!(
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: describables.{group}}}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: describables, singular: describable, kind: Describable}}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
      additionalPrinterColumns:
        - {{name: Size, type: integer, jsonPath: .spec.size}}
        - {{name: Phase, type: string, jsonPath: .status.phase}}
"#
    )
}

#[tokio::test]
async fn a_custom_resources_describe_view_shows_its_crds_printer_columns_and_its_spec() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "describe-cr");
    let group = format!("describe-{}.example.test", random_suffix());
    let _cleanup = ClusterScoped { cluster: &alpha, objects: vec![format!("crd/describables.{group}")] };
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&describable_crd(&group)));
    wait_for(&alpha, &ns.name, &format!("crd/describables.{group}"), "condition=Established");
    let widget = format!(
        "apiVersion: {group}/v1\nkind: Describable\nmetadata: {{name: gizmo, namespace: {}}}\nspec: {{size: 3, colour: teal}}\nstatus: {{phase: Spinning}}\n",
        ns.name
    );
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&widget));

    let server = tier_server(&alpha, "describe-admin", &["sre"]);
    let path = format!("/clusters/alpha/r/{group}/v1/describables/{}/gizmo", ns.name);
    let paths = serde_json::to_string(&[&path]).expect("paths");
    let r = drive_script("describe", &server, "read", &["--paths", &paths]).await;
    let cr = view(&r["views"], &path);
    assert_eq!(field(cr, "Size"), "3", "the printer column the server evaluates for the list: {cr}");
    assert_eq!(field(cr, "Phase"), "Spinning", "{cr}");
    assert!(section(cr, "spec").contains("teal"), "the spec as a tree: {cr}");
}

#[tokio::test]
async fn the_split_layout_follows_j_keeps_the_list_live_and_remembers_its_width() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "split");
    alpha.kubectl_stdin(&["apply", "-f", "-"], Some(&format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: 3\n  \
         selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n{placement}      \
         containers: [{{name: web, image: registry.example/web:1}}]\n",
        n = ns.name,
        placement = kwok_placement(6)
    )));
    wait_for(&alpha, &ns.name, "deployment/web", "condition=Available");
    let server = tier_server(&alpha, "split-admin", &["sre"]);
    let list = format!("/clusters/alpha/r/core/v1/pods?namespace={}", ns.name);
    let kubectl = alpha.kubectl_binary().display().to_string();
    let kubeconfig = alpha.admin_kubeconfig().display().to_string();
    let r = drive_script(
        "describe",
        &server,
        "split",
        &[
            "--list",
            &list,
            "--kubectl",
            &kubectl,
            "--kubeconfig",
            &kubeconfig,
            "--namespace",
            &ns.name,
            "--name",
            "web",
            "--replicas",
            "5",
        ],
    )
    .await;
    let rows = r["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{r}");
    assert_eq!(r["panes"], r["rows"], "the pane followed each j to the highlighted row: {r}");
    assert_eq!(r["liveRows"].as_array().map(Vec::len), Some(5), "the list took in the new pods live: {r}");
    assert_eq!(r["paneKept"], true, "the pane kept its row while the list changed: {r}");
    assert_eq!(r["reloaded"], false, "{r}");
    let width = &r["width"];
    assert_eq!(
        width["resized"].as_i64(),
        width["before"].as_i64().map(|w| w + 80),
        "← twice widens the pane by 80 px: {r}"
    );
    assert_eq!(r["splitAfterReload"], true, "the split layout is remembered: {r}");
    assert_eq!(width["afterReload"], width["resized"], "and its width: {r}");
}
