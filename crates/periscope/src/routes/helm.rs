//! `/api/clusters/{c}/helm/…`: Helm releases read as the user — list, detail, history, the
//! structured diff of two revisions and drift of a revision against the live objects.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use kube::{
    Api,
    api::{DynamicObject, GroupVersionKind},
    discovery::{ApiResource, Scope, pinned_kind},
};
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    error::ApiError,
    helm::{
        HelmError, HelmReader, ReleaseSummary, compare, computed_values, is_forbidden, runner,
        storage::{DecodeError, Release},
    },
    http::{authn::CurrentUser, body::JsonBody},
    routes::{cache::CheckKey, cani},
};

impl HelmError {
    fn into_api(self, cluster: &str) -> ApiError {
        match self {
            HelmError::Kube(e) => ApiError::from_kube(cluster, e),
            e @ (HelmError::NoRevision(..) | HelmError::NoRelease(..)) => ApiError::NotFound(e.to_string()),
            e @ HelmError::Decode {
                error: DecodeError::TooLarge | DecodeError::Json(_) | DecodeError::Gzip(_) | DecodeError::Base64(_),
                ..
            } => ApiError::Unreadable(e.to_string()),
        }
    }
}

fn reader(state: &AppState, cluster: &str, user: &crate::identity::Identity) -> Result<HelmReader, ApiError> {
    Ok(HelmReader::new(state.client_for(cluster, user)?))
}

/// Query of the release list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    namespace: Option<String>,
}

/// `GET /api/clusters/{c}/helm/releases`: the latest revision of every release the user can read.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (releases, truncated) =
        reader(&state, &cluster, &user)?.list(query.namespace.as_deref()).await.map_err(|e| e.into_api(&cluster))?;
    Ok(Json(json!({ "releases": releases, "truncated": truncated })).into_response())
}

/// Which revision a request is about.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionQuery {
    revision: Option<i64>,
}

/// `GET …/helm/releases/{ns}/{name}`: one revision (the latest unless `?revision=`).
pub async fn detail(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, namespace, name)): Path<(String, String, String)>,
    Query(query): Query<RevisionQuery>,
) -> Result<Response, ApiError> {
    let release = reader(&state, &cluster, &user)?
        .release(&namespace, &name, query.revision)
        .await
        .map_err(|e| e.into_api(&cluster))?;
    let resources: Vec<Value> = compare::manifest_objects(&release.manifest)
        .map_err(ApiError::Unreadable)?
        .values()
        .map(|o| {
            json!({
                "apiVersion": o.get("apiVersion"), "kind": o.get("kind"),
                "namespace": o.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(&release.namespace),
                "name": o.pointer("/metadata/name"),
            })
        })
        .collect();
    Ok(Json(json!({
        "release": ReleaseSummary::of(&release),
        "values": release.config.clone().unwrap_or_else(|| json!({})),
        "computedValues": computed_values(release.chart.values.as_ref(), release.config.as_ref()),
        "manifest": release.manifest,
        "notes": release.info.notes,
        "resources": resources,
    }))
    .into_response())
}

/// `GET …/helm/releases/{ns}/{name}/history`: revisions, newest first.
pub async fn history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, namespace, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let revisions =
        reader(&state, &cluster, &user)?.history(&namespace, &name).await.map_err(|e| e.into_api(&cluster))?;
    Ok(Json(json!({ "revisions": revisions })).into_response())
}

/// The two revisions of a diff.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    from: i64,
    to: i64,
}

/// `GET …/helm/releases/{ns}/{name}/diff?from=&to=`: what changed per object and path, and in values.
pub async fn diff(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, namespace, name)): Path<(String, String, String)>,
    Query(query): Query<DiffQuery>,
) -> Result<Response, ApiError> {
    let reader = reader(&state, &cluster, &user)?;
    let (from, to) = tokio::try_join!(
        reader.release(&namespace, &name, Some(query.from)),
        reader.release(&namespace, &name, Some(query.to))
    )
    .map_err(|e| e.into_api(&cluster))?;
    let objects = compare::manifest_changes(&from.manifest, &to.manifest).map_err(ApiError::Unreadable)?;
    let empty = json!({});
    let values = compare::changes(from.config.as_ref().unwrap_or(&empty), to.config.as_ref().unwrap_or(&empty));
    Ok(Json(json!({
        "from": ReleaseSummary::of(&from),
        "to": ReleaseSummary::of(&to),
        "objects": objects,
        "values": values,
    }))
    .into_response())
}

/// `GET …/helm/releases/{ns}/{name}/drift`: each object of the revision's manifest against the
/// live one, as the user: `inSync`, `drifted` (with the paths), `missing` or `forbidden`.
pub async fn drift(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, namespace, name)): Path<(String, String, String)>,
    Query(query): Query<RevisionQuery>,
) -> Result<Response, ApiError> {
    let client = state.client_for(&cluster, &user)?;
    let release = HelmReader::new(client.clone())
        .release(&namespace, &name, query.revision)
        .await
        .map_err(|e| e.into_api(&cluster))?;
    let objects = compare::manifest_objects(&release.manifest).map_err(ApiError::Unreadable)?;
    let mut answer = Vec::new();
    let mut discovered = Discovered::default();
    for (key, desired) in objects {
        let live = match discovered.place(&client, &desired, &release.namespace).await {
            Ok(at) => live_of(&client, &at).await,
            Err(e) => Err(e),
        };
        let (state, changes) = match live {
            Ok(Some(live)) => {
                let changes = compare::drift(&desired, &live);
                (if changes.is_empty() { "inSync" } else { "drifted" }, changes)
            }
            Ok(None) => ("missing", Vec::new()),
            Err(e) if is_forbidden(&e) => ("forbidden", Vec::new()),
            Err(e) => return Err(ApiError::from_kube(&cluster, e)),
        };
        answer.push(json!({ "object": key, "state": state, "changes": changes }));
    }
    let drifted = answer.iter().filter(|o| o["state"] != "inSync").count();
    Ok(Json(json!({ "release": ReleaseSummary::of(&release), "objects": answer, "drifted": drifted })).into_response())
}

/// Where a manifest object lives: its API resource, namespace (`None`: cluster-scoped) and name.
struct Placement {
    resource: ApiResource,
    namespace: Option<String>,
    name: String,
}

/// Discovery answers for one request: one lookup per group/version/kind, however many of a
/// manifest's objects share it.
#[derive(Default)]
struct Discovered(HashMap<String, (ApiResource, Scope)>);

impl Discovered {
    /// Where `object` (a manifest object of a release in `default_ns`) lives.
    async fn place(
        &mut self,
        client: &kube::Client,
        object: &Value,
        default_ns: &str,
    ) -> Result<Placement, kube::Error> {
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_string();
        let (api_version, kind) = (text("/apiVersion"), text("/kind"));
        let key = format!("{api_version}/{kind}");
        if !self.0.contains_key(&key) {
            let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
            let (resource, caps) = pinned_kind(client, &GroupVersionKind::gvk(group, version, &kind)).await?;
            self.0.insert(key.clone(), (resource, caps.scope));
        }
        // Inserted just above when it was missing.
        let (resource, scope) = self.0[&key].clone();
        let namespace = match scope {
            Scope::Namespaced => {
                Some(Some(text("/metadata/namespace")).filter(|n| !n.is_empty()).unwrap_or(default_ns.to_string()))
            }
            Scope::Cluster => None,
        };
        Ok(Placement { resource, namespace, name: text("/metadata/name") })
    }
}

/// The live object a manifest object describes (`None` when it does not exist).
async fn live_of(client: &kube::Client, at: &Placement) -> Result<Option<Value>, kube::Error> {
    let api: Api<DynamicObject> = match &at.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &at.resource),
        None => Api::all_with(client.clone(), &at.resource),
    };
    match api.get_opt(&at.name).await? {
        Some(object) => Ok(Some(serde_json::to_value(object).unwrap_or_default())),
        None => Ok(None),
    }
}

/// The body of a rollback.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollbackBody {
    revision: i64,
}

/// One Helm write's context: who asks, about which release, through which client.
struct HelmWrite {
    state: AppState,
    user: std::sync::Arc<crate::identity::Identity>,
    ctx: AuditContext,
    cluster: String,
    namespace: String,
    name: String,
    client: kube::Client,
    reader: HelmReader,
    /// The release's storage driver (helm must write with the same one).
    driver: &'static str,
    binary: std::path::PathBuf,
}

impl HelmWrite {
    /// The context of a write to `namespace/name`: 501 without helm, 404 without the release.
    async fn prepare(
        state: AppState,
        user: std::sync::Arc<crate::identity::Identity>,
        ctx: AuditContext,
        (cluster, namespace, name): (String, String, String),
    ) -> Result<Self, ApiError> {
        let binary = runner::helm_binary().ok_or_else(no_helm)?;
        let client = state.client_for(&cluster, &user)?;
        let reader = HelmReader::new(client.clone());
        let driver = reader.driver(&namespace, &name).await.map_err(|e| e.into_api(&cluster))?;
        Ok(HelmWrite { state, user, ctx, cluster, namespace, name, client, reader, driver, binary })
    }

    /// Revision `revision` (the latest for `None`) of the release.
    async fn release(&self, revision: Option<i64>) -> Result<Release, ApiError> {
        self.reader.release(&self.namespace, &self.name, revision).await.map_err(|e| e.into_api(&self.cluster))
    }

    /// The access check on the release's own storage (Helm writes a revision object, or deletes them).
    fn storage_check(&self, verb: &str) -> CheckKey {
        CheckKey {
            verb: verb.into(),
            group: String::new(),
            resource: if self.driver == "configmap" { "configmaps" } else { "secrets" }.into(),
            subresource: String::new(),
            namespace: self.namespace.clone(),
            name: String::new(),
        }
    }

    /// Runs `helm args…` between intent and outcome audit rows with a short-lived token of the
    /// user, then reads the release again (when it still exists).
    async fn run(
        self,
        verb: Verb,
        extra: Value,
        args: Vec<String>,
    ) -> Result<(runner::HelmRun, Option<ReleaseSummary>), ApiError> {
        let resource = ResourceRef {
            group: None,
            version: None,
            resource: Some("helmreleases".into()),
            namespace: Some(self.namespace.clone()),
            name: Some(self.name.clone()),
        };
        let audit = &self.state.audit;
        let record = audit.begin(self.ctx.clone(), verb, Some(&self.cluster), resource, Some(extra)).await?;
        let issued = self
            .state
            .tokens
            .issue(&self.user, &format!("helm {}", verb.as_str()), vec![self.cluster.clone()], Some(HELM_TOKEN_TTL))
            .await;
        let (secret, token) = match issued {
            Ok(issued) => issued,
            Err(e) => {
                audit.finish(&record, Outcome::Failure, Some(e.to_string()), None).await?;
                return Err(ApiError::Unavailable(e.to_string()));
            }
        };
        let server = format!("{}/api/clusters/{}/k8s", self.state.self_url, self.cluster);
        let run = runner::run(&self.binary, &server, &secret, self.driver, &args).await;
        let _ = self.state.tokens.revoke(&token.id, None).await;
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                audit.finish(&record, Outcome::Failure, Some(format!("helm did not run: {e}")), None).await?;
                return Err(ApiError::Internal(format!("helm did not run: {e}")));
            }
        };
        if !run.success {
            let details = json!({ "output": run.output });
            audit.finish(&record, Outcome::Failure, Some("helm failed".into()), Some(details)).await?;
            return Err(ApiError::HelmFailed(run.output));
        }
        let after = self.release(None).await.ok().map(|r| ReleaseSummary::of(&r));
        let details = json!({ "revision": after.as_ref().map(|r| r.revision) });
        audit.finish(&record, Outcome::Success, None, Some(details)).await?;
        Ok((run, after))
    }
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
    let write = HelmWrite::prepare(state, user, ctx, release).await?;
    let (current, target) = tokio::try_join!(write.release(None), write.release(Some(body.revision)))?;
    preflight(&write.client, &target, "patch", write.storage_check("create")).await?;
    let extra = json!({ "release": write.name, "from": current.version, "to": body.revision });
    let args =
        vec!["rollback".into(), write.name.clone(), body.revision.to_string(), "-n".into(), write.namespace.clone()];
    let (run, after) = write.run(Verb::HelmRollback, extra, args).await?;
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
    let write = HelmWrite::prepare(state, user, ctx, release).await?;
    let current = write.release(None).await?;
    let storage_verb = if query.keep_history { "update" } else { "delete" };
    preflight(&write.client, &current, "delete", write.storage_check(storage_verb)).await?;
    let extra = json!({ "release": write.name, "revision": current.version, "keepHistory": query.keep_history });
    let mut args = vec!["uninstall".into(), write.name.clone(), "-n".into(), write.namespace.clone()];
    if query.keep_history {
        args.push("--keep-history".into());
    }
    let (run, _) = write.run(Verb::HelmUninstall, extra, args).await?;
    Ok(Json(json!({ "uninstalled": true, "output": run.output })).into_response())
}

fn no_helm() -> ApiError {
    ApiError::HelmUnavailable(
        "Helm writes need the helm binary: set PERISCOPE_HELM_BINARY or put helm on the server's PATH".into(),
    )
}

/// Refuses (403 naming them) unless the user may `verb` every object of `release`'s manifest
/// and do `storage` on its storage.
async fn preflight(client: &kube::Client, release: &Release, verb: &str, storage: CheckKey) -> Result<(), ApiError> {
    let objects = compare::manifest_objects(&release.manifest).map_err(ApiError::Unreadable)?;
    let mut checks = vec![(format!("{} {}", storage.verb, storage.resource), storage)];
    let mut discovered = Discovered::default();
    for (key, object) in &objects {
        let Ok(at) = discovered.place(client, object, &release.namespace).await else {
            checks.push((format!("{verb} {key} (unknown kind)"), deny_all()));
            continue;
        };
        let check = CheckKey {
            verb: verb.into(),
            group: at.resource.group,
            resource: at.resource.plural,
            subresource: String::new(),
            namespace: at.namespace.unwrap_or_default(),
            name: at.name,
        };
        checks.push((format!("{verb} {key}"), check));
    }
    let answers = futures::future::join_all(checks.iter().map(|(_, check)| cani::allowed(client.clone(), check))).await;
    let denied: Vec<String> =
        checks.into_iter().zip(answers).filter(|(_, allowed)| !allowed).map(|((what, _), _)| what).collect();
    if denied.is_empty() {
        return Ok(());
    }
    Err(ApiError::PreflightDenied {
        message: format!("your role may not: {}; nothing was changed", denied.join(", ")),
        denied,
    })
}

/// A check no one passes (for an object whose kind the cluster does not serve).
fn deny_all() -> CheckKey {
    CheckKey {
        verb: String::new(),
        group: String::new(),
        resource: String::new(),
        subresource: String::new(),
        namespace: String::new(),
        name: String::new(),
    }
}

/// How long the token a Helm write runs with lives (it is revoked when helm ends).
const HELM_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(600);
