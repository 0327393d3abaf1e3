//! `/api/clusters/{c}/k8s/{*path}`: the Kubernetes API as the caller (a personal access token
//! or the session), through the same client factory as every route, with changes audited
//! (`proxy` rows, fail-closed) and reads too when configured.

use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;

use crate::{
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    error::ApiError,
    http::authn::CurrentUser,
    kube::connection::Pool,
    proxy::{
        forward::{forward, is_upgrade},
        request_info::{self, RequestInfo},
    },
};

/// Any method on `/api/clusters/{c}/k8s/{*path}`.
pub async fn proxy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path((cluster, _)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    // The raw path (the extractor's is percent-decoded): what follows `/k8s` goes upstream as sent.
    let raw = request.uri().path();
    let marker = format!("/clusters/{cluster}/k8s");
    let path = raw.find(&marker).map(|at| &raw[at + marker.len()..]).unwrap_or_default();
    let path = if path.is_empty() { "/" } else { path };
    request_info::check_path(path).map_err(|e| ApiError::bad(format!("proxy: {e}")))?;
    let query = request.uri().query();
    let info = request_info::parse(request.method(), path, query);
    let path_and_query = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let audience = state.audience(&cluster, &user)?;
    // Watches, followed logs and upgrades live long: they ride the watch engine's pool.
    let long_lived = info.verb == "watch" || is_upgrade(request.headers()) || follows(query);
    let client = state.client(&audience, if long_lived { Pool::Watches } else { Pool::Requests })?;
    let max_body = state.proxy.max_body_bytes;
    let changes = info.mutating() && !is_review(&info);
    if !(changes || state.proxy.audit_reads) {
        return forward(&client, &cluster, request, &path_and_query, max_body, long_lived).await;
    }
    let what = json!({ "via": "proxy", "verb": info.verb, "subresource": info.subresource });
    let mut extra = what.clone();
    extra["path"] = json!(path);
    let record = state.audit.begin(ctx, Verb::Proxy, Some(&cluster), resource_of(&info), Some(extra)).await?;
    let answer = forward(&client, &cluster, request, &path_and_query, max_body, long_lived).await;
    let (outcome, reason, status) = match &answer {
        Ok(response) => {
            let status = response.status();
            let outcome = match status {
                s if s.is_success() || s == StatusCode::SWITCHING_PROTOCOLS => Outcome::Success,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Outcome::Denied,
                _ => Outcome::Failure,
            };
            let reason = (outcome != Outcome::Success).then(|| format!("the apiserver answered {status}"));
            (outcome, reason, Some(status.as_u16()))
        }
        Err(e) => (Outcome::Failure, Some(e.to_string()), None),
    };
    // The outcome row repeats what was done, so it reads on its own.
    let mut details = what;
    details["status"] = json!(status);
    state.audit.finish(&record, outcome, reason, Some(details)).await?;
    answer
}

/// Whether the request is an access or identity review (`kubectl auth can-i`/`whoami`): a
/// `create` that stores nothing, so it is a read for the audit trail.
fn is_review(info: &RequestInfo) -> bool {
    matches!(info.api_group.as_str(), "authorization.k8s.io" | "authentication.k8s.io") && info.verb == "create"
}

/// Whether a query asks to follow (a `logs -f`).
fn follows(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|pair| pair == "follow=true" || pair == "follow=1"))
}

/// The object an audited proxy request is about.
fn resource_of(info: &RequestInfo) -> ResourceRef {
    ResourceRef {
        group: Some(info.api_group.clone()).filter(|g| !g.is_empty()),
        version: Some(info.api_version.clone()).filter(|v| !v.is_empty()),
        resource: info.resource.clone(),
        namespace: info.namespace.clone(),
        name: info.name.clone(),
    }
}
