//! The Helm charts in deploy/helm against the real helm and the real apiserver of cluster
//! alpha: lint and render the defaults and every example, every rendered object accepted by a
//! server-side dry run, the rendered configuration accepted by the server's own parser, the
//! schemas' and templates' refusals, the pods' hardening, and the tier RBAC installed and
//! checked against the chart README's tables (then removed).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use periscope_testkit::{TestCluster, TestNamespace, cluster, random_suffix, repo_root};
use serde_json::{Value, json};

/// The three installable charts, by directory under deploy/helm.
const SERVER: &str = "periscope";
const AGENT: &str = "periscope-agent";
const RBAC: &str = "periscope-cluster-rbac";

fn chart_dir(chart: &str) -> PathBuf {
    repo_root().join("deploy/helm").join(chart)
}

/// The example values files of `chart`, sorted.
fn examples(chart: &str) -> Vec<PathBuf> {
    let dir = chart_dir(chart).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    files
}

/// Runs helm (the one testenv built, beside kubectl) with a private home; `Err` carries its
/// output without the "found symbolic link" notes the sub-chart links cause.
fn helm(cluster: &TestCluster, args: &[&str]) -> Result<String, String> {
    let home = tempfile::tempdir().expect("helm home");
    let out = Command::new(cluster.kubectl_binary().with_file_name("helm"))
        .arg("--kubeconfig")
        .arg(cluster.admin_kubeconfig())
        .args(args)
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .output()
        .expect("helm runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let notes = stderr.lines().filter(|l| !l.contains("found symbolic link in path"));
    Err(format!("{}\n{stdout}", notes.collect::<Vec<_>>().join("\n")))
}

/// kubectl as the cluster admin; `Err` carries its output.
fn kubectl(cluster: &TestCluster, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    periscope_testkit::cluster::kubectl(&cluster.kubectl_binary(), &cluster.admin_kubeconfig(), args, stdin)
}

/// `helm <command…> <chart dir>` with values files and `--set`s.
fn helm_chart(
    cluster: &TestCluster,
    command: &[&str],
    chart: &str,
    values: &[&Path],
    sets: &[&str],
) -> Result<String, String> {
    let mut args: Vec<String> = command.iter().map(|a| a.to_string()).collect();
    args.push(chart_dir(chart).to_string_lossy().into_owned());
    for file in values {
        args.extend(["--values".into(), file.to_string_lossy().into_owned()]);
    }
    for set in sets {
        args.extend(["--set".into(), set.to_string()]);
    }
    helm(cluster, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `helm template` of `chart` as `release` in `namespace` with values files and `--set`s.
fn render(
    cluster: &TestCluster,
    chart: &str,
    release: &str,
    namespace: &str,
    values: &[&Path],
    sets: &[&str],
) -> Result<String, String> {
    helm_chart(cluster, &["template", release, "--namespace", namespace], chart, values, sets)
}

/// Every object of `manifest` through the apiserver's admission and strict field validation
/// without storing anything; the objects as the apiserver would store them.
fn dry_run(cluster: &TestCluster, namespace: &str, manifest: &str) -> Vec<Value> {
    let args = ["apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-", "-o", "json"];
    let out = kubectl(cluster, &args, Some(manifest))
        .unwrap_or_else(|e| panic!("the apiserver refused a rendered object: {e}\n--- manifest ---\n{manifest}"));
    let answer: Value = serde_json::from_str(&out).expect("kubectl prints JSON");
    match answer["kind"].as_str() {
        Some("List") => answer["items"].as_array().cloned().unwrap_or_default(),
        _ => vec![answer],
    }
}

/// Every object of `kind` in `objects`.
fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The one object of `kind`.
fn one<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found = of_kind(objects, kind);
    assert_eq!(found.len(), 1, "one {kind} expected, found {}", found.len());
    found[0]
}

/// The workspace version, which is every chart's appVersion (so the default image tag is the
/// release the chart ships with).
fn workspace_version() -> String {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("Cargo.toml");
    let line = text.lines().find(|l| l.starts_with("version = ")).expect("workspace version");
    line.trim_start_matches("version = ").trim_matches('"').to_string()
}

/// A CRD standing in for External Secrets Operator's `ExternalSecret` (external-secrets.io/v1),
/// with the fields the chart writes and no others, so strict validation still catches a typo.
const EXTERNAL_SECRET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: externalsecrets.external-secrets.io
  labels: {periscope.dev/test-stub: "true"}
spec:
  group: external-secrets.io
  scope: Namespaced
  names: {kind: ExternalSecret, listKind: ExternalSecretList, plural: externalsecrets, singular: externalsecret}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                refreshInterval: {type: string}
                secretStoreRef:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    kind: {type: string, enum: [SecretStore, ClusterSecretStore]}
                target:
                  type: object
                  properties:
                    name: {type: string}
                    creationPolicy: {type: string, enum: [Owner, Orphan, Merge, None]}
                data:
                  type: array
                  items:
                    type: object
                    required: [secretKey, remoteRef]
                    properties:
                      secretKey: {type: string}
                      remoteRef:
                        type: object
                        required: [key]
                        properties:
                          key: {type: string}
                          property: {type: string}
                          version: {type: string}
                          conversionStrategy: {type: string}
                          decodingStrategy: {type: string}
                          metadataPolicy: {type: string}
"#;

/// The stand-in CRD while any test of this process needs it: created unless the cluster has the
/// kind already, deleted when the last user is done if this process created it.
struct ExternalSecretCrd {
    cluster: TestCluster,
}

/// Users of the CRD in this process, and whether this process created it.
static CRD_USERS: std::sync::Mutex<(usize, bool)> = std::sync::Mutex::new((0, false));

impl ExternalSecretCrd {
    fn ensure(cluster: &TestCluster) -> ExternalSecretCrd {
        let k = |args: &[&str], stdin: Option<&str>| kubectl(cluster, args, stdin);
        let mut users = CRD_USERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if users.0 == 0 {
            users.1 = match k(&["create", "-f", "-"], Some(EXTERNAL_SECRET_CRD)) {
                Ok(_) => true,
                Err(e) if e.contains("AlreadyExists") => false,
                Err(e) => panic!("cannot create the ExternalSecret CRD: {e}"),
            };
        }
        users.0 += 1;
        let name = "crd/externalsecrets.external-secrets.io";
        k(&["wait", "--for=condition=Established", "--timeout=60s", name], None)
            .unwrap_or_else(|e| panic!("the ExternalSecret CRD is not established: {e}"));
        ExternalSecretCrd { cluster: cluster.clone() }
    }
}

impl Drop for ExternalSecretCrd {
    fn drop(&mut self) {
        let mut users = CRD_USERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        users.0 -= 1;
        if users.0 == 0 && users.1 {
            let args = ["delete", "crd", "externalsecrets.external-secrets.io", "--wait=false"];
            let _ = kubectl(&self.cluster, &args, None);
        }
    }
}

/// What a dry-run test holds: cluster alpha, a namespace, the ExternalSecret kind, and a name
/// prefix of its own with the `--set` that keeps cluster-scoped names clear of the seeded tier
/// RBAC (the dry run of an existing name would be a patch of someone else's object).
struct DryRuns {
    alpha: TestCluster,
    ns: TestNamespace,
    _crd: ExternalSecretCrd,
    prefix: String,
    names: String,
}

impl DryRuns {
    fn new(label: &str) -> DryRuns {
        let alpha = cluster("alpha");
        let ns = TestNamespace::new(&alpha, label);
        let _crd = ExternalSecretCrd::ensure(&alpha);
        let prefix = format!("t-{}-", random_suffix());
        let names = format!("clusterRBAC.namePrefix={prefix}");
        DryRuns { alpha, ns, _crd, prefix, names }
    }
}

#[test]
fn every_chart_lints_renders_and_is_accepted_by_the_apiserver() {
    let DryRuns { alpha, ns, _crd, prefix, names } = DryRuns::new("charts");
    let agent_required = [
        "agent.serverURL=https://periscope.example.com",
        "agent.tunnelAddr=tunnel.example.com:8443",
        "agent.clusterName=edge",
    ];

    // (chart, values file or none for the defaults, extra --set)
    let mut cases: Vec<(&str, Option<PathBuf>, Vec<String>)> = vec![
        (SERVER, None, vec![names.clone()]),
        (RBAC, None, vec![format!("namePrefix={prefix}")]),
        (AGENT, None, agent_required.iter().map(|s| s.to_string()).chain([names.clone()]).collect()),
    ];
    for chart in [SERVER, AGENT] {
        cases.extend(examples(chart).into_iter().map(|f| (chart, Some(f), vec![names.clone()])));
    }
    assert!(cases.len() >= 3 + 6 + 2, "the six server examples and two agent examples are there: {cases:?}");

    for (index, (chart, values, sets)) in cases.iter().enumerate() {
        let label =
            format!("{chart} {}", values.as_deref().map(|p| p.display().to_string()).unwrap_or("defaults".into()));
        let files: Vec<&Path> = values.iter().map(PathBuf::as_path).collect();
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        helm_chart(&alpha, &["lint", "--strict"], chart, &files, &sets)
            .unwrap_or_else(|e| panic!("helm lint {label}: {e}"));
        // Release names differ per case so cluster-scoped names (bindings) never collide.
        let release = format!("{prefix}r{index}");
        let manifest = render(&alpha, chart, &release, &ns.name, &files, &sets)
            .unwrap_or_else(|e| panic!("helm template {label}: {e}"));
        let objects = dry_run(&alpha, &ns.name, &manifest);
        assert!(!objects.is_empty(), "{label} renders objects");
        for o in &objects {
            let name = o["metadata"]["name"].as_str().unwrap_or_default();
            // Cluster-scoped objects carry the test's prefix (or the release's name), never a
            // name of the seeded RBAC.
            if o["metadata"]["namespace"].is_null() {
                assert!(
                    name.starts_with(&prefix),
                    "{label}: cluster-scoped {} {name} is not the test's own",
                    o["kind"]
                );
            }
        }
        if *chart != RBAC {
            assert_hardened(&label, one(&objects, "Deployment"));
        }
    }
}

/// The pod and container security settings both charts promise.
fn assert_hardened(label: &str, deployment: &Value) {
    let pod = &deployment["spec"]["template"]["spec"];
    let psc = &pod["securityContext"];
    assert_eq!(psc["runAsNonRoot"], true, "{label}: pod runAsNonRoot");
    assert_eq!(psc["runAsUser"], 65532, "{label}: pod runAsUser");
    assert_eq!(psc["runAsGroup"], 65532, "{label}: pod runAsGroup");
    assert_eq!(psc["fsGroup"], 65532, "{label}: pod fsGroup");
    assert_eq!(psc["seccompProfile"]["type"], "RuntimeDefault", "{label}: pod seccomp");
    assert_eq!(pod["enableServiceLinks"], false, "{label}: no service links");
    let containers = pod["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1, "{label}: one container");
    let c = &containers[0];
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"], true, "{label}: container runAsNonRoot");
    assert_eq!(sc["runAsUser"], 65532, "{label}: container runAsUser");
    assert_eq!(sc["allowPrivilegeEscalation"], false, "{label}: no privilege escalation");
    assert_eq!(sc["readOnlyRootFilesystem"], true, "{label}: read-only root filesystem");
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{label}: every capability dropped");
    assert!(sc["capabilities"]["add"].is_null(), "{label}: none added");
    assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault", "{label}: container seccomp");
    assert!(c["resources"]["requests"]["memory"].is_string(), "{label}: resources: {}", c["resources"]);
    assert!(c["resources"]["limits"]["memory"].is_string(), "{label}: memory limit: {}", c["resources"]);
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz", "{label}: liveness");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz", "{label}: readiness");
    let tmp = c["volumeMounts"].as_array().expect("mounts").iter().find(|m| m["mountPath"] == "/tmp");
    let tmp_volume = tmp.and_then(|m| pod["volumes"].as_array()?.iter().find(|v| v["name"] == m["name"]));
    assert!(tmp_volume.is_some_and(|v| v["emptyDir"].is_object()), "{label}: /tmp is an emptyDir");
    let image = c["image"].as_str().unwrap_or_default();
    assert!(
        image.ends_with(&format!(":{}", workspace_version())),
        "{label}: image {image} is tagged with the appVersion"
    );
}

#[test]
fn the_server_deployment_follows_its_storage() {
    let DryRuns { alpha, ns, _crd, prefix, names } = DryRuns::new("charts-server");
    let example = |name: &str| chart_dir(SERVER).join("examples").join(name);
    let server = |release: &str, files: &[&Path], sets: &[&str]| {
        let sets: Vec<&str> = sets.iter().copied().chain([names.as_str()]).collect();
        let manifest = render(&alpha, SERVER, &format!("{prefix}{release}"), &ns.name, files, &sets)
            .unwrap_or_else(|e| panic!("helm template {release}: {e}"));
        dry_run(&alpha, &ns.name, &manifest)
    };

    // Defaults: SQLite on a kept claim, one replica, Recreate, no token, config checksum.
    let objects = server("defaults", &[], &[]);
    let deployment = one(&objects, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate", "SQLite has one writer");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false, "no cluster uses the service account");
    let claim = one(&objects, "PersistentVolumeClaim");
    assert_eq!(
        claim["metadata"]["annotations"]["helm.sh/resource-policy"], "keep",
        "the audit trail outlives the release"
    );
    let data = pod["volumes"].as_array().expect("volumes").iter().find(|v| v["name"] == "data").expect("data volume");
    assert_eq!(data["persistentVolumeClaim"]["claimName"], claim["metadata"]["name"]);
    let env = env_of(deployment);
    assert_eq!(env.get("PERISCOPE_AUDIT_SINKS").map(String::as_str), Some("stdout,sqlite"));
    assert!(env["PERISCOPE_AUDIT_DB_PATH"].starts_with("/var/lib/periscope/"), "{env:?}");
    let checksum = |objects: &[Value]| {
        one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            .as_str()
            .map(str::to_string)
            .expect("checksum/config annotation")
    };
    let before = checksum(&objects);
    assert_eq!(before.len(), 64, "a sha256: {before}");
    let after = checksum(&server("changed", &[], &["auth.session.idleTimeout=10m"]));
    assert_ne!(before, after, "a configuration change rolls the pods");

    // PostgreSQL replicas: rolling, no claim, no Recreate.
    let objects = server("ha", &[&example("ha-postgres.yaml")], &[]);
    let deployment = one(&objects, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(deployment["spec"]["strategy"]["type"], "RollingUpdate");
    assert!(of_kind(&objects, "PersistentVolumeClaim").is_empty(), "nothing lives on a volume");
    assert_eq!(one(&objects, "PodDisruptionBudget")["spec"]["minAvailable"], 2);
    assert_eq!(one(&objects, "ExternalSecret")["spec"]["target"]["name"], secret_volume(deployment));
    assert_eq!(one(&objects, "Ingress")["spec"]["rules"][0]["host"], "periscope.example.com");
    assert!(one(&objects, "NetworkPolicy")["spec"]["ingress"].is_array());

    // in-cluster: the token is mounted and the account bound to the impersonator only.
    let objects = server("incluster", &[&example("in-cluster.yaml")], &[]);
    let deployment = one(&objects, "Deployment");
    assert_eq!(deployment["spec"]["template"]["spec"]["automountServiceAccountToken"], true);
    let account = deployment["spec"]["template"]["spec"]["serviceAccountName"].clone();
    let binding = of_kind(&objects, "ClusterRoleBinding")
        .into_iter()
        .find(|b| b["subjects"][0]["kind"] == "ServiceAccount")
        .expect("the service account's binding");
    assert_eq!(binding["subjects"][0]["name"], account);
    assert_eq!(binding["roleRef"]["name"], format!("{prefix}impersonator"));
    assert!(
        deployment["spec"]["template"]["metadata"]["annotations"]["checksum/secrets"].is_string(),
        "a chart-made Secret rolls the pods too"
    );

    // The agent hub: a tunnel port, its Service, SANs naming that Service, the CA from a Secret.
    let objects = server("hub", &[&example("agent-hub.yaml")], &[]);
    let deployment = one(&objects, "Deployment");
    let env = env_of(deployment);
    assert_eq!(env.get("PERISCOPE_AGENT_LISTEN_ADDR").map(String::as_str), Some("0.0.0.0:8443"));
    let tunnel = of_kind(&objects, "Service")
        .into_iter()
        .find(|s| s["spec"]["ports"][0]["name"] == "tunnel")
        .expect("tunnel Service");
    let tunnel_name = tunnel["metadata"]["name"].as_str().expect("name");
    let sans: Vec<&str> = env["PERISCOPE_AGENT_TUNNEL_SANS"].split(',').collect();
    assert!(sans.contains(&"agents.periscope.example.com") && sans.contains(&tunnel_name), "{sans:?}");
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");
}

/// The container's literal environment variables.
fn env_of(deployment: &Value) -> BTreeMap<String, String> {
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), e["value"].as_str()?.to_string())))
        .collect()
}

/// The Secret mounted at /etc/periscope/secrets.
fn secret_volume(deployment: &Value) -> Value {
    let pod = &deployment["spec"]["template"]["spec"];
    let volumes = pod["volumes"].as_array().expect("volumes");
    volumes.iter().find(|v| v["name"] == "secrets").expect("secrets volume")["secret"]["secretName"].clone()
}

#[test]
fn the_rendered_configuration_is_what_the_server_accepts() {
    let alpha = cluster("alpha");
    let secrets = tempfile::tempdir().expect("secrets dir");
    let mut files: Vec<Option<PathBuf>> = vec![None];
    files.extend(examples(SERVER).into_iter().map(Some));
    for values in files {
        let label = values.as_deref().map(|p| p.display().to_string()).unwrap_or("defaults".into());
        let values: Vec<&Path> = values.iter().map(PathBuf::as_path).collect();
        let manifest = render(&alpha, SERVER, "cfg", "default", &values, &[])
            .unwrap_or_else(|e| panic!("helm template {label}: {e}"));
        let objects: Vec<Value> = serde_saphyr::from_multiple(&manifest).expect("helm renders YAML");
        let configmap = objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "cfg-periscope-config")
            .unwrap_or_else(|| panic!("{label}: no configuration ConfigMap"));
        // The chart mounts its Secret at /etc/periscope/secrets; here the same keys are files of
        // a temporary directory, so the parser resolves them as the server would.
        let in_test = |text: &str| {
            let text = text.replace("file:///etc/periscope/secrets/", &format!("file://{}/", secrets.path().display()));
            for key in referenced_secret_files(&text, secrets.path()) {
                std::fs::write(secrets.path().join(&key), format!("{key}-value-of-sixteen-chars\n"))
                    .expect("secret file");
            }
            text
        };
        let auth_text = configmap["data"]["auth.yaml"].as_str().expect("auth.yaml");
        let clusters_text = configmap["data"]["clusters.yaml"].as_str().expect("clusters.yaml");
        // Where the chart makes the Secret (from values or an ExternalSecret), every key the
        // configuration and the environment refer to must be one it provides.
        let provided: Option<BTreeSet<String>> = objects.iter().find_map(|o| match o["kind"].as_str() {
            Some("Secret") => o["stringData"].as_object().map(|d| d.keys().cloned().collect()),
            Some("ExternalSecret") => o["spec"]["data"]
                .as_array()
                .map(|d| d.iter().filter_map(|e| e["secretKey"].as_str().map(str::to_string)).collect()),
            _ => None,
        });
        if let Some(provided) = provided {
            let deployment = objects.iter().find(|o| o["kind"] == "Deployment").expect("Deployment");
            let env =
                serde_json::to_string(&deployment["spec"]["template"]["spec"]["containers"][0]["env"]).expect("env");
            let mounted = Path::new("/etc/periscope/secrets");
            let referenced: BTreeSet<String> =
                [auth_text, clusters_text, &env].iter().flat_map(|t| referenced_secret_files(t, mounted)).collect();
            let missing: Vec<&String> = referenced.difference(&provided).collect();
            assert!(missing.is_empty(), "{label}: the Secret has no key {missing:?} (it has {provided:?})");
        }
        let auth = in_test(auth_text);
        let clusters = in_test(clusters_text);
        periscope::config::auth::parse(&auth, None)
            .unwrap_or_else(|e| panic!("{label}: auth.yaml refused: {e}\n{auth}"));
        periscope::config::clusters::parse(Path::new("/etc/periscope/config/clusters.yaml"), &clusters)
            .unwrap_or_else(|e| panic!("{label}: clusters.yaml refused: {e}\n{clusters}"));
    }
}

/// The keys of `file://<dir>/<key>` references in `text`.
fn referenced_secret_files(text: &str, dir: &Path) -> BTreeSet<String> {
    let marker = format!("file://{}/", dir.display());
    text.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.').collect()
        })
        .collect()
}

#[test]
fn misspelled_keys_and_unsafe_combinations_are_refused_with_a_clear_message() {
    let alpha = cluster("alpha");
    let refused = |chart: &str, sets: &[&str], expected: &str| match render(&alpha, chart, "typo", "default", &[], sets)
    {
        Ok(_) => panic!("{chart} {sets:?} rendered; expected a refusal naming {expected:?}"),
        Err(e) => assert!(e.contains(expected), "{chart} {sets:?}: the refusal should name {expected:?}:\n{e}"),
    };
    // The schemas: unknown keys at the top, nested, in the sub-chart, in the other charts.
    refused(SERVER, &["replicaCont=2"], "additional properties 'replicaCont' not allowed");
    refused(SERVER, &["persistence.sise=1Gi"], "additional properties 'sise' not allowed");
    refused(SERVER, &["auth.oidc.clientId=x"], "additional properties 'clientId' not allowed");
    refused(SERVER, &["auth.authorization.groupTiers.sre=root"], "value must be one of");
    refused(SERVER, &["containerSecurityContext.readOnlyRootFs=false"], "readOnlyRootFs");
    refused(
        SERVER,
        &["clusterRBAC.enabled=true", "clusterRBAC.tiers.raed.enabled=true"],
        "additional properties 'raed' not allowed",
    );
    refused(RBAC, &["impersonator.tierGroupOnly=false"], "additional properties 'tierGroupOnly' not allowed");
    refused(AGENT, &["agent.clustername=edge"], "additional properties 'clustername' not allowed");

    // The templates: what the schema cannot say.
    refused(SERVER, &["replicaCount=2"], "needs sessions shared by every replica: set auth.session.store: postgres");
    let pg_sessions = ["replicaCount=2", "auth.session.store=postgres"];
    refused(SERVER, &pg_sessions, "needs the audit trail in PostgreSQL");
    let pg_both = [&pg_sessions[..], &["audit.sinks={stdout,postgres}", "audit.postgresDSN=file:///x"]].concat();
    refused(SERVER, &pg_both, "set persistence.enabled: false");
    let pg_agent = [&pg_both[..], &["persistence.enabled=false", "agent.enabled=true"]].concat();
    refused(SERVER, &pg_agent, "the agent tunnel needs one replica");
    refused(SERVER, &["audit.sinks={postgres}"], "set audit.postgresDSN");
    refused(SERVER, &["clusters[0].name=prod", "clusters[0].backend=in-cluster"], "auth.oidc.issuer is not set");
    let oidc = "auth.oidc.issuer=https://idp.example.com";
    refused(SERVER, &[oidc, "clusters[0].name=edge", "clusters[0].backend=agent"], "set agent.enabled: true");
    refused(SERVER, &[oidc, "clusters[0].name=a", "clusters[0].backend=kubeconfig"], "kubeconfigs.existingSecret");
    refused(SERVER, &["secrets.existingSecret=a", "secrets.values.k=v"], "set only one of");
    refused(AGENT, &[], "agent.serverURL is required");

    // And what they allow: several replicas with everything in PostgreSQL.
    let ok = [&pg_both[..], &["persistence.enabled=false"]].concat();
    render(&alpha, SERVER, "ha", "default", &[], &ok).unwrap_or_else(|e| panic!("{ok:?} should render: {e}"));
}

/// One row of a README table: the checks and, per column (tier or "credential"), yes or no.
#[derive(Debug)]
struct Row {
    what: String,
    checks: Vec<Check>,
    answers: BTreeMap<String, bool>,
}

/// One `kubectl auth can-i`-style check: verb, resource[.group][/subresource], optional name.
#[derive(Debug, Clone)]
struct Check {
    text: String,
    verb: String,
    resource: String,
    group: String,
    subresource: String,
    name: String,
}

impl Check {
    fn parse(text: &str) -> Check {
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(matches!(words.len(), 2 | 3), "a check is `verb resource[.group][/sub] [name]`: {text:?}");
        let (resource_group, subresource) = words[1].split_once('/').unwrap_or((words[1], ""));
        let (resource, group) = resource_group.split_once('.').unwrap_or((resource_group, ""));
        Check {
            text: text.to_string(),
            verb: words[0].into(),
            resource: resource.into(),
            group: group.into(),
            subresource: subresource.into(),
            name: words.get(2).map(|s| s.to_string()).unwrap_or_default(),
        }
    }

    /// `resource.group` as `kubectl api-resources -o name` prints it.
    fn qualified(&self) -> String {
        if self.group.is_empty() { self.resource.clone() } else { format!("{}.{}", self.resource, self.group) }
    }
}

/// The table after `<!-- marker -->` in the server chart's README.
fn readme_table(marker: &str) -> Vec<Row> {
    let readme = std::fs::read_to_string(chart_dir(SERVER).join("README.md")).expect("chart README");
    let start = readme.find(&format!("<!-- {marker} -->")).unwrap_or_else(|| panic!("README has no {marker}"));
    let lines: Vec<&str> = readme[start..].lines().skip(1).take_while(|l| l.starts_with('|')).collect();
    let cells = |line: &str| line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect::<Vec<_>>();
    let header = cells(lines[0]);
    assert_eq!(header[1], "Checked as", "{marker}: the second column holds the checks");
    lines[2..]
        .iter()
        .map(|line| {
            let row = cells(line);
            assert_eq!(row.len(), header.len(), "{marker}: {line}");
            let checks = row[1].split('`').skip(1).step_by(2).map(Check::parse).collect::<Vec<_>>();
            assert!(!checks.is_empty(), "{marker}: a row without checks: {line}");
            let answers = header[2..]
                .iter()
                .zip(&row[2..])
                .map(|(column, cell)| {
                    let yes = match cell.as_str() {
                        "yes" => true,
                        "no" => false,
                        other => panic!("{marker}: cell {other:?} is neither yes nor no: {line}"),
                    };
                    (column.clone(), yes)
                })
                .collect();
            Row { what: row[0].clone(), checks, answers }
        })
        .collect()
}

/// The RBAC chart installed under the test's own names; uninstalled on drop.
struct RbacRelease {
    cluster: TestCluster,
    release: String,
    namespace: String,
}

impl Drop for RbacRelease {
    fn drop(&mut self) {
        let uninstall = ["uninstall", &self.release, "-n", &self.namespace, "--wait", "--timeout", "60s"];
        if let Err(e) = helm(&self.cluster, &uninstall) {
            eprintln!("helm uninstall {}: {e}", self.release);
        }
    }
}

/// Polls `done` every 200 ms until it is true or `deadline` passes; whether it became true.
fn eventually(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn each_tier_may_do_what_the_readme_table_says_and_no_more() {
    let alpha = cluster("alpha");
    let ns = TestNamespace::new(&alpha, "tiers");
    let sfx = random_suffix();
    let prefix = format!("t-{sfx}-");
    let group_prefix = format!("t-{sfx}-tier:");
    let account = format!("t-{sfx}-server");
    let kubectl = |args: &[&str], stdin: Option<&str>| kubectl(&alpha, args, stdin);

    let values = tempfile::NamedTempFile::new().expect("values file");
    let own = json!({
        "namePrefix": prefix,
        "tierGroupPrefix": group_prefix,
        "impersonator": {"groups": [], "serviceAccounts": [{"name": account, "namespace": ns.name}]},
    });
    std::fs::write(values.path(), own.to_string()).expect("values");
    let release = RbacRelease { cluster: alpha.clone(), release: format!("t-rbac-{sfx}"), namespace: ns.name.clone() };
    helm_chart(&alpha, &["install", &release.release, "-n", &ns.name], RBAC, &[values.path()], &[])
        .unwrap_or_else(|e| panic!("helm install the RBAC chart: {e}"));

    let cluster_scoped: BTreeSet<String> = kubectl(&["api-resources", "--namespaced=false", "-o", "name"], None)
        .expect("api-resources")
        .lines()
        .map(str::to_string)
        .collect();
    let tiers = readme_table("tier-table");
    let credential = readme_table("credential-table");
    assert_eq!(
        tiers[0].answers.keys().cloned().collect::<BTreeSet<_>>(),
        ["read", "triage", "write", "maintain", "admin"].map(String::from).into(),
        "the tier table has a column per tier"
    );

    // One SubjectAccessReview per (row, check, column), in one request batch.
    let mut reviews = Vec::new();
    let mut expected = Vec::new();
    for row in tiers.iter().chain(&credential) {
        for (column, yes) in &row.answers {
            let (user, groups) = match column.as_str() {
                "credential" => (
                    format!("system:serviceaccount:{}:{account}", ns.name),
                    vec!["system:serviceaccounts".to_string(), format!("system:serviceaccounts:{}", ns.name)],
                ),
                tier => (format!("t-{sfx}-someone"), vec![format!("{group_prefix}{tier}")]),
            };
            let groups: Vec<String> = groups.into_iter().chain(["system:authenticated".to_string()]).collect();
            for check in &row.checks {
                let namespace = if cluster_scoped.contains(&check.qualified()) { "" } else { ns.name.as_str() };
                let name = check.name.replace("periscope-tier:", &group_prefix);
                reviews.push(json!({
                    "apiVersion": "authorization.k8s.io/v1",
                    "kind": "SubjectAccessReview",
                    "spec": {
                        "user": user,
                        "groups": groups,
                        "resourceAttributes": {
                            "namespace": namespace, "verb": check.verb, "group": check.group,
                            "resource": check.resource, "subresource": check.subresource, "name": name,
                        },
                    },
                }));
                expected.push((row.what.clone(), column.clone(), check.text.clone(), *yes));
            }
        }
    }
    let batch = json!({"apiVersion": "v1", "kind": "List", "items": reviews}).to_string();
    let mut wrong = Vec::new();
    // RBAC reaches the authorizer's cache a moment after the objects are stored: ask again
    // until the answers settle or the deadline passes, then report every disagreement.
    let settled = eventually(Duration::from_secs(30), || {
        let out = kubectl(&["create", "-f", "-", "-o", "json"], Some(&batch)).expect("SubjectAccessReviews");
        let answers: Vec<Value> =
            serde_json::Deserializer::from_str(&out).into_iter::<Value>().map(|v| v.expect("JSON")).collect();
        assert_eq!(answers.len(), expected.len(), "one answer per review");
        wrong = expected
            .iter()
            .zip(&answers)
            .filter(|((_, _, _, yes), answer)| answer["status"]["allowed"] != *yes)
            .map(|((what, column, check, yes), answer)| {
                format!(
                    "{column}: `{check}` ({what}) should be {}; apiserver: {}",
                    if *yes { "yes" } else { "no" },
                    answer["status"]
                )
            })
            .collect();
        wrong.is_empty()
    });
    assert!(settled, "the README's tables and the cluster disagree:\n{}", wrong.join("\n"));
    assert!(expected.len() > 100, "every cell is checked: {}", expected.len());

    // Uninstall removes every cluster-scoped object the chart made.
    drop(release);
    for kind in ["clusterrole", "clusterrolebinding"] {
        let left = kubectl(&["get", kind, "-o", "name"], None).expect("list");
        let ours: Vec<&str> = left.lines().filter(|l| l.contains(&format!("/{prefix}"))).collect();
        assert!(ours.is_empty(), "left behind after uninstall: {ours:?}");
    }
}

#[test]
fn packaged_charts_carry_their_sub_charts() {
    // The sub-charts are links in charts/; `helm package` must turn them into files.
    let alpha = cluster("alpha");
    let package = |chart: &str| {
        let out = tempfile::tempdir().expect("package dir");
        let dir = out.path().to_string_lossy().into_owned();
        helm_chart(&alpha, &["package", "--destination", &dir], chart, &[], &[])
            .unwrap_or_else(|e| panic!("helm package {chart}: {e}"));
        let archive = std::fs::read_dir(out.path()).expect("dir").next().expect("an archive").expect("entry").path();
        (out, archive)
    };
    let _agent = package(AGENT);
    let (_dir, archive) = package(SERVER);
    let ha = chart_dir(SERVER).join("examples/ha-postgres.yaml");
    let args = ["template", "r", archive.to_str().expect("path"), "--values", ha.to_str().expect("path")];
    let manifest = helm(&alpha, &args).unwrap_or_else(|e| panic!("helm template the archive: {e}"));
    let objects: Vec<Value> = serde_saphyr::from_multiple(&manifest).expect("YAML");
    let bindings: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "ClusterRoleBinding")
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    assert!(bindings.contains(&"periscope-tier-maintain-extras"), "the RBAC sub-chart rendered: {bindings:?}");
}
