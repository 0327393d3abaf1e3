//! Per-cluster resource routes: `/api/clusters/{cluster}/resources/{group}/{version}/{resource}`.

use axum::{Json, extract::State};

use crate::{
    app::AppState,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    resources::{
        find_kind,
        list::{ListPage, ListQuery, list as list_kind},
    },
};

/// `GET …/resources/{group}/{version}/{resource}`: one page of projected rows, as the caller.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, group, version, resource)): Path<(String, String, String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ListPage>, ApiError> {
    let kind = find_kind(&group, &version, &resource)
        .ok_or_else(|| ApiError::UnknownResource(format!("{group}/{version}/{resource}")))?;
    let client = state.client_for(&cluster, &user)?;
    Ok(Json(list_kind(&cluster, client, kind, query).await?))
}
