//! Cmd+K search: names across the main kinds, listed with the user's client concurrently and
//! ranked exact > prefix > contains. The kinds are the table's rows with a search rank
//! (resources/kinds.rs). Per-cluster `GET /api/clusters/{c}/search` and fleet-wide
//! `GET /api/search`. Kinds or clusters that fail (403, timeouts) are reported, not fatal.

use std::time::Duration;

use axum::{Json, extract::State};
use futures::future::join_all;
use kube::api::{Api, DynamicObject, ListParams};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::reason::{Failure, within};
use crate::{
    app::AppState,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    identity::Identity,
    names::Namespace,
    resources::kinds::{KINDS, KindSpec, Scope, searched_kinds},
};

/// Longest query (a DNS subdomain, the longest Kubernetes name).
const MAX_QUERY_LEN: usize = 253;
/// Default and maximum number of hits returned.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;
/// Objects fetched per kind: search is a palette, not an export; the answer says when a kind
/// had more.
const LIST_CAP: u32 = 5000;
/// Deadline of one kind's list, and of one cluster in a fleet-wide search.
const KIND_TIMEOUT: Duration = Duration::from_secs(5);
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(6);

/// Query of both search routes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub limit: Option<usize>,
    /// Only namespaced kinds in this namespace (cluster-scoped kinds are still searched):
    /// users whose RBAC is per namespace cannot list across all namespaces.
    pub namespace: Option<String>,
    /// Comma list of resources (e.g. `pods,deployments`); default all.
    pub kinds: Option<String>,
    /// Fleet-wide only: `*` (default) or a comma list of cluster names.
    pub clusters: Option<String>,
}

/// One match.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    pub cluster: String,
    /// The API group (`""` for core; resource URLs spell it `core`).
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip)]
    rank: u8,
}

/// A kind or cluster that could not be searched.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchError {
    pub cluster: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub resource: Option<String>,
    #[serde(flatten)]
    pub failure: Failure,
}

/// Answer of both routes.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub results: Vec<Hit>,
    /// Matches found before `limit` was applied.
    pub total: usize,
    /// True when some kind or cluster is missing from the results (see `errors`) or was cut at
    /// the per-kind cap (see `truncated`).
    pub partial: bool,
    pub errors: Vec<SearchError>,
    /// `cluster/resource` of kinds that had more objects than were looked at.
    pub truncated: Vec<String>,
}

/// The validated query.
struct Plan {
    needle: String,
    limit: usize,
    namespace: Option<String>,
    kinds: Vec<&'static KindSpec>,
}

fn plan(query: &SearchQuery) -> Result<Plan, ApiError> {
    let q = query.q.as_deref().unwrap_or_default().trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_LEN {
        return Err(ApiError::BadRequest(format!("q must be 1 to {MAX_QUERY_LEN} characters")));
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be 1 to {MAX_LIMIT}")));
    }
    if let Some(ns) = &query.namespace {
        Namespace::parse(ns.as_str())?;
    }
    let searchable = searched_kinds();
    let kinds = match query.kinds.as_deref().filter(|k| !k.is_empty()) {
        None => searchable,
        Some(list) => list
            .split(',')
            .map(|r| {
                searchable.iter().copied().find(|k| k.plural == r.trim()).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "kinds: {r:?} is not searchable (one of {})",
                        searchable.iter().map(|k| k.plural).collect::<Vec<_>>().join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(Plan { needle: q.to_lowercase(), limit, namespace: query.namespace.clone(), kinds })
}

/// 0 exact, 1 prefix, 2 contains (case-insensitive); `None` = no match.
fn rank(name: &str, needle: &str) -> Option<u8> {
    let name = name.to_lowercase();
    if name == needle {
        Some(0)
    } else if name.starts_with(needle) {
        Some(1)
    } else if name.contains(needle) {
        Some(2)
    } else {
        None
    }
}

/// What one cluster contributed.
#[derive(Default)]
struct ClusterHits {
    hits: Vec<Hit>,
    errors: Vec<SearchError>,
    truncated: Vec<String>,
}

async fn search_cluster(client: kube::Client, cluster: &str, plan: &Plan) -> ClusterHits {
    let lists = plan.kinds.iter().map(|k| {
        let client = client.clone();
        async move {
            let resource = k.api_resource();
            let api: Api<DynamicObject> = match (&plan.namespace, k.scope) {
                (Some(ns), Scope::Namespaced) => Api::namespaced_with(client, ns, &resource),
                _ => Api::all_with(client, &resource),
            };
            (k, within(KIND_TIMEOUT, api.list_metadata(&ListParams::default().limit(LIST_CAP))).await)
        }
    });
    let mut out = ClusterHits::default();
    for (k, listed) in join_all(lists).await {
        let list = match listed {
            Ok(list) => list,
            Err(failure) => {
                out.errors.push(SearchError {
                    cluster: cluster.to_string(),
                    resource: Some(k.plural.to_string()),
                    failure,
                });
                continue;
            }
        };
        if list.metadata.continue_.as_deref().is_some_and(|c| !c.is_empty()) {
            out.truncated.push(format!("{cluster}/{}", k.plural));
        }
        for item in list.items {
            let Some(name) = item.metadata.name else { continue };
            let Some(rank) = rank(&name, &plan.needle) else { continue };
            out.hits.push(Hit {
                cluster: cluster.to_string(),
                group: k.group.to_string(),
                version: k.version.to_string(),
                resource: k.plural.to_string(),
                kind: k.kind.to_string(),
                namespace: item.metadata.namespace,
                name,
                rank,
            });
        }
    }
    out
}

fn respond(parts: Vec<ClusterHits>, limit: usize) -> SearchResponse {
    let mut results = Vec::new();
    let mut errors = Vec::new();
    let mut truncated = Vec::new();
    for part in parts {
        results.extend(part.hits);
        errors.extend(part.errors);
        truncated.extend(part.truncated);
    }
    let kind_order = |resource: &str| KINDS.iter().find(|k| k.plural == resource).and_then(|k| k.search_rank);
    results.sort_by(|a, b| {
        (a.rank, &a.name, kind_order(&a.resource), &a.namespace, &a.cluster).cmp(&(
            b.rank,
            &b.name,
            kind_order(&b.resource),
            &b.namespace,
            &b.cluster,
        ))
    });
    let total = results.len();
    results.truncate(limit);
    let partial = !errors.is_empty() || !truncated.is_empty();
    SearchResponse { results, total, partial, errors, truncated }
}

/// `GET /api/clusters/{cluster}/search?q=&limit=&namespace=&kinds=`.
pub async fn cluster_search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResponse>, ApiError> {
    if query.clusters.is_some() {
        return Err(ApiError::BadRequest("clusters applies to /api/search only".into()));
    }
    let plan = plan(&query)?;
    let client = state.client_for(&cluster, &user)?;
    let hits = search_cluster(client, &cluster, &plan).await;
    Ok(Json(respond(vec![hits], plan.limit)))
}

/// `GET /api/search?q=&clusters=*|a,b&limit=&namespace=&kinds=`: every named cluster at once.
pub async fn fleet_search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResponse>, ApiError> {
    let plan = plan(&query)?;
    let names: Vec<String> = match query.clusters.as_deref().map(str::trim) {
        None | Some("") | Some("*") => state.registry.all().iter().map(|c| c.config.name.clone()).collect(),
        Some(list) => {
            let names: Vec<String> = list.split(',').map(|n| n.trim().to_string()).collect();
            // Unknown names are the caller's mistake, answered like any unknown cluster.
            if let Some(unknown) = names.iter().find(|n| state.registry.get(n).is_none()) {
                return Err(ApiError::ClusterNotFound(unknown.clone()));
            }
            names
        }
    };
    let parts = join_all(names.iter().map(|name| one_cluster(&state, &user, name, &plan))).await;
    Ok(Json(respond(parts, plan.limit)))
}

async fn one_cluster(state: &AppState, user: &Identity, cluster: &str, plan: &Plan) -> ClusterHits {
    let failed = |failure: Failure| ClusterHits {
        errors: vec![SearchError { cluster: cluster.to_string(), resource: None, failure }],
        ..Default::default()
    };
    let client = match state.client_for(cluster, user) {
        Ok(client) => client,
        Err(err) => return failed(Failure::from_api_error(&err)),
    };
    match tokio::time::timeout(CLUSTER_TIMEOUT, search_cluster(client, cluster, plan)).await {
        Ok(hits) => hits,
        Err(_) => failed(Failure::timeout(CLUSTER_TIMEOUT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_exact_then_prefix_then_contains() {
        assert_eq!(rank("web", "web"), Some(0));
        assert_eq!(rank("Web-7d9c", "web"), Some(1));
        assert_eq!(rank("my-web", "web"), Some(2));
        assert_eq!(rank("api", "web"), None);
    }

    #[test]
    fn query_is_validated() {
        let q = |q: &str| SearchQuery { q: Some(q.into()), limit: None, namespace: None, kinds: None, clusters: None };
        assert!(plan(&q("")).is_err());
        assert!(plan(&q(&"x".repeat(254))).is_err());
        assert!(plan(&q("web")).is_ok());
        assert!(plan(&SearchQuery { kinds: Some("pods,widgets".into()), ..q("web") }).is_err());
        assert!(plan(&SearchQuery { limit: Some(0), ..q("web") }).is_err());
    }
}
