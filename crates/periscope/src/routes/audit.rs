//! The audit trail's routes, each scoped to what the caller may read: `GET /api/audit`
//! (filtered and paged), `/api/audit/timeline` (rows per stretch of time, denials and failures
//! marked), `/api/audit/export` (the filtered rows as a streamed file, itself audited) and
//! `/api/audit/chain` (hash-chain verification, audit admins).

use std::sync::Arc;

use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderValue, header, header::HeaderName},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    audit::{
        AuditContext, Outcome, ResourceRef, Verb,
        event::StoredEvent,
        store::{AuditQuery, AuditStore, Bucket, DEFAULT_LIMIT, Filter, MAX_COUNT, MAX_LIMIT},
    },
    authz::AuditScope,
    error::ApiError,
    http::{authn::CurrentUser, extract::Query},
    identity::Identity,
    names::Namespace,
};

/// Rows per live-tail frame; when more arrive at once, `audit_gap` tells the client to reload.
const TAIL_PAGE: u32 = 200;
/// How long a live tail waits after a commit for more before it reads the store.
const TAIL_GATHER: std::time::Duration = std::time::Duration::from_millis(250);
/// How often a live tail also looks for rows another replica wrote (its own writer's commits
/// wake it at once).
const TAIL_SWEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// The most rows one export holds; the outcome row says when an export stopped there.
pub const MAX_EXPORT_ROWS: u64 = 1_000_000;
/// Rows per read while exporting.
const EXPORT_PAGE: u32 = 500;
/// Stretches a timeline has unless the query says.
const DEFAULT_BUCKETS: u32 = 60;
const MAX_BUCKETS: u32 = 500;
/// A timeline without `from` covers the last day.
const DEFAULT_SPAN_NANOS: i64 = 24 * 3600 * 1_000_000_000;

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

/// Refuses a parameter that belongs to another audit route.
fn reject(field: &str, value: bool, route: &str) -> Result<(), ApiError> {
    match value {
        true => Err(ApiError::BadRequest(format!("{field} is a parameter of {route}"))),
        false => Ok(()),
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
        resource: nonempty(q.resource),
        request_id: nonempty(q.request_id),
        from_nanos: q.from.as_deref().filter(|s| !s.is_empty()).map(|t| parse_time("from", t)).transpose()?,
        to_nanos: q.to.as_deref().filter(|s| !s.is_empty()).map(|t| parse_time("to", t)).transpose()?,
        before: None,
        after_id: None,
        limit,
        offset: q.offset.unwrap_or(0),
    };
    Ok(filter)
}

/// One row as the API answers it.
pub fn item(row: &StoredEvent) -> Value {
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

/// The store, the caller's filter narrowed to what they may read, and their scope. Whatever
/// actor a non-admin asks for, they read only their own rows.
pub fn scoped(
    state: &AppState,
    user: &Identity,
    query: AuditQuery,
) -> Result<(Arc<dyn AuditStore>, Filter, AuditScope), ApiError> {
    let store = state.audit.query_store().ok_or(ApiError::AuditDisabled)?.clone();
    let mut filter = filter_from(query)?;
    let scope = state.auth.authz.audit_scope(user);
    if scope == AuditScope::Own {
        filter.actor = Some(user.subject.clone());
    }
    Ok((store, filter, scope))
}

fn with_scope(mut response: Response, scope: AuditScope) -> Response {
    let scope = if scope == AuditScope::All { "all" } else { "self" };
    response.headers_mut().insert(HeaderName::from_static("x-audit-scope"), HeaderValue::from_static(scope));
    response
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(e.to_string())
}

/// `GET /api/audit?actor&verb&outcome&phase&cluster&namespace&name&requestId&from&to&limit&offset`.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    reject("buckets", query.buckets.is_some(), "/api/audit/timeline")?;
    reject("format", query.format.is_some(), "/api/audit/export")?;
    let (store, filter, scope) = scoped(&state, &user, query)?;
    let (rows, total) = store.query(&filter).await.map_err(unavailable)?;
    let body = json!({
        "items": rows.iter().map(item).collect::<Vec<_>>(),
        "total": total,
        "totalCapped": total >= MAX_COUNT,
        "limit": filter.limit,
        "offset": filter.offset,
    });
    Ok(with_scope(Json(body).into_response(), scope))
}

/// `GET /api/audit/timeline?<filters>&buckets=`: the filtered rows counted per equal stretch
/// of `[from, to)` (default: the last 24 hours up to now), each with its denials and failures.
pub async fn timeline(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    reject("format", query.format.is_some(), "/api/audit/export")?;
    reject("limit", query.limit.is_some(), "/api/audit")?;
    reject("offset", query.offset.is_some(), "/api/audit")?;
    let count = match query.buckets {
        None => DEFAULT_BUCKETS,
        Some(n @ 1..=MAX_BUCKETS) => n,
        Some(_) => return Err(ApiError::BadRequest(format!("buckets must be between 1 and {MAX_BUCKETS}"))),
    };
    let (store, mut filter, scope) = scoped(&state, &user, query)?;
    let now = i64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(i64::MAX);
    let to = filter.to_nanos.unwrap_or(now);
    let from = filter.from_nanos.unwrap_or(to.saturating_sub(DEFAULT_SPAN_NANOS));
    if from >= to {
        return Err(ApiError::BadRequest("from must be before to".into()));
    }
    (filter.from_nanos, filter.to_nanos) = (Some(from), Some(to));
    // Rounded up, so `count` stretches always cover the whole range.
    let width = ((to - from) + i64::from(count) - 1) / i64::from(count);
    let found = store.timeline(&filter, from, width).await.map_err(unavailable)?;
    let mut buckets: Vec<Bucket> = (0..i64::from(count)).map(|index| Bucket { index, ..Default::default() }).collect();
    for bucket in found {
        if let Some(slot) = usize::try_from(bucket.index).ok().and_then(|i| buckets.get_mut(i)) {
            *slot = bucket;
        }
    }
    let time =
        |nanos: i64| jiff::Timestamp::from_nanosecond(i128::from(nanos)).map(|t| t.to_string()).unwrap_or_default();
    let body = json!({
        "from": time(from),
        "to": time(to),
        "bucketSeconds": width as f64 / 1e9,
        "buckets": buckets.iter().map(|b| json!({
            "start": time(from + b.index * width),
            "total": b.total,
            "denied": b.denied,
            "failed": b.failed,
        })).collect::<Vec<_>>(),
    });
    Ok(with_scope(Json(body).into_response(), scope))
}

/// An export's file format.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ExportFormat {
    JsonLines,
    Csv,
}

impl ExportFormat {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw.unwrap_or("jsonl") {
            "jsonl" => Ok(ExportFormat::JsonLines),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(ApiError::BadRequest(format!("format must be jsonl or csv, not {other:?}"))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            ExportFormat::JsonLines => "jsonl",
            ExportFormat::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::JsonLines => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    fn header(self) -> Option<String> {
        (self == ExportFormat::Csv).then(|| format!("{}\n", CSV_COLUMNS.join(",")))
    }

    fn line(self, row: &StoredEvent) -> String {
        let item = item(row);
        match self {
            ExportFormat::JsonLines => format!("{item}\n"),
            ExportFormat::Csv => {
                let text = |v: &Value| match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let cells: Vec<String> = CSV_COLUMNS
                    .iter()
                    .map(|column| {
                        let pointer = format!("/{}", column.replace('.', "/"));
                        csv_cell(&text(item.pointer(&pointer).unwrap_or(&Value::Null)))
                    })
                    .collect();
                format!("{}\n", cells.join(","))
            }
        }
    }
}

/// The CSV columns, as paths into an `/api/audit` item.
const CSV_COLUMNS: &[&str] = &[
    "id",
    "timestamp",
    "requestId",
    "phase",
    "verb",
    "outcome",
    "actor.sub",
    "actor.email",
    "cluster",
    "resource.group",
    "resource.version",
    "resource.resource",
    "resource.namespace",
    "resource.name",
    "reason",
    "extra",
];

/// One CSV field: quoted when it must be, and never read as a formula by a spreadsheet.
fn csv_cell(raw: &str) -> String {
    let guarded = match raw.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{raw}"),
        _ => raw.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

/// `GET /api/audit/export?<filters>&format=jsonl|csv`: every row the filter matches (newest
/// first, at most [`MAX_EXPORT_ROWS`]) as a streamed download. The export is itself an audited
/// action (`audit_export`, fails closed); its outcome row says how many rows went out.
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    reject("buckets", query.buckets.is_some(), "/api/audit/timeline")?;
    reject("limit", query.limit.is_some(), "/api/audit")?;
    reject("offset", query.offset.is_some(), "/api/audit")?;
    let format = ExportFormat::parse(query.format.as_deref())?;
    // The filters as asked, only those given: what the export's audit row records.
    let mut asked = serde_json::to_value(&query).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut asked {
        fields.retain(|k, v| !v.is_null() && k != "format");
    }
    let (store, mut filter, scope) = scoped(&state, &user, query)?;
    filter.limit = EXPORT_PAGE;
    let extra = json!({ "format": format.name(), "filters": asked });
    let action = state.audit.begin(ctx, Verb::AuditExport, None, ResourceRef::default(), Some(extra)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let audit = state.audit.clone();
    // The rows are read and sent by a task of their own, so the outcome row is written even
    // when the client goes away mid-file.
    tokio::spawn(async move {
        let (mut sent, mut failure) = (0u64, None::<String>);
        if let Some(header) = format.header()
            && tx.send(Ok(header.into())).await.is_err()
        {
            failure = Some("the client went away".into());
        }
        while failure.is_none() && sent < MAX_EXPORT_ROWS {
            let rows = match store.page(&filter).await {
                Ok(rows) => rows,
                Err(e) => {
                    failure = Some(e.to_string());
                    let _ = tx.send(Err(std::io::Error::other("the audit store failed mid-export"))).await;
                    break;
                }
            };
            let Some(last) = rows.last() else { break };
            filter.before = Some((last.body.ts_unix_nano, last.id));
            let take = rows.len().min(usize::try_from(MAX_EXPORT_ROWS - sent).unwrap_or(usize::MAX));
            let chunk: String = rows[..take].iter().map(|r| format.line(r)).collect();
            if tx.send(Ok(chunk.into())).await.is_err() {
                failure = Some("the client went away".into());
            }
            sent += take as u64;
            if rows.len() < EXPORT_PAGE as usize {
                break;
            }
        }
        let capped = sent >= MAX_EXPORT_ROWS;
        let outcome = if failure.is_some() { Outcome::Failure } else { Outcome::Success };
        let _ = audit.finish(&action, outcome, failure, Some(json!({ "rows": sent, "capped": capped }))).await;
    });
    let body =
        Body::from_stream(futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) },
        ));
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    let disposition = format!("attachment; filename=\"periscope-audit-{stamp}.{}\"", format.name());
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(with_scope(response, scope))
}

/// `GET /api/audit/chain`: walks every writer's hash chain and reports the first broken row
/// of each (audit admins only; the same check as `periscope audit verify`).
pub async fn chain(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Result<Response, ApiError> {
    let store = state.audit.query_store().ok_or(ApiError::AuditDisabled)?.clone();
    if state.auth.authz.audit_scope(&user) != AuditScope::All {
        return Err(ApiError::Forbidden("the chain status is for audit admins only".into()));
    }
    let started = std::time::Instant::now();
    let report = store.verify().await.map_err(unavailable)?;
    let mut body = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["store"] = json!(store.name());
    body["checkedAt"] = json!(jiff::Timestamp::now().to_string());
    body["elapsedMs"] = json!(started.elapsed().as_millis() as u64);
    Ok(Json(body).into_response())
}

/// The frames of a live tail of `filter`: `audit` `{items}` with the rows committed since the
/// last frame (newest first), or `audit_gap` when more arrived than one frame holds. Rows are
/// read from the store each time the writer commits, so they carry their ids and the filter
/// and scope are the store's own.
pub fn tail(
    store: Arc<dyn AuditStore>,
    mut filter: Filter,
    commits: tokio::sync::watch::Receiver<u64>,
    writer: crate::watch::event::FrameWriter,
) -> futures::stream::BoxStream<'static, Vec<bytes::Bytes>> {
    use futures::StreamExt;
    (filter.limit, filter.offset) = (TAIL_PAGE, 0);
    let state = (store, filter, commits, None::<i64>);
    futures::stream::unfold(Some(state), move |state| {
        let writer = writer.clone();
        async move {
            let (store, mut filter, mut commits, mut last) = state?;
            loop {
                if last.is_none() {
                    // The tail starts after the newest row that matches now.
                    let newest = store.page(&Filter { limit: 1, ..filter.clone() }).await;
                    last = Some(newest.ok().and_then(|rows| rows.first().map(|r| r.id)).unwrap_or(0));
                }
                tokio::select! {
                    changed = commits.changed() => if changed.is_err() {
                        tokio::time::sleep(TAIL_SWEEP).await;
                    } else {
                        // Under a burst of writes the writer commits many batches a second:
                        // gather them, so each tail reads the store a few times a second at most.
                        tokio::time::sleep(TAIL_GATHER).await;
                    },
                    _ = tokio::time::sleep(TAIL_SWEEP) => {}
                }
                filter.after_id = last;
                match store.page(&filter).await {
                    Ok(rows) if rows.is_empty() => continue,
                    Ok(rows) => {
                        last = rows.iter().map(|r| r.id).max();
                        let frame = if rows.len() >= TAIL_PAGE as usize {
                            writer.members("audit_gap", serde_json::Map::new())
                        } else {
                            let items = rows.iter().map(item).collect::<Vec<_>>();
                            writer.members(
                                "audit",
                                serde_json::Map::from_iter([("items".to_string(), Value::from(items))]),
                            )
                        };
                        return Some((vec![frame], Some((store, filter, commits, last))));
                    }
                    Err(e) => return Some((vec![writer.error("E_UNAVAILABLE", &e.to_string())], None)),
                }
            }
        }
    })
    .boxed()
}
