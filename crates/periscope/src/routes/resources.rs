//! Per-cluster resource lists: `/api/clusters/{cluster}/resources/{group}/{version}/{resource}`
//! (per-object routes live in `routes::objects`).

use axum::{Json, extract::State};

use crate::{
    app::AppState,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    resources::list::{ListPage, ListQuery, ListTarget},
    watch::hub::WatchKey,
};

/// `GET …/resources/{group}/{version}/{resource}`: one page of projected rows, as the caller.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, group, version, resource)): Path<(String, String, String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ListPage>, ApiError> {
    let audience = state.audience(&cluster, &user)?;
    let (kind, client) = state.kind_and_client_as(&audience, &group, &version, &resource).await?;
    let live = |namespace: &str, label_selector: &str, known: Option<&str>| {
        let key = WatchKey {
            audience: audience.clone(),
            kind: kind.path(),
            namespace: namespace.to_string(),
            label_selector: label_selector.to_string(),
        };
        state.watch.warm_rows(&key, known)
    };
    let target = ListTarget { audience: &audience, client, kind: &kind, live: Some(&live) };
    Ok(Json(state.lists.list(target, query).await?))
}
