//! `POST /api/clusters/{cluster}/audit/bulk-download`: the one audit row of a bulk YAML
//! download. The browser fetches each object's `GET {obj}/yaml` itself (Secrets are audited
//! there, one reveal per object); this row says what the user took away as one file: which
//! kind, how many objects, which, and how many could not be read.

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::AppState,
    audit::{Action, AuditContext, Outcome, ResourceRef, Verb},
    error::ApiError,
    http::{
        authn::CurrentUser,
        body::{parse_json, read_limited},
        extract::Path,
    },
};

/// Objects one download may hold (the list selection's cap).
pub const MAX_OBJECTS: u64 = 100;
/// Largest body accepted (100 ids of ≤ 317 characters fit well below it).
pub const MAX_BODY: usize = 16 * 1024;
/// Longest id: a namespace (≤ 63), `/`, a name (≤ 253).
const MAX_ID_LEN: usize = 63 + 1 + 253;

/// How the download ended, as the browser saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum DownloadOutcome {
    /// Every object was read.
    Success,
    /// At least one object could not be read (the file lists it as `# FAILED:`).
    Failure,
}

/// Body of `POST /api/clusters/{cluster}/audit/bulk-download`.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkDownloadRequest {
    /// The kind as in URLs: `{group}/{version}/{resource}` (`core` for the core group).
    pub kind: String,
    /// Objects selected (1..=100).
    pub count: u64,
    /// The objects, `namespace/name` (cluster-scoped: `name`); at most `count`.
    pub ids: Vec<String>,
    pub outcome: DownloadOutcome,
    /// Objects that could not be read (≤ `count`).
    pub failure_count: u64,
}

/// Checks the body's numbers and ids; returns the namespace every id shares, if one does.
fn validate(body: &BulkDownloadRequest) -> Result<Option<String>, ApiError> {
    if body.count == 0 || body.count > MAX_OBJECTS {
        return Err(ApiError::bad(format!("count must be between 1 and {MAX_OBJECTS}, not {}", body.count)));
    }
    if body.ids.len() as u64 > body.count {
        return Err(ApiError::bad(format!("{} ids for a count of {}", body.ids.len(), body.count)));
    }
    if body.failure_count > body.count {
        return Err(ApiError::bad(format!("failureCount {} is more than count {}", body.failure_count, body.count)));
    }
    if (body.outcome == DownloadOutcome::Success) != (body.failure_count == 0) {
        return Err(ApiError::bad("outcome must be \"success\" exactly when failureCount is 0"));
    }
    let mut namespaces = std::collections::BTreeSet::new();
    for (i, id) in body.ids.iter().enumerate() {
        let parts: Vec<&str> = id.split('/').collect();
        let well_formed = !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && parts.len() <= 2
            && parts.iter().all(|p| !p.is_empty())
            && !id.chars().any(|c| c.is_control() || c.is_whitespace());
        if !well_formed {
            return Err(ApiError::bad(format!(
                "ids[{i}] must be \"namespace/name\" or \"name\" (at most {MAX_ID_LEN} characters, no spaces)"
            )));
        }
        namespaces.insert(if parts.len() == 2 { parts[0] } else { "" });
    }
    Ok(match namespaces.len() {
        1 => namespaces.pop_first().filter(|ns| !ns.is_empty()).map(String::from),
        _ => None,
    })
}

/// Splits `group/version/resource`.
fn kind_segments(kind: &str) -> Result<(&str, &str, &str), ApiError> {
    match kind.split('/').collect::<Vec<_>>()[..] {
        [g, v, r] if !g.is_empty() && !v.is_empty() && !r.is_empty() => Ok((g, v, r)),
        _ => Err(ApiError::bad(format!(
            "kind must be \"group/version/resource\" (e.g. core/v1/configmaps), not {kind:?}"
        ))),
    }
}

/// `POST /api/clusters/{cluster}/audit/bulk-download` → 204 once the row is written.
pub async fn bulk_download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Path(cluster): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let bytes = read_limited(&headers, body).await?;
    if bytes.len() > MAX_BODY {
        return Err(ApiError::TooLarge(MAX_BODY));
    }
    let request: BulkDownloadRequest = parse_json(&bytes)?;
    let namespace = validate(&request)?;
    let (group, version, resource) = kind_segments(&request.kind)?;
    // The kind must be one the cluster serves: the row names it by its canonical group.
    let (kind, _) = state.kind_and_client(&cluster, &user, group, version, resource).await.map_err(|e| match e {
        ApiError::UnknownResource(k) => ApiError::bad(format!("kind {k} is not served by cluster {cluster}")),
        other => other,
    })?;
    // Secret YAML carries the values: the file is a reveal (each object's GET was audited too).
    let reveal = kind.api.group.is_empty() && kind.api.plural == "secrets";
    let resource = ResourceRef {
        group: Some(kind.api.group.clone()).filter(|g| !g.is_empty()),
        version: Some(kind.api.version.clone()),
        resource: Some(kind.api.plural.clone()),
        namespace,
        name: None,
    };
    let (outcome, reason) = match request.outcome {
        DownloadOutcome::Success => (Outcome::Success, None),
        DownloadOutcome::Failure => (
            Outcome::Failure,
            Some(format!("{} of {} objects could not be read", request.failure_count, request.count)),
        ),
    };
    let extra = json!({
        "kind": kind.path(),
        "count": request.count,
        "ids": request.ids,
        "failureCount": request.failure_count,
        "reveal": reveal,
    });
    // The download happened in the browser before this call: one outcome row, no intent.
    let action = Action::happened(ctx, Verb::BulkDownload, Some(&cluster), resource);
    state.audit.finish(&action, outcome, reason, Some(extra)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(count: u64, ids: &[&str], outcome: DownloadOutcome, failures: u64) -> BulkDownloadRequest {
        BulkDownloadRequest {
            kind: "core/v1/configmaps".into(),
            count,
            ids: ids.iter().map(|s| s.to_string()).collect(),
            outcome,
            failure_count: failures,
        }
    }

    #[test]
    fn counts_ids_and_outcome_are_checked() {
        use DownloadOutcome::*;
        assert_eq!(validate(&body(2, &["a/x", "a/y"], Success, 0)).expect("valid"), Some("a".into()));
        assert_eq!(validate(&body(2, &["a/x", "b/y"], Failure, 1)).expect("valid"), None);
        assert_eq!(validate(&body(1, &["node-1"], Success, 0)).expect("valid"), None);
        for (bad, needle) in [
            (body(0, &[], Success, 0), "count"),
            (body(101, &[], Success, 0), "count"),
            (body(1, &["a/x", "a/y"], Success, 0), "ids"),
            (body(1, &["a/x"], Failure, 2), "failureCount"),
            (body(2, &["a/x"], Success, 1), "outcome"),
            (body(2, &["a/x"], Failure, 0), "outcome"),
            (body(1, &["a/b/c"], Success, 0), "ids[0]"),
            (body(1, &["a x"], Success, 0), "ids[0]"),
            (body(1, &["/x"], Success, 0), "ids[0]"),
        ] {
            let message = validate(&bad).expect_err("refused").to_string();
            assert!(message.contains(needle), "{message}");
        }
    }

    #[test]
    fn kinds_are_three_segments() {
        assert_eq!(kind_segments("apps/v1/deployments").expect("ok"), ("apps", "v1", "deployments"));
        assert!(kind_segments("configmaps").is_err());
        assert!(kind_segments("core//configmaps").is_err());
        assert!(kind_segments("a/b/c/d").is_err());
    }
}
