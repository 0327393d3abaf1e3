//! Workload history and rollback: a Deployment's revisions are its ReplicaSets (annotation
//! `deployment.kubernetes.io/revision`); StatefulSets and DaemonSets keep ControllerRevisions.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use k8s_openapi::api::apps::v1::{ControllerRevision, ReplicaSet};
use kube::api::{ListParams, Patch, PatchParams};
use serde_json::{Value, json};

use super::objects::{Request, Target};
use crate::{audit::Verb, error::ApiError};

const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// One revision of a workload's pod template.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub revision: i64,
    /// The ReplicaSet or ControllerRevision holding it.
    pub name: String,
    pub created_at: Option<String>,
    pub change_cause: Option<String>,
    /// Whether the workload runs this revision now.
    pub current: bool,
    /// The pod template of the revision.
    pub template: Value,
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("to JSON: {e}")))
}

/// `matchLabels` of the workload's selector as a label selector string (narrows the list).
fn selector_of(workload: &Value) -> String {
    workload
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels.iter().filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?))).collect::<Vec<_>>().join(",")
        })
        .unwrap_or_default()
}

/// The workload's revisions, newest first.
async fn history(target: &Target) -> Result<Vec<Revision>, ApiError> {
    let workload = to_json(target.api().get(&target.name).await.map_err(|e| target.err(e))?)?;
    let uid = workload.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default().to_string();
    let params = ListParams::default().labels(&selector_of(&workload));
    let owned_by_workload = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.owner_references.iter().flatten().any(|o| o.uid == uid)
    };
    let created = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.creation_timestamp.as_ref().map(|t| t.0.to_string())
    };
    let annotation = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, key: &str| {
        meta.annotations.as_ref().and_then(|a| a.get(key).cloned())
    };
    let mut revisions = Vec::new();
    if target.is("apps", "deployments") {
        let current = workload.pointer(&format!("/metadata/annotations/{}", REVISION_ANNOTATION.replace('/', "~1")));
        let current = current.and_then(Value::as_str).and_then(|r| r.parse::<i64>().ok());
        let sets = target.typed::<ReplicaSet>().list(&params).await.map_err(|e| target.err(e))?;
        for rs in sets.items.into_iter().filter(|rs| owned_by_workload(&rs.metadata)) {
            let Some(revision) = annotation(&rs.metadata, REVISION_ANNOTATION).and_then(|r| r.parse::<i64>().ok())
            else {
                continue;
            };
            let mut template = to_json(rs.spec.map(|s| s.template).unwrap_or_default())?;
            // The controller adds this label to each ReplicaSet's copy; the Deployment never has it.
            if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
                labels.remove("pod-template-hash");
            }
            revisions.push(Revision {
                revision,
                name: rs.metadata.name.clone().unwrap_or_default(),
                created_at: created(&rs.metadata),
                change_cause: annotation(&rs.metadata, CHANGE_CAUSE),
                current: Some(revision) == current,
                template,
            });
        }
    } else {
        let update_revision = workload.pointer("/status/updateRevision").and_then(Value::as_str).map(str::to_string);
        let list = target.typed::<ControllerRevision>().list(&params).await.map_err(|e| target.err(e))?;
        for cr in list.items.into_iter().filter(|cr| owned_by_workload(&cr.metadata)) {
            // The data is a strategic-merge patch `{"spec":{"template":{…,"$patch":"replace"}}}`.
            let mut template =
                cr.data.as_ref().and_then(|d| d.0.pointer("/spec/template")).cloned().unwrap_or_default();
            if let Some(t) = template.as_object_mut() {
                t.remove("$patch");
            }
            let name = cr.metadata.name.clone().unwrap_or_default();
            revisions.push(Revision {
                revision: cr.revision,
                current: update_revision.as_deref() == Some(name.as_str()),
                name,
                created_at: created(&cr.metadata),
                change_cause: annotation(&cr.metadata, CHANGE_CAUSE),
                template,
            });
        }
        // DaemonSets have no updateRevision in status: the newest revision is the one rolled out.
        if !revisions.iter().any(|r| r.current)
            && let Some(newest) = revisions.iter_mut().max_by_key(|r| r.revision)
        {
            newest.current = true;
        }
    }
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    Ok(revisions)
}

/// `GET …/revisions` (deployments, statefulsets, daemonsets).
pub async fn revisions(target: &Target) -> Result<Response, ApiError> {
    Ok(Json(to_json(super::Items { items: history(target).await? })?).into_response())
}

/// Body of `POST …/rollback`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    revision: i64,
}

/// `POST …/rollback {"revision": n}`: puts revision `n`'s pod template back, like
/// `kubectl rollout undo --to-revision=n` (the controller then records it as a new revision).
pub async fn rollback(request: Request, target: &Target) -> Result<Response, ApiError> {
    let body: RollbackBody = request.json()?;
    let wanted = body.revision;
    let revision = request
        .audited(Verb::Rollback, target, Some(json!({ "revision": wanted })), async {
            let revisions = history(target).await?;
            let found = revisions.into_iter().find(|r| r.revision == wanted).ok_or_else(|| {
                ApiError::NotFound(format!("{} {} has no revision {wanted}", target.kind.api.kind, target.name))
            })?;
            let mut template = found.template.clone();
            if let Some(t) = template.as_object_mut() {
                // Replace the template as a whole: a merge would keep containers, env vars, …
                // that were added after the revision.
                t.insert("$patch".into(), Value::String("replace".into()));
            }
            let patch = json!({ "spec": { "template": template } });
            let params = PatchParams { field_manager: Some("periscope-rollback".into()), ..Default::default() };
            let before = target.api().get(&target.name).await.map_err(|e| target.err(e))?;
            let after = target
                .api()
                .patch(&target.name, &params, &Patch::Strategic(&patch))
                .await
                .map_err(|e| target.err(e))?;
            Ok((found.revision, target.diff(&before, &after)))
        })
        .await?;
    Ok(Json(json!({ "rolledBackTo": revision })).into_response())
}
