//! Listing a kind through the caller's client: apiserver paging, selectors, projected rows.

use kube::api::{Api, DynamicObject, ListParams};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    catalog::Kind,
    kinds::Scope,
    projection::{Column, GENERIC, project},
};
use crate::{config::clusters::check_dns1123_label, error::ApiError};

/// The most rows one page may ask for.
pub const MAX_LIMIT: u32 = 5000;

/// Query parameters of a list request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<u32>,
    #[serde(rename = "continue")]
    pub continue_token: Option<String>,
}

/// The list answer: projected rows plus what a client needs to page and to resume watching.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    pub items: Vec<Value>,
    pub columns: &'static [Column],
    /// Token for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_token: Option<String>,
    /// Rows in this page plus, when the apiserver reports it, the rows after it.
    pub total: u64,
    pub resource_version: Option<String>,
}

/// Lists `kind` with `client` (already acting as the caller), as one apiserver page.
pub async fn list(cluster: &str, client: kube::Client, kind: &Kind, query: ListQuery) -> Result<ListPage, ApiError> {
    let resource = &kind.api;
    let projection = kind.spec.map_or(&GENERIC, |s| &s.projection);
    let namespace = query.namespace.as_deref().filter(|ns| !ns.is_empty());
    let api: Api<DynamicObject> = match (kind.scope, namespace) {
        (Scope::Cluster, Some(_)) => {
            return Err(ApiError::BadRequest(format!(
                "{} are cluster-scoped: drop the namespace parameter",
                kind.api.plural
            )));
        }
        (Scope::Namespaced, Some(ns)) => {
            check_dns1123_label(ns).map_err(|why| ApiError::BadRequest(format!("namespace {ns:?}: {why}")))?;
            Api::namespaced_with(client, ns, resource)
        }
        (_, None) => Api::all_with(client, resource),
    };
    let mut params = ListParams::default();
    if let Some(selector) = query.label_selector.filter(|s| !s.is_empty()) {
        params = params.labels(&selector);
    }
    if let Some(selector) = query.field_selector.filter(|s| !s.is_empty()) {
        params = params.fields(&selector);
    }
    if let Some(limit) = query.limit {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        params = params.limit(limit);
    }
    if let Some(token) = query.continue_token.filter(|t| !t.is_empty()) {
        params = params.continue_token(&token);
    }
    let list = api.list(&params).await.map_err(|e| ApiError::from_kube(cluster, e))?;
    let items: Vec<Value> = list.items.iter().map(|obj| project(projection, obj)).collect();
    let remaining = list.metadata.remaining_item_count.unwrap_or(0).max(0) as u64;
    Ok(ListPage {
        total: items.len() as u64 + remaining,
        items,
        columns: projection.columns,
        continue_token: list.metadata.continue_.filter(|c| !c.is_empty()),
        resource_version: list.metadata.resource_version,
    })
}
