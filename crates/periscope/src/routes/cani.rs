//! `POST /api/clusters/{cluster}/can-i`: batched access pre-flight. Each check becomes a
//! SelfSubjectAccessReview created with the user's impersonating client, so the apiserver
//! answers for the user. Answers are cached per (cluster, identity, check); failures fail
//! closed (`allowed: false` with a reason code) and are not cached.

use std::time::Duration;

use axum::{Json, extract::State};
use futures::{StreamExt, stream};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, PostParams};
use serde::{Deserialize, Serialize};

use super::{
    cache::{CheckKey, Decision},
    reason::{Failure, Reason, within},
};
use crate::{
    app::AppState,
    error::ApiError,
    http::{authn::CurrentUser, body::JsonBody, extract::Path},
    kube::Pool,
};

/// Checks per request; more is a 400 (one action bar needs a handful, a page a few dozen).
pub const MAX_CHECKS: usize = 64;
/// Reviews in flight at once per request, so one request cannot open 64 connections.
const CONCURRENCY: usize = 16;
/// Deadline of one review.
const REVIEW_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest accepted field (names and namespaces are DNS subdomains, ≤ 253).
const MAX_FIELD_LEN: usize = 253;

/// Request body: `{"checks":[…]}`.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanIRequest {
    pub checks: Vec<Check>,
}

/// One question: may the user `verb` this resource?
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    pub verb: String,
    /// API group; `""` or `core` is the core group.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub group: String,
    pub resource: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub subresource: String,
    /// Empty: cluster-wide (or all namespaces).
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub namespace: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub name: String,
}

/// One answer, in the position of its check.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub allowed: bool,
    /// `null` when allowed; `denied` when RBAC says no; a failure code when no answer was had.
    pub reason: Option<Reason>,
    /// The authorizer's or the failure's explanation, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<String>,
}

/// Response body: `{"results":[…]}`.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CanIResponse {
    pub results: Vec<CheckResult>,
}

/// `POST /api/clusters/{cluster}/can-i`.
pub async fn can_i(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
    JsonBody(request): JsonBody<CanIRequest>,
) -> Result<Json<CanIResponse>, ApiError> {
    if request.checks.len() > MAX_CHECKS {
        return Err(ApiError::BadRequest(format!(
            "{} checks in one request; at most {MAX_CHECKS} are allowed",
            request.checks.len()
        )));
    }
    let keys = request.checks.into_iter().enumerate().map(|(i, c)| normalise(i, c)).collect::<Result<Vec<_>, _>>()?;

    let audience = state.audience(&cluster, &user)?;
    let client = state.client(&audience, Pool::Requests)?;
    let caches = state.caches.clone();

    let results = stream::iter(keys)
        .map(|key| {
            let client = client.clone();
            let cache_key = (audience.clone(), key);
            let caches = caches.clone();
            async move {
                if let Some(hit) = caches.can_i.get(&cache_key) {
                    return answer(Ok(hit));
                }
                let decision = review(client, &cache_key.1).await;
                if let Ok(d) = &decision {
                    caches.can_i.insert(cache_key, d.clone());
                }
                answer(decision)
            }
        })
        // `buffered` keeps the results in the order of the checks.
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    Ok(Json(CanIResponse { results }))
}

fn normalise(index: usize, check: Check) -> Result<CheckKey, ApiError> {
    let fields = [
        ("verb", &check.verb),
        ("group", &check.group),
        ("resource", &check.resource),
        ("subresource", &check.subresource),
        ("namespace", &check.namespace),
        ("name", &check.name),
    ];
    for (field, value) in fields {
        if value.len() > MAX_FIELD_LEN || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ApiError::BadRequest(format!(
                "checks[{index}].{field}: at most {MAX_FIELD_LEN} characters, no spaces or control characters"
            )));
        }
    }
    if check.verb.is_empty() || check.resource.is_empty() {
        return Err(ApiError::BadRequest(format!("checks[{index}]: verb and resource are required")));
    }
    let group = if check.group == "core" { String::new() } else { check.group };
    Ok(CheckKey {
        verb: check.verb,
        group,
        resource: check.resource,
        subresource: check.subresource,
        namespace: check.namespace,
        name: check.name,
    })
}

async fn review(client: kube::Client, check: &CheckKey) -> Result<Decision, Failure> {
    let some = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(check.verb.clone()),
                // The core group is the empty string, which the apiserver expects spelled out.
                group: Some(check.group.clone()),
                resource: Some(check.resource.clone()),
                subresource: some(&check.subresource),
                namespace: some(&check.namespace),
                name: some(&check.name),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client);
    let created = within(REVIEW_TIMEOUT, api.create(&PostParams::default(), &review)).await?;
    let status =
        created.status.ok_or_else(|| Failure::new(Reason::Unknown, "the access review came back without a status"))?;
    if let Some(error) = status.evaluation_error.filter(|e| !e.is_empty())
        && !status.allowed
    {
        // The authorizer could not decide; that is a denial, but say why.
        return Ok(Decision { allowed: false, message: Some(error) });
    }
    Ok(Decision { allowed: status.allowed, message: status.reason.filter(|r| !r.is_empty()) })
}

/// Whether the user behind `client` may do `key` (uncached; no answer is a no).
pub async fn allowed(client: kube::Client, key: &CheckKey) -> bool {
    review(client, key).await.is_ok_and(|d| d.allowed)
}

fn answer(decision: Result<Decision, Failure>) -> CheckResult {
    match decision {
        Ok(Decision { allowed: true, message }) => CheckResult { allowed: true, reason: None, message },
        Ok(Decision { allowed: false, message }) => {
            CheckResult { allowed: false, reason: Some(Reason::Denied), message }
        }
        // Fail closed: no answer is a no.
        Err(failure) => CheckResult { allowed: false, reason: Some(failure.code), message: Some(failure.message) },
    }
}
