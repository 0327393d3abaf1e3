//! `GET /api/clusters/{cluster}/openapi/v3[/{path}]`: the apiserver's OpenAPI v3 index and
//! group-version documents, for editor schemas. Fetched with the user's client (the apiserver
//! decides who may read `/openapi`), cached per audience for ten minutes.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    error::ApiError,
    http::{
        authn::CurrentUser,
        extract::{Path, Query},
    },
    kube::Pool,
};

/// Longest accepted document path and `hash`.
const MAX_PATH_LEN: usize = 256;

/// Query: the `hash` the index hands out in each `serverRelativeURL` (content-addressed).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenApiQuery {
    pub hash: Option<String>,
}

/// `GET …/openapi/v3`: the index of group-version documents.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    Query(query): Query<OpenApiQuery>,
) -> Result<Response, ApiError> {
    fetch(&state, &user, cluster, String::new(), query).await
}

/// `GET …/openapi/v3/{*path}`: one document, e.g. `apis/apps/v1` or `api/v1`.
pub async fn document(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((cluster, path)): Path<(String, String)>,
    Query(query): Query<OpenApiQuery>,
) -> Result<Response, ApiError> {
    check_path(&path)?;
    fetch(&state, &user, cluster, path, query).await
}

/// Only lowercase letters, digits, `.`, `/`, `-`; no `..`, no empty segment: group names and
/// versions need nothing else, and nothing else can walk out of `/openapi/v3/`.
pub fn check_path(path: &str) -> Result<(), ApiError> {
    let bad = |why: &str| Err(ApiError::BadRequest(format!("openapi path {path:?}: {why}")));
    if path.is_empty() || path.len() > MAX_PATH_LEN {
        return bad(&format!("must be 1 to {MAX_PATH_LEN} characters"));
    }
    if !path.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '/' | '-')) {
        return bad("only a-z, 0-9, '.', '/' and '-' are allowed");
    }
    if path.contains("..") {
        return bad("'..' is not allowed");
    }
    if path.split('/').any(str::is_empty) {
        return bad("empty path segment");
    }
    Ok(())
}

fn check_hash(hash: &str) -> Result<(), ApiError> {
    if hash.is_empty() || hash.len() > MAX_PATH_LEN || !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::BadRequest("hash: 1 to 256 letters or digits".into()));
    }
    Ok(())
}

async fn fetch(
    state: &AppState,
    user: &crate::identity::Identity,
    cluster: String,
    path: String,
    query: OpenApiQuery,
) -> Result<Response, ApiError> {
    let hash = query.hash.unwrap_or_default();
    if !hash.is_empty() {
        check_hash(&hash)?;
    }
    // Resolve the client first: an unknown cluster is a 404 even when something is cached.
    let audience = state.audience(&cluster, user)?;
    let client = state.client(&audience, Pool::Requests)?;
    let key = (audience, path, hash);
    let body = match state.caches.openapi.get(&key) {
        Some(hit) => hit,
        None => {
            let mut uri = String::from("/openapi/v3");
            if !key.1.is_empty() {
                uri.push('/');
                uri.push_str(&key.1);
            }
            if !key.2.is_empty() {
                uri.push_str("?hash=");
                uri.push_str(&key.2);
            }
            let request = http::Request::get(&uri)
                .header(header::ACCEPT, "application/json")
                .body(Vec::new())
                .map_err(|e| ApiError::Internal(format!("openapi request {uri}: {e}")))?;
            let text = client.request_text(request).await.map_err(|e| ApiError::from_kube(&cluster, e))?;
            let body = Bytes::from(text);
            state.caches.openapi.insert(key, body.clone());
            body
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Per-user answer (fetched as the user): private caches only.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=600"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn paths_are_validated() {
        for ok in ["apis/apps/v1", "api/v1", "apis/networking.k8s.io/v1", "apis/periscope.dev/v1"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in
            ["", "../secrets", "apis/..", "apis/x..y", "apis/Apps/v1", "apis//v1", "apis/v1?x", "/api/v1", "a%2f"]
        {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
