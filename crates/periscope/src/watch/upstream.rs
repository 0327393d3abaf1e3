//! The task behind one hub entry: a paged list, then a watch with bookmarks resumed from the
//! last resourceVersion, a fresh list (and `relist` to subscribers) when the apiserver says
//! 410 Gone, retries with backoff when it is unreachable, and retirement after the linger.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use kube::{
    api::{Api, DynamicObject, ListParams, WatchEvent, WatchParams},
    core::Status,
};

use super::{
    event::{DeltaKind, Update},
    hub::{Entry, Hub, Phase, Source},
};
use crate::{error::ApiError, history::Sighting};

/// Objects per page of the initial list.
const PAGE: u32 = 500;
/// Server-side timeout of one watch request; then it is re-opened from the last resourceVersion.
/// Short on purpose: the apiserver authorises a watch only when it opens, so each re-open is
/// what notices revoked RBAC (within about this long). The apiserver sends a bookmark just
/// before the timeout, so the resume point stays fresh even on a quiet list.
const WATCH_TIMEOUT_SECS: u32 = 30;
/// Retry delays while the apiserver is unreachable.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long after the upstream connection broke a 403 is retried instead of ending the
/// stream: an apiserver that just restarted answers 403 (e.g. "cannot impersonate") until its
/// authorizer's caches have filled. A 403 on a healthy re-watch is final at once.
const RESTART_GRACE: Duration = Duration::from_secs(20);

/// What the loop does after a watch ended.
enum After {
    Rewatch,
    Relist,
    Retry(String),
    Fatal(ApiError),
    Retired,
}

fn api_of(source: &Source) -> Api<DynamicObject> {
    match &source.namespace {
        Some(ns) => Api::namespaced_with(source.client.clone(), ns, &source.kind.api),
        None => Api::all_with(source.client.clone(), &source.kind.api),
    }
}

/// Rows as `(namespace, name, uid, json)`.
type Rows = Vec<(String, String, String, Arc<str>)>;

fn row_of(source: &Source, obj: &DynamicObject) -> (String, String, String, Arc<str>) {
    let meta = &obj.metadata;
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
        meta.uid.clone().unwrap_or_default(),
        Arc::from(source.kind.project(obj).to_string().as_str()),
    )
}

/// Reads the whole list in pages; an expired continue token restarts it (a few times). Each
/// object is remembered by the history recorder, so its next write can be told apart.
async fn list_all(
    hub: &Hub,
    api: &Api<DynamicObject>,
    source: &Source,
    cluster: &str,
) -> Result<(Rows, String), ApiError> {
    let history = hub.history.as_ref().filter(|_| source.kind.records_history());
    let cluster_name: Arc<str> = Arc::from(cluster);
    let mut attempts = 0;
    'again: loop {
        attempts += 1;
        let mut params = ListParams::default().limit(PAGE);
        if let Some(sel) = &source.label_selector {
            params = params.labels(sel);
        }
        let mut rows = Vec::new();
        loop {
            let list = match api.list(&params).await {
                Ok(list) => list,
                Err(kube::Error::Api(s)) if s.code == 410 && attempts < 3 => continue 'again,
                Err(e) => return Err(ApiError::from_kube(cluster, e)),
            };
            rows.extend(list.items.iter().map(|o| row_of(source, o)));
            if let Some(history) = history {
                list.items.iter().for_each(|o| history.listed(&cluster_name, &source.kind, o));
            }
            match list.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(next) => params = params.continue_token(&next),
                None => return Ok((rows, list.metadata.resource_version.unwrap_or_default())),
            }
        }
    }
}

/// A refusal that retrying will not fix (403, 404 for a deleted CRD, 405, …): the stream ends.
/// 410 re-lists and 429 is retried, so they are not final.
fn is_final(status: &Status) -> bool {
    (400..500).contains(&status.code) && status.code != 410 && status.code != 429
}

fn refused(status: Status) -> ApiError {
    ApiError::Kube(Box::new(status))
}

/// Runs the entry until it retires or fails for good.
pub(super) async fn run(hub: Arc<Hub>, entry: Arc<Entry>, source: Source) {
    let api = api_of(&source);
    let cluster = entry.key.audience.cluster().to_string();
    match list_all(&hub, &api, &source, &cluster).await {
        Ok((rows, rv)) => {
            entry.lock().store.replace(rows, rv);
            crate::memory::release_freed_memory();
            entry.phase.send_replace(Phase::Live);
        }
        Err(e) => {
            hub.retire_with(&entry, None);
            entry.phase.send_replace(Phase::Failed(e));
            return;
        }
    }
    let linger_check = (hub.config.linger / 6).clamp(Duration::from_millis(100), Duration::from_secs(5));
    let mut tick = tokio::time::interval(linger_check);
    let mut backoff = BACKOFF_MIN;
    // When the upstream connection last broke, while that may still explain a refusal.
    let mut interrupted: Option<std::time::Instant> = None;
    loop {
        let after = watch_once(&hub, &entry, &source, &api, &mut tick, &mut backoff).await;
        let after = match after {
            After::Relist => relist(&hub, &entry, &source, &api, &cluster).await,
            other => other,
        };
        let after = match after {
            After::Fatal(e)
                if e.status() == axum::http::StatusCode::FORBIDDEN
                    && interrupted.is_some_and(|at| at.elapsed() < RESTART_GRACE) =>
            {
                After::Retry(format!("refused right after a reconnect, retrying: {e}"))
            }
            other => other,
        };
        match after {
            After::Rewatch => interrupted = None,
            After::Relist => {}
            After::Retired => return,
            After::Fatal(e) => {
                tracing::info!(cluster = %cluster, kind = %entry.key.kind, error = %e, "watch_stream.failed");
                let update = Update::Fatal { code: e.code(), message: e.to_string() };
                hub.retire_with(&entry, Some(update));
                return;
            }
            After::Retry(why) => {
                interrupted.get_or_insert_with(std::time::Instant::now);
                tracing::warn!(cluster = %cluster, kind = %entry.key.kind, reason = %why, delay_ms = backoff.as_millis() as u64, "watch interrupted; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                if hub.try_retire(&entry) {
                    return;
                }
            }
        }
    }
}

/// Reads the list again, replaces the store and sends `relist` + snapshot to subscribers.
async fn relist(hub: &Hub, entry: &Arc<Entry>, source: &Source, api: &Api<DynamicObject>, cluster: &str) -> After {
    match list_all(hub, api, source, cluster).await {
        Ok((rows, rv)) => {
            let mut state = entry.lock();
            state.store.replace(rows, rv);
            let snapshot = Arc::new(state.store.snapshot());
            hub.metrics.relists.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            entry.broadcast(&mut state, &Update::Relist { reason: "gone_410", snapshot }, &hub.metrics);
            drop(state);
            crate::memory::release_freed_memory();
            tracing::info!(cluster = %cluster, kind = %entry.key.kind, "watch_stream.relist");
            After::Rewatch
        }
        Err(ApiError::Kube(s)) if is_final(&s) => After::Fatal(ApiError::Kube(s)),
        Err(e) => After::Retry(format!("relist: {e}")),
    }
}

/// One watch request, applied to the store until it ends.
async fn watch_once(
    hub: &Hub,
    entry: &Arc<Entry>,
    source: &Source,
    api: &Api<DynamicObject>,
    tick: &mut tokio::time::Interval,
    backoff: &mut Duration,
) -> After {
    let rv = entry.lock().store.rv().to_string();
    let cluster: &Arc<str> = &Arc::from(entry.key.audience.cluster());
    let mut params = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
    if let Some(sel) = &source.label_selector {
        params = params.labels(sel);
    }
    let stream = match api.watch(&params, &rv).await {
        Ok(stream) => stream,
        Err(kube::Error::Api(s)) if s.code == 410 => return After::Relist,
        Err(kube::Error::Api(s)) if is_final(&s) => return After::Fatal(refused(*s)),
        Err(e) => return After::Retry(e.to_string()),
    };
    let mut stream = std::pin::pin!(stream);
    loop {
        tokio::select! {
            item = stream.next() => {
                let event = match item {
                    None => return After::Rewatch,
                    Some(Ok(event)) => event,
                    Some(Err(e)) => return After::Retry(e.to_string()),
                };
                let (kind, obj) = match event {
                    WatchEvent::Added(o) => (DeltaKind::Added, o),
                    WatchEvent::Modified(o) => (DeltaKind::Modified, o),
                    WatchEvent::Deleted(o) => (DeltaKind::Deleted, o),
                    WatchEvent::Bookmark(b) => {
                        entry.lock().store.bookmark(b.metadata.resource_version);
                        continue;
                    }
                    WatchEvent::Error(s) if s.code == 410 => return After::Relist,
                    WatchEvent::Error(s) if is_final(&s) => return After::Fatal(refused(*s)),
                    WatchEvent::Error(s) => return After::Retry(s.message),
                };
                *backoff = BACKOFF_MIN;
                if let Some(history) = &hub.history {
                    let sighting = match kind {
                        DeltaKind::Added => Sighting::Added,
                        DeltaKind::Modified => Sighting::Modified,
                        DeltaKind::Deleted => Sighting::Deleted,
                    };
                    history.observed(cluster, &source.kind, sighting, &obj);
                }
                let (ns, name, uid, row) = row_of(source, &obj);
                let rv = obj.metadata.resource_version.clone().unwrap_or_default();
                hub.metrics.events_in.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut state = entry.lock();
                let delta = state.store.apply(kind, ns, name, uid, row, rv);
                entry.broadcast(&mut state, &Update::Delta(delta), &hub.metrics);
            }
            _ = tick.tick() => {
                if hub.try_retire(entry) {
                    return After::Retired;
                }
            }
        }
    }
}
