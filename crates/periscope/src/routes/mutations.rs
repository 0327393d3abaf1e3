//! One-click mutations: scale, restart, cordon/uncordon, suspend/resume, labels (each a minimal
//! server-side apply of exactly its field) and triggering a CronJob.
//!
//! Each action applies as its own field manager (`periscope-scale`, …). Server-side apply drops
//! fields a manager stops sending, so if the YAML editor (`periscope`) and "scale" shared one
//! manager, scaling would send only `spec.replicas` and delete everything else the editor applied.

use std::collections::BTreeMap;

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use k8s_openapi::{
    api::batch::v1::{CronJob, Job},
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference},
};
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::objects::{Request, Target};
use crate::{audit::Verb, error::ApiError};

/// Applies `doc` (a skeleton plus one field) as `manager`, taking the field over from others,
/// between audit rows. The object must exist: apply would otherwise create it from one field.
async fn one_click(
    request: &Request,
    target: &Target,
    verb: Verb,
    manager: &str,
    doc: Value,
    extra: Value,
) -> Result<Response, ApiError> {
    let object = request
        .audited(verb, target, Some(extra), async {
            let api = target.api();
            let before = api.get(&target.name).await.map_err(|e| target.err(e))?;
            let params = PatchParams::apply(manager).force();
            let object = api.patch(&target.name, &params, &Patch::Apply(&doc)).await.map_err(|e| target.err(e))?;
            let diff = target.diff(&before, &object);
            Ok((object, diff))
        })
        .await?;
    Ok(Json(json!({ "object": target.answer(object)? })).into_response())
}

/// Body of `POST …/scale`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleBody {
    replicas: i64,
}

/// `POST …/scale {"replicas": n}` (deployments, statefulsets, replicasets).
pub async fn scale(request: Request, target: &Target) -> Result<Response, ApiError> {
    let body: ScaleBody = request.json()?;
    let replicas = i32::try_from(body.replicas)
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::bad(format!("replicas must be between 0 and {}", i32::MAX)))?;
    let mut doc = target.skeleton();
    doc["spec"] = json!({ "replicas": replicas });
    one_click(&request, target, Verb::Scale, "periscope-scale", doc, json!({ "replicas": replicas })).await
}

/// `POST …/restart` (deployments, statefulsets, daemonsets): stamps the pod template like
/// `kubectl rollout restart`, which makes the controller roll every pod.
pub async fn restart(request: Request, target: &Target) -> Result<Response, ApiError> {
    let now = jiff::Timestamp::now();
    // Whole seconds, as kubectl writes it.
    let stamp = jiff::Timestamp::from_second(now.as_second()).unwrap_or(now).to_string();
    let mut doc = target.skeleton();
    doc["spec"] =
        json!({ "template": { "metadata": { "annotations": { "kubectl.kubernetes.io/restartedAt": stamp } } } });
    one_click(&request, target, Verb::Restart, "periscope-restart", doc, json!({ "restartedAt": stamp })).await
}

/// `POST …/cordon` / `…/uncordon` (nodes): `spec.unschedulable`.
pub async fn cordon(request: Request, target: &Target, cordon: bool) -> Result<Response, ApiError> {
    let verb = if cordon { Verb::Cordon } else { Verb::Uncordon };
    let mut doc = target.skeleton();
    doc["spec"] = json!({ "unschedulable": cordon });
    one_click(&request, target, verb, "periscope-cordon", doc, json!({ "unschedulable": cordon })).await
}

/// `POST …/suspend` / `…/resume` (cronjobs): `spec.suspend`.
pub async fn suspend(request: Request, target: &Target, suspend: bool) -> Result<Response, ApiError> {
    let verb = if suspend { Verb::Suspend } else { Verb::Resume };
    let mut doc = target.skeleton();
    doc["spec"] = json!({ "suspend": suspend });
    one_click(&request, target, verb, "periscope-suspend", doc, json!({ "suspend": suspend })).await
}

/// Body of `PUT …/labels`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsBody {
    labels: BTreeMap<String, String>,
}

/// `PUT …/labels {"labels": {...}}` (any kind): the labels Periscope manages become exactly
/// these; labels other managers own stay.
pub async fn labels(request: Request, target: &Target) -> Result<Response, ApiError> {
    let body: LabelsBody = request.json()?;
    let mut doc = target.skeleton();
    doc["metadata"]["labels"] = json!(body.labels);
    let keys: Vec<&String> = body.labels.keys().collect();
    one_click(&request, target, Verb::Labels, "periscope-labels", doc.clone(), json!({ "keys": keys })).await
}

/// The name of a manually triggered Job: `<cronjob>-manual-<unix>`, shortened to 63 characters
/// (Job names end up in the `job-name` pod label, which is limited to 63).
pub fn manual_job_name(cronjob: &str, unix: i64) -> String {
    let suffix = format!("-manual-{unix}");
    let room = 63usize.saturating_sub(suffix.len());
    let prefix: String = cronjob.chars().take(room).collect();
    format!("{}{suffix}", prefix.trim_end_matches(['-', '.']))
}

/// `POST …/trigger` (cronjobs): creates a Job from the jobTemplate, like
/// `kubectl create job --from=cronjob/<name>`.
pub async fn trigger(request: Request, target: &Target) -> Result<Response, ApiError> {
    let job_name = manual_job_name(&target.name, jiff::Timestamp::now().as_second());
    let created = request
        .audited(Verb::Trigger, target, Some(json!({ "jobName": job_name })), async {
            let cronjob = target.typed::<CronJob>().get(&target.name).await.map_err(|e| target.err(e))?;
            let template = cronjob.spec.map(|s| s.job_template).unwrap_or_default();
            let template_meta = template.metadata.unwrap_or_default();
            let mut annotations = template_meta.annotations.unwrap_or_default();
            annotations.insert("cronjob.kubernetes.io/instantiate".into(), "manual".into());
            let owner = OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: target.name.clone(),
                uid: cronjob.metadata.uid.unwrap_or_default(),
                controller: Some(true),
                // Left unset: setting it needs `update` on cronjobs/finalizers, which editors may lack.
                block_owner_deletion: None,
            };
            let job = Job {
                metadata: ObjectMeta {
                    name: Some(job_name.clone()),
                    namespace: target.namespace.clone().map(String::from),
                    labels: template_meta.labels,
                    annotations: Some(annotations),
                    owner_references: Some(vec![owner]),
                    ..Default::default()
                },
                spec: template.spec,
                status: None,
            };
            let params = PostParams { field_manager: Some("periscope-trigger".into()), ..Default::default() };
            let created = target.typed::<Job>().create(&params, &job).await.map_err(|e| target.err(e))?;
            Ok((created, None))
        })
        .await?;
    Ok(Json(json!({ "jobName": created.metadata.name, "namespace": created.metadata.namespace })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_job_names_fit_a_label_value() {
        assert_eq!(manual_job_name("backup", 1700000000), "backup-manual-1700000000");
        let long = "a".repeat(52);
        let name = manual_job_name(&long, 1700000000);
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("-manual-1700000000"));
        assert_eq!(
            manual_job_name(&format!("{}-b", "x".repeat(44)), 1700000000).len(),
            62,
            "no dash before the suffix"
        );
    }
}
