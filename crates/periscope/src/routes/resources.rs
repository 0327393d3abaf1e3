//! Per-cluster resource routes: `/api/clusters/{cluster}/resources/{group}/{version}/{resource}`.

use axum::{Json, extract::State};
use kube::api::{Api, DeleteParams, DynamicObject, PropagationPolicy};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    audit::{AuditContext, ResourceRef, Verb, outcome_of},
    config::clusters::check_dns1123_subdomain,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    identity::Identity,
    resources::kinds::Scope,
    resources::list::{ListPage, ListQuery, list as list_kind},
};

/// `GET …/resources/{group}/{version}/{resource}`: one page of projected rows, as the caller.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, group, version, resource)): Path<(String, String, String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ListPage>, ApiError> {
    let (kind, client) = state.kind_and_client(&cluster, &user, &group, &version, &resource).await?;
    Ok(Json(list_kind(&cluster, client, &kind, query).await?))
}

/// Query of a delete.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteQuery {
    /// `Foreground`, `Background` (default) or `Orphan`.
    pub propagation_policy: Option<String>,
}

/// `DELETE …/resources/{group}/{version}/{resource}/{namespace}/{name}`.
pub async fn delete_namespaced(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, namespace, name)): Path<(String, String, String, String, String, String)>,
    Query(query): Query<DeleteQuery>,
) -> Result<Json<Value>, ApiError> {
    delete_object(
        &state,
        &user,
        ctx,
        Target { cluster, group, version, resource, namespace: Some(namespace), name },
        query,
    )
    .await
}

/// `DELETE …/resources/{group}/{version}/{resource}/{name}` (cluster-scoped kinds).
pub async fn delete_cluster_scoped(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, group, version, resource, name)): Path<(String, String, String, String, String)>,
    Query(query): Query<DeleteQuery>,
) -> Result<Json<Value>, ApiError> {
    delete_object(&state, &user, ctx, Target { cluster, group, version, resource, namespace: None, name }, query).await
}

/// The object a per-object route addresses.
struct Target {
    cluster: String,
    group: String,
    version: String,
    resource: String,
    namespace: Option<String>,
    name: String,
}

async fn delete_object(
    state: &AppState,
    user: &Identity,
    ctx: AuditContext,
    target: Target,
    query: DeleteQuery,
) -> Result<Json<Value>, ApiError> {
    let Target { cluster, group, version, resource, namespace, name } = target;
    let (kind, client) = state.kind_and_client(&cluster, user, &group, &version, &resource).await?;
    let scope_matches = matches!((kind.scope, &namespace), (Scope::Namespaced, Some(_)) | (Scope::Cluster, None));
    if !scope_matches {
        return Err(ApiError::BadRequest(format!(
            "{} are {}: use …/{}{{name}}",
            kind.api.plural,
            if kind.scope == Scope::Namespaced { "namespaced" } else { "cluster-scoped" },
            if kind.scope == Scope::Namespaced { "{namespace}/" } else { "" }
        )));
    }
    for part in namespace.iter().chain(std::iter::once(&name)) {
        check_dns1123_subdomain(part).map_err(|why| ApiError::BadRequest(format!("{part:?}: {why}")))?;
    }
    let propagation = match query.propagation_policy.as_deref() {
        None | Some("") | Some("Background") => PropagationPolicy::Background,
        Some("Foreground") => PropagationPolicy::Foreground,
        Some("Orphan") => PropagationPolicy::Orphan,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "propagationPolicy {other:?} is not one of Foreground, Background, Orphan"
            )));
        }
    };
    let api_resource = &kind.api;
    let api: Api<DynamicObject> = match &namespace {
        Some(ns) => Api::namespaced_with(client, ns, api_resource),
        None => Api::all_with(client, api_resource),
    };
    let audited = ResourceRef {
        group: Some(kind.api.group.clone()).filter(|g| !g.is_empty()),
        version: Some(kind.api.version.clone()),
        resource: Some(kind.api.plural.clone()),
        namespace: namespace.clone(),
        name: Some(name.clone()),
    };
    let extra = json!({ "propagationPolicy": format!("{propagation:?}") });
    // Fail closed: no intent row, no delete.
    let action = state.audit.begin(ctx, Verb::Delete, Some(&cluster), audited, Some(extra)).await?;
    let params = DeleteParams { propagation_policy: Some(propagation), ..Default::default() };
    let result = api.delete(&name, &params).await;
    let (outcome, reason) = outcome_of(&result);
    state.audit.finish(&action, outcome, reason, None).await?;
    result.map_err(|e| ApiError::from_kube(&cluster, e))?;
    Ok(Json(json!({ "deleted": true, "cluster": cluster, "namespace": namespace, "name": name })))
}
