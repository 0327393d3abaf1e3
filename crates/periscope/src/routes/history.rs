//! `GET …/{name}/history`: one object's story, newest first, merged from three sources: the
//! console's audit rows for it, the writes the watch engine saw (who wrote, which paths), and
//! its Kubernetes Events. A console write and the watch's sighting of it are one item.

use std::collections::HashMap;

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::objects::{Request, Target, event_time, object_events};
use crate::{
    audit::{
        Verb,
        changes::{ObjectKey, StoredChange},
        event::{Phase, StoredEvent},
        store::Filter,
    },
    authz::AuditScope,
    error::ApiError,
    http::extract::query_of,
};

/// Items per page when the client does not say, and at most.
const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 1000;

/// Audit verbs that change the object itself: other users' rows of these are part of the
/// object's story for anyone who may read the object. Other verbs (a Secret reveal, a
/// terminal, logs) stay under the audit scope rule: a non-admin sees only their own.
const OBJECT_WRITES: &[Verb] = &[
    Verb::Apply,
    Verb::Delete,
    Verb::Scale,
    Verb::Restart,
    Verb::Cordon,
    Verb::Uncordon,
    Verb::Suspend,
    Verb::Resume,
    Verb::Labels,
    Verb::Trigger,
    Verb::Rollback,
    Verb::Proxy,
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    limit: Option<u32>,
    /// The `next` of the previous page: items strictly older than it.
    before: Option<String>,
}

fn rfc3339(nanos: i64) -> String {
    jiff::Timestamp::from_nanosecond(nanos as i128).map(|t| t.to_string()).unwrap_or_default()
}

/// One item of the answer and when it happened (for the merge).
struct Item {
    ts: i64,
    value: Value,
}

fn console_item(row: &StoredEvent) -> Item {
    let b = &row.body;
    let extra = b.extra.as_ref();
    let diff = extra.and_then(|e| e.pointer("/diff/changes")).cloned();
    let paths: Vec<Value> =
        diff.iter().flat_map(|d| d.as_array().into_iter().flatten()).filter_map(|c| c.get("path").cloned()).collect();
    Item {
        ts: b.ts_unix_nano,
        value: json!({
            "id": format!("audit:{}", row.id),
            "ts": rfc3339(b.ts_unix_nano),
            "source": "console",
            "who": b.actor.email.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| b.actor.sub.clone()),
            "manager": Value::Null,
            "operation": Value::Null,
            "subresource": Value::Null,
            "action": b.verb,
            "outcome": b.outcome,
            "paths": paths,
            "truncated": extra.and_then(|e| e.pointer("/diff/truncated")).cloned().unwrap_or(json!(0)),
            "diff": diff,
            "resourceVersion": extra.and_then(|e| e.get("resourceVersion")).cloned(),
            "uid": Value::Null,
            "requestId": b.request_id,
            "auditId": row.id,
            "event": Value::Null,
        }),
    }
}

fn change_item(row: &StoredChange) -> Item {
    let c = &row.change;
    Item {
        ts: c.ts_unix_nano,
        value: json!({
            "id": format!("change:{}", row.id),
            "ts": rfc3339(c.ts_unix_nano),
            "source": "change",
            "who": c.manager.clone().unwrap_or_else(|| "unknown".into()),
            "manager": c.manager,
            "operation": c.operation,
            "subresource": c.subresource,
            "action": c.action,
            "outcome": Value::Null,
            "paths": c.paths,
            "truncated": c.truncated,
            "diff": Value::Null,
            "resourceVersion": c.resource_version,
            "uid": c.uid,
            "requestId": Value::Null,
            "auditId": Value::Null,
            "event": Value::Null,
        }),
    }
}

fn event_item(e: &Value) -> Option<Item> {
    let ts = event_time(e).parse::<jiff::Timestamp>().ok()?.as_nanosecond() as i64;
    let text = |p: &str| e.pointer(p).and_then(Value::as_str).filter(|s| !s.is_empty());
    let who = text("/reportingComponent").or_else(|| text("/source/component")).unwrap_or("unknown");
    Some(Item {
        ts,
        value: json!({
            "id": format!("event:{}", text("/metadata/uid").unwrap_or_default()),
            "ts": rfc3339(ts),
            "source": "event",
            "who": who,
            "manager": Value::Null,
            "operation": Value::Null,
            "subresource": Value::Null,
            "action": text("/reason").unwrap_or_default(),
            "outcome": Value::Null,
            "paths": [],
            "truncated": 0,
            "diff": Value::Null,
            "resourceVersion": Value::Null,
            "uid": e.pointer("/involvedObject/uid"),
            "requestId": Value::Null,
            "auditId": Value::Null,
            "event": {
                "type": text("/type"),
                "reason": text("/reason"),
                "message": text("/message"),
                "count": e.get("count").cloned().unwrap_or(json!(1)),
            },
        }),
    })
}

/// Console rows take the watch's sighting of their write (same resourceVersion): the item
/// keeps the user and gains the field manager and the object's uid.
fn merge_sightings(console: &mut [Item], changes: Vec<Item>) -> Vec<Item> {
    let by_rv: HashMap<String, usize> = console
        .iter()
        .enumerate()
        .filter_map(|(i, item)| item.value["resourceVersion"].as_str().map(|rv| (rv.to_string(), i)))
        .collect();
    let mut rest = Vec::new();
    for change in changes {
        match change.value["resourceVersion"].as_str().and_then(|rv| by_rv.get(rv)) {
            Some(&i) => {
                let item = &mut console[i].value;
                for key in ["manager", "operation", "subresource", "uid"] {
                    item[key] = change.value[key].clone();
                }
                if item["paths"].as_array().is_none_or(Vec::is_empty) {
                    item["paths"] = change.value["paths"].clone();
                    item["truncated"] = change.value["truncated"].clone();
                }
            }
            None => rest.push(change),
        }
    }
    rest
}

/// How many of `times` (newest first) one page answers: `limit`, plus the items sharing the
/// last one's time. The next page starts strictly before that time, so items sharing it
/// (Events have one-second times) stay on this page rather than fall between the two.
fn page_end(times: &[i64], limit: usize) -> usize {
    let mut end = times.len().min(limit);
    while end > 0 && end < times.len() && times[end] == times[end - 1] {
        end += 1;
    }
    end
}

/// `GET …/history`.
pub async fn history(request: &Request, target: &Target) -> Result<Response, ApiError> {
    let query: HistoryQuery = query_of(&request.uri)?;
    let limit = match query.limit {
        Some(n) if n == 0 || n > MAX_LIMIT => {
            return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        Some(n) => n,
        None => DEFAULT_LIMIT,
    };
    let before: Option<i64> = match query.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => {
            Some(b.parse().map_err(|_| ApiError::BadRequest(format!("before {b:?} is not a cursor this API gave")))?)
        }
        None => None,
    };
    let state = &request.state;
    let store = state.audit.query_store().ok_or(ApiError::AuditDisabled)?.clone();
    let group = target.kind.api.group.clone();
    let key = ObjectKey {
        cluster: target.cluster.clone(),
        group: group.clone(),
        resource: target.kind.api.plural.clone(),
        namespace: target.namespace.as_deref().unwrap_or_default().to_string(),
        name: target.name.clone(),
    };
    let filter = Filter {
        cluster: Some(key.cluster.clone()),
        namespace: target.namespace.as_deref().map(str::to_string),
        name: Some(key.name.clone()),
        resource: Some(key.resource.clone()),
        phase: Some("outcome".into()),
        to_nanos: before,
        limit,
        ..Filter::default()
    };
    // Read side by side; nothing is answered unless the caller may read the object: its story
    // is no less private than it is. A 404 passed that check (the apiserver authorises before
    // it looks), and a deleted object's story (who deleted it) is worth telling.
    let api = target.api();
    let (allowed, rows, changes, events) = tokio::join!(
        api.get_metadata(&target.name),
        store.page(&filter),
        store.changes(&key, before.map(|b| (b, 0)), limit),
        object_events(target)
    );
    match allowed {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(e) => return Err(target.err(e)),
    }
    let unavailable = |e: crate::audit::store::StoreError| ApiError::Unavailable(e.to_string());
    let admin = state.auth.authz.audit_scope(&request.user) == AuditScope::All;
    let writes: Vec<&str> = OBJECT_WRITES.iter().map(|v| v.as_str()).collect();
    let (rows, changes) = (rows.map_err(unavailable)?, changes.map_err(unavailable)?);
    // A source that filled its page may hold older items than any answered.
    let full = rows.len() >= limit as usize || changes.len() >= limit as usize;
    let mut console: Vec<Item> = rows
        .iter()
        .filter(|r| r.body.phase == Phase::Outcome)
        .filter(|r| r.body.resource.group.as_deref().unwrap_or_default() == group)
        .filter(|r| admin || r.body.actor.sub == request.user.subject || writes.contains(&r.body.verb.as_str()))
        .map(console_item)
        .collect();
    let changes: Vec<Item> = changes.iter().map(change_item).collect();
    let mut items = merge_sightings(&mut console, changes);
    items.extend(console);
    // Events the caller may not list leave the rest of the story standing.
    let events_error = match events {
        Ok(events) => {
            items.extend(events.iter().filter_map(event_item).filter(|e| before.is_none_or(|b| e.ts < b)));
            None
        }
        Err(e) => Some(e.to_string()),
    };
    items.sort_by_key(|i| std::cmp::Reverse(i.ts));
    let cut = page_end(&items.iter().map(|i| i.ts).collect::<Vec<_>>(), limit as usize);
    let more = full || items.len() > cut;
    items.truncate(cut);
    let next = more.then(|| items.last().map(|i| i.ts.to_string())).flatten();
    let recording = state.watch.history.is_some()
        && target.kind.records_history()
        && state.watch.watches(&target.cluster, &target.kind.path(), &key.namespace);
    let mut body = json!({
        "items": items.into_iter().map(|i| i.value).collect::<Vec<_>>(),
        "next": next,
        "recording": recording,
    });
    if let Some(e) = events_error {
        body["eventsError"] = json!(e);
    }
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::page_end;

    #[test]
    fn a_page_keeps_the_items_that_share_its_last_time() {
        assert_eq!(page_end(&[9, 8, 7, 7, 7, 6], 3), 5);
        assert_eq!(page_end(&[9, 8, 7, 6], 3), 3);
        assert_eq!(page_end(&[9, 8], 3), 2);
        assert_eq!(page_end(&[5, 5, 5], 1), 3);
        assert_eq!(page_end(&[], 3), 0);
    }
}
