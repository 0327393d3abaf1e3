//! Personal access tokens for the Kubernetes API proxy (`/api/tokens`) and the kubeconfig
//! download that issues one (`/api/kubeconfig`). Issuing and revoking are audited.

use std::time::Duration;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    auth::tokens::{IssueError, TokenRecord},
    authz::AuditScope,
    error::ApiError,
    http::{authn::CurrentUser, body::JsonBody},
    identity::Identity,
};

/// The body of `POST /api/tokens`.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewToken {
    name: String,
    clusters: Vec<String>,
    ttl_seconds: Option<u64>,
}

/// The answer of `POST /api/tokens`: the token as listed, and its secret (this answer only).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub record: TokenRecord,
    pub token: String,
}

/// The answer of `GET /api/tokens`.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenList {
    pub items: Vec<TokenRecord>,
    /// The longest TTL a new token may have.
    pub max_ttl_seconds: u64,
}

/// `POST /api/tokens`: a new token, its secret shown this once.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<Response, ApiError> {
    let ttl = body.ttl_seconds.map(Duration::from_secs);
    let (secret, record) = issue(&state, ctx, &user, &body.name, body.clusters, ttl, false).await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { record, token: secret })).into_response())
}

/// Query of `GET /api/tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Every user's tokens (audit admins only).
    #[serde(default)]
    all: bool,
}

/// `GET /api/tokens`: the caller's live tokens (`?all=true`: everyone's, for audit admins).
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let admin = state.auth.authz.audit_scope(&user) == AuditScope::All;
    if query.all && !admin {
        return Err(ApiError::Forbidden("only audit admins may list every user's tokens".into()));
    }
    let subject = (!query.all).then_some(user.subject.as_str());
    let items = state.tokens.list(subject).await.map_err(store_error)?;
    Ok(Json(TokenList { items, max_ttl_seconds: state.tokens.max_ttl.as_secs() }).into_response())
}

/// `DELETE /api/tokens/{id}`: revokes one of the caller's tokens (any token, for audit admins).
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let admin = state.auth.authz.audit_scope(&user) == AuditScope::All;
    let owner = if admin { None } else { Some(user.subject.as_str()) };
    let found = state.tokens.list(owner).await.map_err(store_error)?.into_iter().find(|t| t.id == id);
    // Someone else's token is not even said to exist.
    let token = found.ok_or_else(|| ApiError::NotFound(format!("no token {id}")))?;
    let extra = json!({ "tokenId": token.id, "owner": token.subject });
    let record = state.audit.begin(ctx, Verb::TokenRevoke, None, ResourceRef::default(), Some(extra)).await?;
    let revoked = state.tokens.revoke(&id, owner).await.map_err(store_error);
    let outcome = if matches!(revoked, Ok(true)) { Outcome::Success } else { Outcome::Failure };
    state.audit.finish(&record, outcome, None, None).await?;
    revoked?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Query of `GET /api/kubeconfig`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeconfigQuery {
    /// Comma-separated cluster names.
    clusters: String,
}

/// `GET /api/kubeconfig?clusters=a,b`: a kubeconfig with one context per cluster, pointing at
/// the proxy, and a fresh token for those clusters.
pub async fn kubeconfig(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    headers: HeaderMap,
    Query(query): Query<KubeconfigQuery>,
) -> Result<Response, ApiError> {
    let clusters: Vec<String> =
        query.clusters.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect();
    let name = format!("kubeconfig {}", clusters.join(","));
    let (secret, record) = issue(&state, ctx, &user, &name, clusters, None, true).await?;
    let base = base_url(&headers)?;
    let text = kubeconfig_yaml(&base, &record, &secret);
    Ok((
        [
            (header::CONTENT_TYPE, "application/yaml"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"periscope.kubeconfig\""),
        ],
        text,
    )
        .into_response())
}

/// Issues a token between its audit rows, after checking its clusters exist.
async fn issue(
    state: &AppState,
    ctx: AuditContext,
    user: &Identity,
    name: &str,
    clusters: Vec<String>,
    ttl: Option<Duration>,
    for_kubeconfig: bool,
) -> Result<(String, TokenRecord), ApiError> {
    if let Some(unknown) = clusters.iter().find(|c| state.registry.get(c).is_none()) {
        return Err(ApiError::ClusterNotFound(unknown.clone()));
    }
    let extra = json!({ "name": name, "clusters": clusters, "kubeconfig": for_kubeconfig });
    let record = state.audit.begin(ctx, Verb::TokenCreate, None, ResourceRef::default(), Some(extra)).await?;
    match state.tokens.issue(user, name, clusters, ttl).await {
        Ok((secret, token)) => {
            let details = json!({ "tokenId": token.id, "expiresAt": token.expires_at });
            state.audit.finish(&record, Outcome::Success, None, Some(details)).await?;
            Ok((secret, token))
        }
        Err(e) => {
            state.audit.finish(&record, Outcome::Failure, Some(e.to_string()), None).await?;
            Err(match e {
                IssueError::Invalid(message) => ApiError::BadRequest(message),
                IssueError::Store(e) => store_error(e),
            })
        }
    }
}

fn store_error(e: crate::auth::store::StoreError) -> ApiError {
    ApiError::Unavailable(e.to_string())
}

/// This server's URL as the caller reached it (the kubeconfig points there).
fn base_url(headers: &HeaderMap) -> Result<String, ApiError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Not X-Forwarded-Host: whoever can set it would receive the token's requests.
    let host = text(header::HOST.as_str()).ok_or_else(|| ApiError::bad("the request has no Host header"))?;
    if host.chars().any(|c| c.is_whitespace() || c == '/' || c == '@') {
        return Err(ApiError::bad("the Host header is not a host"));
    }
    let scheme = match text("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    Ok(format!("{scheme}://{host}"))
}

/// The kubeconfig text: a cluster, user and context per cluster, the first context current.
fn kubeconfig_yaml(base: &str, token: &TokenRecord, secret: &str) -> String {
    let mut clusters = String::new();
    let mut contexts = String::new();
    for name in &token.clusters {
        clusters.push_str(&format!(
            "- name: periscope-{name}\n  cluster:\n    server: {}\n",
            quoted(&format!("{base}/api/clusters/{name}/k8s"))
        ));
        contexts.push_str(&format!(
            "- name: periscope-{name}\n  context:\n    cluster: periscope-{name}\n    user: periscope\n"
        ));
    }
    let current = token.clusters.first().map(|c| format!("periscope-{c}")).unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\n# Periscope token {} for {} (expires at unix time {}).\nclusters:\n{clusters}contexts:\n{contexts}\
         current-context: {current}\nusers:\n- name: periscope\n  user:\n    token: {}\npreferences: {{}}\n",
        token.id,
        token.subject,
        token.expires_at,
        quoted(secret)
    )
}

/// A YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn a_kubeconfig_has_a_context_per_cluster_and_the_token() {
        let token = TokenRecord {
            id: "t1".into(),
            hash: "h".into(),
            name: "n".into(),
            subject: "alice".into(),
            email: String::new(),
            groups: vec![],
            clusters: vec!["alpha".into(), "beta".into()],
            created_at: 0,
            expires_at: 10,
            last_used_at: None,
        };
        let text = kubeconfig_yaml("http://127.0.0.1:8080", &token, "pst_secret");
        let parsed: Value = serde_saphyr::from_str(&text).expect("valid YAML");
        assert_eq!(parsed["clusters"][1]["cluster"]["server"], "http://127.0.0.1:8080/api/clusters/beta/k8s");
        assert_eq!(parsed["current-context"], "periscope-alpha");
        assert_eq!(parsed["users"][0]["user"]["token"], "pst_secret");
        assert_eq!(parsed["contexts"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn the_base_url_comes_from_the_host_and_refuses_junk() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "console:8080".parse().expect("header"));
        assert_eq!(base_url(&headers).expect("url"), "http://console:8080");
        headers.insert("x-forwarded-proto", "https".parse().expect("header"));
        assert_eq!(base_url(&headers).expect("url"), "https://console:8080");
        headers.insert(header::HOST, "evil/x".parse().expect("header"));
        assert!(base_url(&headers).is_err());
    }
}
