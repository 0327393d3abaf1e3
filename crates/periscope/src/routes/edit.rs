//! `POST {obj}/edit`: the YAML editor's preview and save. Only what the user changed from the
//! object as opened is applied, so no field the user did not touch changes owner.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

use super::{
    apply::{self, FIELD_MANAGER},
    objects::{Request, Target, to_json},
};
use crate::{
    audit::Verb,
    edit::{diff::diff, is_builtin_group, managers::owned_by, path, plan::Plan},
    error::ApiError,
};

/// The body of an edit.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EditBody {
    /// The YAML the editor opened (the base the changes are computed against).
    opened: String,
    /// The YAML as the user left it.
    edited: String,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    force: bool,
}

/// `POST {obj}/edit`.
pub async fn edit(request: Request, target: &Target) -> Result<Response, ApiError> {
    let body: EditBody = request.json()?;
    let opened = document(&body.opened, target, "opened")?;
    let edited = document(&body.edited, target, "edited")?;
    let builtin = is_builtin_group(&target.kind.api.group);
    let changes = diff(&opened, &edited, builtin);
    if changes.is_empty() {
        return Ok(Json(json!({ "changed": false, "dryRun": body.dry_run })).into_response());
    }
    let removed: Vec<String> = changes.remove.iter().map(|p| path::display(p)).collect();
    let extra = json!({ "edit": true, "dryRun": body.dry_run, "force": body.force, "removed": removed.len() });
    let (apply_body, object, live) = request
        .audited(Verb::Apply, target, Some(extra), async {
            let api = target.api();
            let live = api.get(&target.name).await.map_err(|e| target.err(e))?;
            let live = to_json(live)?;
            let plan = Plan::new(target.skeleton(), &edited, &changes, &owned_by(&live, FIELD_MANAGER));
            let removal = |params: &PatchParams, patch: &Value| {
                let patch = if builtin { Patch::Strategic(patch.clone()) } else { Patch::Merge(patch.clone()) };
                let (api, params) = (api.clone(), params.clone());
                async move { api.patch(&target.name, &params, &patch).await.map_err(|e| target.err(e)) }
            };
            let mut apply_params = PatchParams::apply(FIELD_MANAGER);
            apply_params.force = body.force;
            let update_params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
            let object = match (&plan.apply, &plan.removal) {
                (None, None) => live.clone(),
                (None, Some(patch)) => to_json(removal(&dry(&update_params, body.dry_run), patch).await?)?,
                (Some(doc), removal_patch) if body.dry_run => {
                    let applied = api
                        .patch(&target.name, &dry(&apply_params, true), &Patch::Apply(doc))
                        .await
                        .map_err(|e| target.err(e))?;
                    let mut object = to_json(applied)?;
                    // The removals as they will be made, shown on the dry run's result.
                    if removal_patch.is_some() {
                        for gone in &changes.remove {
                            path::remove(&mut object, gone);
                        }
                    }
                    object
                }
                (Some(doc), removal_patch) => {
                    if let Some(patch) = removal_patch {
                        // A conflict refuses the edit before anything is removed.
                        if !body.force {
                            api.patch(&target.name, &dry(&apply_params, true), &Patch::Apply(doc))
                                .await
                                .map_err(|e| target.err(e))?;
                        }
                        removal(&update_params, patch).await?;
                    }
                    let applied =
                        api.patch(&target.name, &apply_params, &Patch::Apply(doc)).await.map_err(|e| target.err(e))?;
                    to_json(applied)?
                }
            };
            let diff = target.diff(&live, &object);
            Ok(((plan.apply, object, live), diff))
        })
        .await?;
    Ok(Json(json!({
        "changed": true,
        "dryRun": body.dry_run,
        "apply": apply_body,
        "remove": removed,
        "object": target.answer(object)?,
        "live": if body.dry_run { target.answer(live)? } else { Value::Null },
    }))
    .into_response())
}

/// `params` with `dryRun` set to `on`.
fn dry(params: &PatchParams, on: bool) -> PatchParams {
    PatchParams { dry_run: on, ..params.clone() }
}

/// One of the two documents: parsed, naming the URL's object, without server-owned fields.
fn document(text: &str, target: &Target, which: &str) -> Result<Value, ApiError> {
    let mut doc = apply::parse_document(text.as_bytes()).map_err(|e| ApiError::bad(format!("{which}: {e}")))?;
    apply::check_identity(&mut doc, target.identity()).map_err(|e| ApiError::bad(format!("{which}: {e}")))?;
    apply::strip_server_fields(&mut doc);
    Ok(Value::Object(doc))
}
