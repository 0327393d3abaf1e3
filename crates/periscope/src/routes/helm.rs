//! `/api/clusters/{c}/helm/…`: Helm releases read as the user — list, detail, history, the
//! structured diff of two revisions and drift of a revision against the live objects. Writes
//! are in `helm_write.rs`.

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
    error::ApiError,
    helm::{HelmError, HelmReader, ReleaseSummary, compare, computed_values, is_forbidden, storage::DecodeError},
    http::authn::CurrentUser,
};

impl HelmError {
    /// The envelope of a Helm read error in `cluster`.
    pub(crate) fn into_api(self, cluster: &str) -> ApiError {
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
    let revisions =
        reader(&state, &cluster, &user)?.revisions(&namespace, &name).await.map_err(|e| e.into_api(&cluster))?;
    let release = revisions.release(query.revision).map_err(|e| e.into_api(&cluster))?;
    let source = revisions.source();
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
        "source": source,
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
        reader(&state, &cluster, &user)?.revisions(&namespace, &name).await.map_err(|e| e.into_api(&cluster))?;
    let summaries = revisions.history().map_err(|e| e.into_api(&cluster))?;
    Ok(Json(json!({ "revisions": summaries })).into_response())
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
    let revisions =
        reader(&state, &cluster, &user)?.revisions(&namespace, &name).await.map_err(|e| e.into_api(&cluster))?;
    let (from, to) = (revisions.release(Some(query.from)), revisions.release(Some(query.to)));
    let (from, to) = (from.map_err(|e| e.into_api(&cluster))?, to.map_err(|e| e.into_api(&cluster))?);
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
        .revisions(&namespace, &name)
        .await
        .and_then(|revisions| revisions.release(query.revision))
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
pub(crate) struct Placement {
    pub(crate) resource: ApiResource,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
}

/// Discovery answers for one request: one lookup per group/version/kind, however many of a
/// manifest's objects share it.
#[derive(Default)]
pub(crate) struct Discovered(HashMap<String, (ApiResource, Scope)>);

impl Discovered {
    /// Where `object` (a manifest object of a release in `default_ns`) lives.
    pub(crate) async fn place(
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
