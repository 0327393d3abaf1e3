//! `GET /api/audit`: the audit trail, filtered and paged, scoped to what the caller may read.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header::HeaderName},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    audit::{
        Verb,
        event::StoredEvent,
        store::{AuditQuery, DEFAULT_LIMIT, Filter, MAX_COUNT, MAX_LIMIT},
    },
    authz::AuditScope,
    error::ApiError,
    http::{authn::CurrentUser, extract::Query},
    names::Namespace,
};

fn parse_time(field: &str, raw: &str) -> Result<i64, ApiError> {
    let ts: jiff::Timestamp =
        raw.parse().map_err(|e| ApiError::BadRequest(format!("{field} must be an RFC 3339 time: {e}")))?;
    i64::try_from(ts.as_nanosecond()).map_err(|_| ApiError::BadRequest(format!("{field} is out of range")))
}

fn one_of(field: &str, value: Option<String>, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) if !allowed.contains(&v.as_str()) => {
            Err(ApiError::BadRequest(format!("{field} must be one of {}", allowed.join(", "))))
        }
        other => Ok(other),
    }
}

/// Validates the query into a filter.
pub fn filter_from(q: AuditQuery) -> Result<Filter, ApiError> {
    let verbs: Vec<&str> = Verb::ALL.iter().map(|v| v.as_str()).collect();
    let limit = match q.limit {
        Some(0) => return Err(ApiError::BadRequest("limit must be at least 1".into())),
        Some(n) => n.min(MAX_LIMIT),
        None => DEFAULT_LIMIT,
    };
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let filter = Filter {
        actor: nonempty(q.actor),
        verb: one_of("verb", q.verb, &verbs)?,
        outcome: one_of("outcome", q.outcome, &["success", "failure", "denied"])?,
        phase: one_of("phase", q.phase, &["intent", "outcome"])?,
        cluster: nonempty(q.cluster),
        namespace: nonempty(q.namespace).map(Namespace::parse).transpose()?.map(String::from),
        name: nonempty(q.name),
        request_id: nonempty(q.request_id),
        from_nanos: q.from.as_deref().filter(|s| !s.is_empty()).map(|t| parse_time("from", t)).transpose()?,
        to_nanos: q.to.as_deref().filter(|s| !s.is_empty()).map(|t| parse_time("to", t)).transpose()?,
        limit,
        offset: q.offset.unwrap_or(0),
    };
    Ok(filter)
}

fn item(row: &StoredEvent) -> Value {
    let b = &row.body;
    let timestamp = jiff::Timestamp::from_nanosecond(b.ts_unix_nano as i128).map(|t| t.to_string()).unwrap_or_default();
    json!({
        "id": row.id,
        "timestamp": timestamp,
        "requestId": b.request_id,
        "route": b.route,
        "phase": b.phase,
        "verb": b.verb,
        "outcome": b.outcome,
        "actor": b.actor,
        "cluster": b.cluster,
        "resource": b.resource,
        "reason": b.reason,
        "extra": b.extra,
    })
}

/// `GET /api/audit?actor&verb&outcome&phase&cluster&namespace&name&requestId&from&to&limit&offset`.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let store = state.audit.query_store().ok_or(ApiError::AuditDisabled)?;
    let mut filter = filter_from(query)?;
    let scope = state.auth.authz.audit_scope(&user);
    if scope == AuditScope::Own {
        // Whatever actor the caller asked for, they read only their own rows.
        filter.actor = Some(user.subject.clone());
    }
    let (rows, total) = store.query(&filter).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let body = json!({
        "items": rows.iter().map(item).collect::<Vec<_>>(),
        "total": total,
        "totalCapped": total >= MAX_COUNT,
        "limit": filter.limit,
        "offset": filter.offset,
    });
    let mut response = Json(body).into_response();
    let scope = if scope == AuditScope::All { "all" } else { "self" };
    response.headers_mut().insert(HeaderName::from_static("x-audit-scope"), HeaderValue::from_static(scope));
    Ok(response)
}
