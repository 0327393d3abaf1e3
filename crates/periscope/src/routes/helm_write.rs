//! Helm writes through the real `helm` binary, as the user: install, upgrade (each with a
//! preview first), rollback and uninstall; and the chart repository reads an install needs
//! (versions, default values). Every write is checked object by object (SelfSubjectAccessReview
//! as the user) before helm runs, and audited as intent and outcome.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use k8s_openapi::api::core::v1::Namespace as NamespaceObject;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    error::ApiError,
    helm::{
        HelmReader, ReleaseSummary, Revisions, compare,
        repo::{ChartInfo, ChartSource, ChartVersion},
        runner::{self, HelmJob, HelmRun},
        storage::Release,
    },
    http::{authn::CurrentUser, body::JsonBody},
    identity::Identity,
    names::Namespace,
    routes::{cache::CheckKey, cani, helm::Discovered},
};

/// How long the token a Helm write runs with lives (it is revoked when helm ends).
const HELM_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// One Helm run's context: who asks, about which release, through which client.
struct HelmWrite {
    state: AppState,
    user: std::sync::Arc<Identity>,
    ctx: AuditContext,
    cluster: String,
    namespace: String,
    name: String,
    client: kube::Client,
    reader: HelmReader,
    /// The release's stored revisions, read once (`None` for a new release).
    revisions: Option<Revisions>,
    /// The release's storage driver (helm must write with the same one).
    driver: &'static str,
    binary: std::path::PathBuf,
}

impl HelmWrite {
    /// The context of a run about release `namespace/name`, existing or not: 501 without helm.
    fn new(
        state: AppState,
        user: std::sync::Arc<Identity>,
        ctx: AuditContext,
        (cluster, namespace, name): (String, String, String),
    ) -> Result<Self, ApiError> {
        let binary = runner::helm_binary().ok_or_else(no_helm)?;
        let client = state.client_for(&cluster, &user)?;
        let reader = HelmReader::new(client.clone());
        Ok(HelmWrite {
            state,
            user,
            ctx,
            cluster,
            namespace,
            name,
            client,
            reader,
            revisions: None,
            driver: "secret",
            binary,
        })
    }

    /// The context of a write to the existing release `namespace/name` (404 without it).
    async fn existing(
        state: AppState,
        user: std::sync::Arc<Identity>,
        ctx: AuditContext,
        release: (String, String, String),
    ) -> Result<Self, ApiError> {
        let mut write = HelmWrite::new(state, user, ctx, release)?;
        let revisions =
            write.reader.revisions(&write.namespace, &write.name).await.map_err(|e| e.into_api(&write.cluster))?;
        write.driver = revisions.driver();
        write.revisions = Some(revisions);
        Ok(write)
    }

    /// The revisions read by [`HelmWrite::existing`].
    fn revisions(&self) -> Result<&Revisions, ApiError> {
        self.revisions.as_ref().ok_or_else(|| ApiError::Internal("a release write without its revisions".into()))
    }

    /// Revision `revision` (the latest for `None`) of the release, as read at the start.
    fn release(&self, revision: Option<i64>) -> Result<Release, ApiError> {
        self.revisions()?.release(revision).map_err(|e| e.into_api(&self.cluster))
    }

    /// The release as it is now, after a run: read again, since helm wrote a revision.
    async fn release_now(&self) -> Result<Release, ApiError> {
        let revisions =
            self.reader.revisions(&self.namespace, &self.name).await.map_err(|e| e.into_api(&self.cluster))?;
        revisions.release(None).map_err(|e| e.into_api(&self.cluster))
    }

    /// The access check on the release's own storage (Helm writes a revision object, or deletes them).
    fn storage_check(&self, verb: &str) -> Check {
        let resource = if self.driver == "configmap" { "configmaps" } else { "secrets" };
        Check {
            object: resource.into(),
            verb: verb.into(),
            key: CheckKey {
                verb: verb.into(),
                group: String::new(),
                resource: resource.into(),
                subresource: String::new(),
                namespace: self.namespace.clone(),
                name: String::new(),
            },
        }
    }

    /// Refuses (403 naming them) unless the user may `storage_verb` the release storage and
    /// `verb` every object of `manifest`.
    async fn preflight(&self, storage_verb: &str, manifest: &str, verb: &'static str) -> Result<(), ApiError> {
        let mut checks = vec![self.storage_check(storage_verb)];
        checks.extend(object_checks(&self.client, &objects_of(manifest)?, &self.namespace, |_| verb).await);
        refuse_denied(&evaluate(&self.client, checks).await)
    }

    /// Runs `helm args…` in `job` with a short-lived token of the user (revoked when helm ends).
    async fn helm(&self, job: &HelmJob, args: &[String]) -> Result<HelmRun, ApiError> {
        let purpose = format!("helm {}", args.first().map(String::as_str).unwrap_or_default());
        let (secret, token) = self
            .state
            .tokens
            .issue(&self.user, &purpose, vec![self.cluster.clone()], Some(HELM_TOKEN_TTL))
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let server = format!("{}/api/clusters/{}/k8s", self.state.self_url, self.cluster);
        let run = job.run(&self.binary, &server, &secret, self.driver, args).await;
        let _ = self.state.tokens.revoke(&token.id, None).await;
        run.map_err(|e| ApiError::Internal(format!("helm did not run: {e}")))
    }

    /// Runs `helm args…` between intent and outcome audit rows, then reads the release again
    /// (when it still exists).
    async fn audited(
        &self,
        job: &HelmJob,
        verb: Verb,
        extra: Value,
        args: Vec<String>,
    ) -> Result<(HelmRun, Option<ReleaseSummary>), ApiError> {
        let resource = ResourceRef {
            group: None,
            version: None,
            resource: Some("helmreleases".into()),
            namespace: Some(self.namespace.clone()),
            name: Some(self.name.clone()),
        };
        let audit = &self.state.audit;
        let record = audit.begin(self.ctx.clone(), verb, Some(&self.cluster), resource, Some(extra)).await?;
        let run = match self.helm(job, &args).await {
            Ok(run) => run,
            Err(e) => {
                audit.finish(&record, Outcome::Failure, Some(e.to_string()), None).await?;
                return Err(e);
            }
        };
        if !run.success {
            let details = json!({ "output": run.output });
            audit.finish(&record, Outcome::Failure, Some("helm failed".into()), Some(details)).await?;
            return Err(ApiError::HelmFailed(run.output));
        }
        let after = self.release_now().await.ok().map(|r| ReleaseSummary::of(&r));
        let details = json!({ "revision": after.as_ref().map(|r| r.revision) });
        audit.finish(&record, Outcome::Success, None, Some(details)).await?;
        Ok((run, after))
    }

    /// Records where the release's chart came from on its newest revision. Best effort: the
    /// release is installed either way, only a later upgrade will not offer the repository.
    async fn mark_source(&self, source: Option<&ChartSource>) {
        let Some(source) = source else { return };
        if let Err(e) = self.reader.mark_source(&self.namespace, &self.name, source).await {
            tracing::warn!(cluster = %self.cluster, release = %self.name, error = %e, "could not record the chart's repository");
        }
    }
}

fn no_helm() -> ApiError {
    ApiError::HelmUnavailable(
        "Helm writes need the helm binary: set PERISCOPE_HELM_BINARY or put helm on the server's PATH".into(),
    )
}

/// One access check of a pre-flight: `verb` on `object` (a manifest key like `Deployment ns/web`).
struct Check {
    object: String,
    verb: String,
    key: CheckKey,
}

/// One object a write would touch, as a preview shows it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct PlannedObject {
    /// `Kind namespace/name` (or what the storage check is about).
    pub object: String,
    /// The Kubernetes verb Helm will use: `create`, `patch`, `delete`, `update`.
    pub action: String,
    /// Whether the user's role allows it.
    pub allowed: bool,
}

/// The checks on every object of `objects` with the verb `verb_of` gives its key.
async fn object_checks(
    client: &kube::Client,
    objects: &BTreeMap<String, Value>,
    default_ns: &str,
    verb_of: impl Fn(&str) -> &'static str,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut discovered = Discovered::default();
    for (object, manifest) in objects {
        let verb = verb_of(object);
        let key = match discovered.place(client, manifest, default_ns).await {
            Ok(at) => CheckKey {
                verb: verb.into(),
                group: at.resource.group,
                resource: at.resource.plural,
                subresource: String::new(),
                namespace: at.namespace.unwrap_or_default(),
                name: at.name,
            },
            // A kind the cluster does not serve: no one may write it (helm would fail anyway).
            Err(_) => CheckKey {
                verb: String::new(),
                group: String::new(),
                resource: String::new(),
                subresource: String::new(),
                namespace: String::new(),
                name: String::new(),
            },
        };
        checks.push(Check { object: object.clone(), verb: verb.into(), key });
    }
    checks
}

/// Asks the apiserver about every check, as the user.
async fn evaluate(client: &kube::Client, checks: Vec<Check>) -> Vec<PlannedObject> {
    let answers = futures::future::join_all(checks.iter().map(|c| cani::allowed(client.clone(), &c.key))).await;
    checks
        .into_iter()
        .zip(answers)
        .map(|(c, allowed)| PlannedObject { object: c.object, action: c.verb, allowed })
        .collect()
}

/// What the user's role refuses, as `verb object` lines.
fn denied(planned: &[PlannedObject]) -> Vec<String> {
    planned.iter().filter(|p| !p.allowed).map(|p| format!("{} {}", p.action, p.object)).collect()
}

/// 403 naming every refused object, or nothing.
fn refuse_denied(planned: &[PlannedObject]) -> Result<(), ApiError> {
    let denied = denied(planned);
    if denied.is_empty() {
        return Ok(());
    }
    Err(ApiError::PreflightDenied {
        message: format!("your role may not: {}; nothing was changed", denied.join(", ")),
        denied,
    })
}

fn objects_of(manifest: &str) -> Result<BTreeMap<String, Value>, ApiError> {
    compare::manifest_objects(manifest).map_err(ApiError::Unreadable)
}

/// The body of a rollback.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollbackBody {
    revision: i64,
}

/// `POST …/helm/releases/{ns}/{name}/rollback` `{revision}`: `helm rollback` as the user, after a
/// pre-flight that the user may patch every object of that revision.
pub async fn rollback(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(release): Path<(String, String, String)>,
    JsonBody(body): JsonBody<RollbackBody>,
) -> Result<Response, ApiError> {
    let write = HelmWrite::existing(state, user, ctx, release).await?;
    let (current, target) = (write.release(None)?, write.release(Some(body.revision))?);
    write.preflight("create", &target.manifest, "patch").await?;
    let extra = json!({ "release": write.name, "from": current.version, "to": body.revision });
    let args =
        vec!["rollback".into(), write.name.clone(), body.revision.to_string(), "-n".into(), write.namespace.clone()];
    let job = HelmJob::new().map_err(job_error)?;
    let (run, after) = write.audited(&job, Verb::HelmRollback, extra, args).await?;
    Ok(Json(json!({ "release": after, "output": run.output })).into_response())
}

/// Query of an uninstall.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UninstallQuery {
    #[serde(default)]
    keep_history: bool,
}

/// `DELETE …/helm/releases/{ns}/{name}`: `helm uninstall` as the user, after a pre-flight that
/// the user may delete every object of the release.
pub async fn uninstall(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(release): Path<(String, String, String)>,
    Query(query): Query<UninstallQuery>,
) -> Result<Response, ApiError> {
    let write = HelmWrite::existing(state, user, ctx, release).await?;
    let current = write.release(None)?;
    write.preflight(if query.keep_history { "update" } else { "delete" }, &current.manifest, "delete").await?;
    let extra = json!({ "release": write.name, "revision": current.version, "keepHistory": query.keep_history });
    let mut args = vec!["uninstall".into(), write.name.clone(), "-n".into(), write.namespace.clone()];
    if query.keep_history {
        args.push("--keep-history".into());
    }
    let job = HelmJob::new().map_err(job_error)?;
    let (run, _) = write.audited(&job, Verb::HelmUninstall, extra, args).await?;
    Ok(Json(json!({ "uninstalled": true, "output": run.output })).into_response())
}

fn job_error(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("cannot prepare a helm run: {e}"))
}

/// A chart version in a repository, as an install or upgrade names it.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ChartRef {
    pub repo: String,
    pub chart: String,
    pub version: String,
}

impl ChartRef {
    fn source(&self) -> ChartSource {
        ChartSource { repo: self.repo.clone(), chart: self.chart.clone() }
    }
}

/// The body of an install and of its preview.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallBody {
    pub namespace: String,
    pub name: String,
    pub repo: String,
    pub chart: String,
    pub version: String,
    /// The values, YAML (empty: the chart's defaults).
    #[serde(default)]
    pub values: String,
    /// Create the namespace when it does not exist.
    #[serde(default)]
    #[ts(optional)]
    pub create_namespace: Option<bool>,
}

/// The body of an upgrade and of its preview.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpgradeBody {
    /// The values the release will have, YAML (they replace the current ones).
    #[serde(default)]
    pub values: String,
    /// Another chart version from a repository; absent: the revision's own chart, from storage.
    #[serde(default)]
    #[ts(optional)]
    pub chart: Option<ChartRef>,
}

/// What an install or upgrade would do, shown before the user confirms.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct HelmPreview {
    /// The manifest helm rendered (a server-side dry run, as the user).
    pub manifest: String,
    pub notes: String,
    /// Every object it would touch and whether the user's role allows it.
    pub objects: Vec<PlannedObject>,
    /// `verb object` for each refused one (the write would be refused with these).
    pub denied: Vec<String>,
    /// For an upgrade: the changes against the current revision (the diff route's shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "{ objects: JsonValue[], values: JsonValue[] }")]
    pub diff: Option<Value>,
}

/// A release helm rendered in a dry run (`-o json`).
#[derive(Debug, Deserialize)]
struct Rendered {
    #[serde(default)]
    manifest: String,
    #[serde(default)]
    info: RenderedInfo,
    #[serde(default)]
    hooks: Vec<RenderedHook>,
}

#[derive(Debug, Default, Deserialize)]
struct RenderedInfo {
    #[serde(default)]
    notes: String,
}

#[derive(Debug, Deserialize)]
struct RenderedHook {
    #[serde(default)]
    manifest: String,
}

impl Rendered {
    /// The manifest with the hooks' objects (helm creates those too).
    fn all_objects(&self) -> Result<BTreeMap<String, Value>, ApiError> {
        let mut text = self.manifest.clone();
        for hook in &self.hooks {
            text.push_str("\n---\n");
            text.push_str(&hook.manifest);
        }
        objects_of(&text)
    }
}

/// The release name rule of Helm: a DNS-1123 label of at most 53 characters.
fn check_release_name(name: &str) -> Result<(), ApiError> {
    let too_long = if name.len() > 53 { Err("must be at most 53 characters") } else { Ok(()) };
    crate::names::check_dns1123_label(name)
        .and(too_long)
        .map_err(|why| ApiError::bad(format!("release name {name:?}: {why}")))
}

/// The values YAML as JSON (helm reads JSON as YAML): 400 naming the problem when it is not a map.
fn values_json(yaml: &str) -> Result<Vec<u8>, ApiError> {
    if yaml.trim().is_empty() {
        return Ok(b"{}".to_vec());
    }
    let value: Value =
        serde_saphyr::from_str(yaml).map_err(|e| ApiError::bad(format!("the values are not YAML: {e}")))?;
    match value {
        Value::Null => Ok(b"{}".to_vec()),
        Value::Object(_) => Ok(value.to_string().into_bytes()),
        _ => Err(ApiError::bad("the values must be a YAML map")),
    }
}

/// Writes `archive` (a downloaded chart) into the job.
fn chart_file(job: &HelmJob, archive: &[u8]) -> Result<String, ApiError> {
    job.write("chart.tgz", archive).map_err(job_error)
}

/// Runs helm's server-side dry run of `args` and reads the release it rendered.
async fn dry_run(write: &HelmWrite, job: &HelmJob, mut args: Vec<String>) -> Result<Rendered, ApiError> {
    args.extend(["--dry-run=server".into(), "-o".into(), "json".into()]);
    let run = write.helm(job, &args).await?;
    if !run.success {
        return Err(ApiError::HelmFailed(run.output));
    }
    serde_json::from_str(&run.stdout)
        .map_err(|e| ApiError::HelmFailed(format!("helm's dry run did not print a release ({e}): {}", run.output)))
}

/// An install's prepared run: the chart and values in a job, helm's arguments, what it touches.
struct PreparedInstall {
    write: HelmWrite,
    job: HelmJob,
    args: Vec<String>,
    source: ChartSource,
    version: String,
    rendered: Rendered,
    planned: Vec<PlannedObject>,
}

async fn prepare_install(
    state: AppState,
    user: std::sync::Arc<Identity>,
    ctx: AuditContext,
    cluster: String,
    body: InstallBody,
) -> Result<PreparedInstall, ApiError> {
    let namespace = Namespace::parse(body.namespace.clone()).map_err(|e| ApiError::bad(e.to_string()))?;
    check_release_name(&body.name)?;
    let values = values_json(&body.values)?;
    let write = HelmWrite::new(state, user, ctx, (cluster, namespace.to_string(), body.name.clone()))?;
    let source = ChartSource { repo: body.repo.clone(), chart: body.chart.clone() };
    let archive = write.state.charts.archive(&source, &body.version).await?;
    let job = HelmJob::new().map_err(job_error)?;
    let chart = chart_file(&job, &archive)?;
    let values = job.write("values.json", &values).map_err(job_error)?;
    let mut args =
        vec!["install".into(), body.name.clone(), chart, "-n".into(), namespace.to_string(), "-f".into(), values];
    let create_namespace = body.create_namespace.unwrap_or(false);
    if create_namespace {
        args.push("--create-namespace".into());
    }
    let rendered = dry_run(&write, &job, args.clone()).await?;
    let mut checks = vec![write.storage_check("create")];
    if create_namespace && !namespace_exists(&write.client, &namespace).await {
        checks.push(Check {
            object: format!("Namespace {namespace}"),
            verb: "create".into(),
            key: CheckKey {
                verb: "create".into(),
                group: String::new(),
                resource: "namespaces".into(),
                subresource: String::new(),
                namespace: String::new(),
                name: String::new(),
            },
        });
    }
    checks.extend(object_checks(&write.client, &rendered.all_objects()?, &write.namespace, |_| "create").await);
    let planned = evaluate(&write.client, checks).await;
    Ok(PreparedInstall { write, job, args, source, version: body.version, rendered, planned })
}

/// Whether the user can see that `namespace` exists (when they cannot, creating it is checked).
async fn namespace_exists(client: &kube::Client, namespace: &Namespace) -> bool {
    matches!(kube::Api::<NamespaceObject>::all(client.clone()).get_opt(namespace).await, Ok(Some(_)))
}

/// `POST /api/clusters/{c}/helm/install-preview`: what installing would create, rendered by a
/// server-side dry run as the user, with the access check of every object.
pub async fn install_preview(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(cluster): Path<String>,
    JsonBody(body): JsonBody<InstallBody>,
) -> Result<Response, ApiError> {
    let prepared = prepare_install(state, user, ctx, cluster, body).await?;
    Ok(Json(preview(prepared.rendered, prepared.planned, None)).into_response())
}

fn preview(rendered: Rendered, objects: Vec<PlannedObject>, diff: Option<Value>) -> HelmPreview {
    HelmPreview { denied: denied(&objects), manifest: rendered.manifest, notes: rendered.info.notes, objects, diff }
}

/// `POST /api/clusters/{c}/helm/install`: `helm install` of a chart version from a repository,
/// as the user, after the pre-flight; audited `helm_install`.
pub async fn install(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(cluster): Path<String>,
    JsonBody(body): JsonBody<InstallBody>,
) -> Result<Response, ApiError> {
    let prepared = prepare_install(state, user, ctx, cluster, body).await?;
    refuse_denied(&prepared.planned)?;
    let PreparedInstall { write, job, args, source, version, .. } = prepared;
    let extra = json!({ "release": write.name, "repo": source.repo, "chart": source.chart, "version": version });
    let (run, after) = write.audited(&job, Verb::HelmInstall, extra, args).await?;
    write.mark_source(Some(&source)).await;
    Ok(Json(json!({ "release": after, "output": run.output })).into_response())
}

/// An upgrade's prepared run.
struct PreparedUpgrade {
    write: HelmWrite,
    job: HelmJob,
    args: Vec<String>,
    current: Release,
    /// The repository the new revision comes from (the current one's when upgrading from storage).
    source: Option<ChartSource>,
    version: String,
    rendered: Rendered,
    planned: Vec<PlannedObject>,
    new_values: Value,
}

async fn prepare_upgrade(
    state: AppState,
    user: std::sync::Arc<Identity>,
    ctx: AuditContext,
    release: (String, String, String),
    body: UpgradeBody,
) -> Result<PreparedUpgrade, ApiError> {
    let values = values_json(&body.values)?;
    let new_values: Value = serde_json::from_slice(&values).unwrap_or_else(|_| json!({}));
    let write = HelmWrite::existing(state, user, ctx, release).await?;
    let current = write.release(None)?;
    let job = HelmJob::new().map_err(job_error)?;
    let (chart, source, version) = match &body.chart {
        Some(chart) => {
            let archive = write.state.charts.archive(&chart.source(), &chart.version).await?;
            (chart_file(&job, &archive)?, Some(chart.source()), chart.version.clone())
        }
        None => {
            let revisions = write.revisions()?;
            let stored = revisions.stored_chart().map_err(|e| e.into_api(&write.cluster))?;
            let dir = stored.write_to(job.path())?;
            let source = revisions.source();
            (dir.to_string_lossy().into_owned(), source, current.chart.metadata.version.clone())
        }
    };
    let values = job.write("values.json", &values).map_err(job_error)?;
    let args = vec![
        "upgrade".into(),
        write.name.clone(),
        chart,
        "-n".into(),
        write.namespace.clone(),
        "-f".into(),
        values,
        "--reset-values".into(),
    ];
    let rendered = dry_run(&write, &job, args.clone()).await?;
    let before = objects_of(&current.manifest)?;
    let after = rendered.all_objects()?;
    let mut checks = vec![write.storage_check("create"), write.storage_check("update")];
    checks.extend(
        object_checks(&write.client, &after, &write.namespace, |key| {
            if before.contains_key(key) { "patch" } else { "create" }
        })
        .await,
    );
    let removed: BTreeMap<String, Value> = before.into_iter().filter(|(k, _)| !after.contains_key(k)).collect();
    checks.extend(object_checks(&write.client, &removed, &write.namespace, |_| "delete").await);
    let planned = evaluate(&write.client, checks).await;
    Ok(PreparedUpgrade { write, job, args, current, source, version, rendered, planned, new_values })
}

/// `POST …/helm/releases/{ns}/{name}/upgrade-preview`: what upgrading would change (the diff
/// against the current revision) and whether the user may.
pub async fn upgrade_preview(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(release): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpgradeBody>,
) -> Result<Response, ApiError> {
    let prepared = prepare_upgrade(state, user, ctx, release, body).await?;
    let objects = compare::manifest_changes(&prepared.current.manifest, &prepared.rendered.manifest)
        .map_err(ApiError::Unreadable)?;
    let empty = json!({});
    let values = compare::changes(prepared.current.config.as_ref().unwrap_or(&empty), &prepared.new_values);
    let diff = json!({ "objects": objects, "values": values });
    Ok(Json(preview(prepared.rendered, prepared.planned, Some(diff))).into_response())
}

/// `POST …/helm/releases/{ns}/{name}/upgrade`: `helm upgrade` with the given values (the same
/// chart from storage, or another version from a repository), after the pre-flight; audited
/// `helm_upgrade`.
pub async fn upgrade(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(release): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpgradeBody>,
) -> Result<Response, ApiError> {
    let prepared = prepare_upgrade(state, user, ctx, release, body).await?;
    refuse_denied(&prepared.planned)?;
    let PreparedUpgrade { write, job, args, current, source, version, .. } = prepared;
    let extra = json!({
        "release": write.name, "from": current.version,
        "chartVersion": { "from": current.chart.metadata.version, "to": version },
        "repo": source.as_ref().map(|s| &s.repo),
    });
    let (run, after) = write.audited(&job, Verb::HelmUpgrade, extra, args).await?;
    write.mark_source(source.as_ref()).await;
    Ok(Json(json!({ "release": after, "output": run.output })).into_response())
}

/// Query of the chart repository routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    repo: String,
    chart: String,
    #[serde(default)]
    version: Option<String>,
}

/// The versions of a chart in a repository.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ChartVersions {
    pub repo: String,
    pub chart: String,
    pub versions: Vec<ChartVersion>,
}

/// `GET /api/clusters/{c}/helm/charts/versions?repo=&chart=`: the chart's versions, newest first.
pub async fn chart_versions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    Query(query): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    state.audience(&cluster, &user)?;
    let source = ChartSource { repo: query.repo, chart: query.chart };
    let versions = state.charts.versions(&source).await?;
    Ok(Json(ChartVersions { repo: source.repo, chart: source.chart, versions }).into_response())
}

/// A chart version's metadata and default values.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ChartValues {
    pub chart: ChartInfo,
    /// `values.yaml` as the chart ships it.
    pub values: String,
}

/// `GET /api/clusters/{c}/helm/charts/values?repo=&chart=&version=`: the chart's default values.
pub async fn chart_values(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    Query(query): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    state.audience(&cluster, &user)?;
    let version = query.version.ok_or_else(|| ApiError::bad("version is required"))?;
    let archive = state.charts.archive(&ChartSource { repo: query.repo, chart: query.chart }, &version).await?;
    let (chart, values) = crate::helm::repo::archive_values(&archive)?;
    Ok(Json(ChartValues { chart, values }).into_response())
}
