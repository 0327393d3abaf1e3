//! `GET /api/clusters/{cluster}/usage/{pods|nodes}`: metrics-server usage, read as the caller
//! (docs/api.md, Usage). Missing metrics are not an error: the answer says `available: false`
//! and why, so a cluster without metrics-server shows its pages as they are.

use axum::{Json, extract::State};
use serde::Deserialize;

use crate::{
    app::AppState,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    kube::Pool,
    names::{Namespace, check_object_name},
    usage::{UsageKind, UsageList, UsageSort},
};

/// The most samples one answer may ask for.
const MAX_LIMIT: usize = 5000;

/// Query parameters of the usage route.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// Pods of one namespace (all when absent); not for nodes.
    pub namespace: Option<String>,
    /// One pod or node.
    pub name: Option<String>,
    /// `cpu`, `-cpu`, `memory` or `-memory` (`-`: highest first).
    pub sort: Option<String>,
    /// At most this many samples (1–5000), after sorting.
    pub limit: Option<usize>,
}

/// `GET …/usage/{kind}`: the usage of pods (of a namespace) or nodes, or of one of them.
pub async fn usage(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, kind)): Path<(String, String)>,
    Query(query): Query<UsageQuery>,
) -> Result<Json<UsageList>, ApiError> {
    let kind = UsageKind::parse(&kind)
        .ok_or_else(|| ApiError::bad(format!("usage is read for pods and nodes, not {kind:?}")))?;
    let namespace = query.namespace.filter(|ns| !ns.is_empty()).map(Namespace::parse).transpose()?;
    if kind == UsageKind::Nodes && namespace.is_some() {
        return Err(ApiError::bad("nodes are cluster-scoped: drop the namespace parameter"));
    }
    let name = query.name.filter(|n| !n.is_empty());
    if let Some(name) = &name {
        check_object_name(name)?;
        if kind == UsageKind::Pods && namespace.is_none() {
            return Err(ApiError::bad("a pod is named within a namespace: add the namespace parameter"));
        }
    }
    let sort = match query.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            Some(UsageSort::parse(raw).ok_or_else(|| ApiError::bad("sort is one of cpu, -cpu, memory, -memory"))?)
        }
        None => None,
    };
    if query.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT) {
        return Err(ApiError::bad(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    let audience = state.audience(&cluster, &user)?;
    let client = state.client(&audience, Pool::Requests)?;
    let sampled = state.usage.read(&audience, &client, kind, namespace.as_deref(), name.as_deref()).await;
    Ok(Json(sampled.answer(sort, query.limit)))
}
