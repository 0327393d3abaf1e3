//! Live lists of one kind: `GET /api/clusters/{cluster}/watch/{group}/{version}/{resource}`
//! (SSE, docs/watch.md), and `GET /api/debug/streams` for audit admins.

use std::sync::Arc;

use axum::{
    Extension, Json,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::AppState,
    authz::AuditScope,
    error::ApiError,
    http::{
        authn::{CurrentUser, SessionInfo},
        extract::{Path, Query},
    },
    identity::Identity,
    kube::Pool,
    names::Namespace,
    resources::kinds::Scope,
    watch::{
        Source, WatchKey,
        shared::AccessCheck,
        sse::{self, SessionCheck, StreamParts},
        streams::StreamInfo,
    },
};

/// Longest label selector accepted (it is part of a hub key held in memory).
const MAX_SELECTOR: usize = 1024;

/// Query parameters of a per-kind stream.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WatchQuery {
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// Resume point for clients that cannot set the `Last-Event-ID` header.
    pub last_event_id: Option<String>,
}

/// What a subscription is for, as the URL or the subscribe body names it.
pub struct Target<'a> {
    pub cluster: &'a str,
    pub group: &'a str,
    pub version: &'a str,
    pub resource: &'a str,
    pub namespace: Option<&'a str>,
    pub label_selector: Option<&'a str>,
}

impl Target<'_> {
    /// A readable label for `/api/debug/streams`.
    pub fn label(&self) -> String {
        let mut label = format!("{}/{}/{}/{}", self.cluster, self.group, self.version, self.resource);
        if let Some(ns) = self.namespace {
            label.push_str(&format!("?namespace={ns}"));
        }
        if let Some(sel) = self.label_selector {
            label.push_str(&format!("{}labelSelector={sel}", if self.namespace.is_some() { '&' } else { '?' }));
        }
        label
    }
}

/// A resolved subscription: the hub key, the upstream source, and (shared cache mode) the
/// access the stream must keep having.
pub struct Resolved {
    pub key: WatchKey,
    pub source: Source,
    pub access: Option<AccessCheck>,
}

/// Resolves and validates a target into the hub key and the upstream source, as `user`. In
/// shared cache mode the user's access is reviewed first (403 when denied) and the source
/// reads as the shared reader.
pub async fn resolve(state: &AppState, user: &Identity, target: &Target<'_>) -> Result<Resolved, ApiError> {
    let namespace = target.namespace.filter(|ns| !ns.is_empty());
    let selector = target.label_selector.map(str::trim).filter(|s| !s.is_empty());
    if let Some(ns) = namespace {
        Namespace::parse(ns)?;
    }
    if let Some(sel) = selector
        && (sel.len() > MAX_SELECTOR || sel.chars().any(char::is_control))
    {
        return Err(ApiError::BadRequest(format!("labelSelector must be at most {MAX_SELECTOR} printable characters")));
    }
    let audience = state.audience(target.cluster, user)?;
    let (kind, client) = state.kind_and_client_as(&audience, target.group, target.version, target.resource).await?;
    // Built-ins have no verb list (all of them can be watched); discovered kinds say.
    if !kind.verbs.is_empty() && !kind.verbs.iter().any(|v| v == "watch") {
        return Err(ApiError::BadRequest(format!("{} cannot be watched", kind.api.plural)));
    }
    if kind.scope == Scope::Cluster && namespace.is_some() {
        return Err(ApiError::BadRequest(format!(
            "{} are cluster-scoped: drop the namespace parameter",
            kind.api.plural
        )));
    }
    let namespace_key = namespace.unwrap_or("").to_string();
    let shared = &state.watch.shared;
    let (upstream, client, access) = if shared.applies(target.cluster, &kind) {
        let access = AccessCheck {
            audience: audience.clone(),
            client,
            group: kind.api.group.clone(),
            plural: kind.api.plural.clone(),
            namespace: namespace_key.clone(),
        };
        shared.authorize(&access, false).await?;
        let reader = shared.reader(target.cluster);
        let reader_client = state.client(&reader, Pool::Watches)?;
        shared.watch_rbac(target.cluster, reader_client.clone());
        (reader, reader_client, Some(access))
    } else {
        let client = state.client(&audience, Pool::Watches)?;
        (audience, client, None)
    };
    let key = WatchKey {
        audience: upstream,
        kind: kind.path(),
        namespace: namespace_key,
        label_selector: selector.unwrap_or("").to_string(),
    };
    let source =
        Source { client, kind, namespace: namespace.map(String::from), label_selector: selector.map(String::from) };
    Ok(Resolved { key, source, access })
}

/// The session check for a stream of this request (OIDC mode only).
pub fn session_check(state: &AppState, headers: &HeaderMap, info: Option<&SessionInfo>) -> Option<SessionCheck> {
    let sessions = state.sessions.clone()?;
    let info = info?;
    let cookie = crate::http::cookies::read_cookie(headers, &sessions.settings.cookie_name)?.to_string();
    Some(SessionCheck { sessions, cookie, expires_at: info.expires_at })
}

/// `GET …/watch/{group}/{version}/{resource}?namespace=&labelSelector=`: the live list as SSE.
/// Refusals (429 over the per-user limit, 403 from the apiserver, bad input) come in the JSON
/// envelope before the stream starts.
pub async fn watch(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Option<Extension<SessionInfo>>,
    headers: HeaderMap,
    Path((cluster, group, version, resource)): Path<(String, String, String, String)>,
    Query(query): Query<WatchQuery>,
) -> Result<Response, ApiError> {
    let hub = state.watch.clone();
    let permit = hub.streams.acquire(&user.subject).inspect_err(|_| {
        hub.metrics.rejected_streams.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(user = %user.subject, "watch_stream.rate_limited");
    })?;
    let target = Target {
        cluster: &cluster,
        group: &group,
        version: &version,
        resource: &resource,
        namespace: query.namespace.as_deref(),
        label_selector: query.label_selector.as_deref(),
    };
    let Resolved { key, source, access } = resolve(&state, &user, &target).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .or(query.last_event_id)
        .filter(|rv| !rv.trim().is_empty());
    let (sub, start) = hub.subscribe(key, source, resume.as_deref()).await?;
    let id = format!("s{}", hub.next_id());
    let info = StreamInfo {
        id,
        user: user.subject.clone(),
        kind: "kind",
        subscriptions: vec![target.label()],
        opened_at: jiff::Timestamp::now().to_string(),
    };
    tracing::info!(user = %user.subject, stream = %info.id, target = %info.subscriptions[0], "watch_stream.opened");
    let ticket = hub.streams.register(info, None);
    let session = session_check(&state, &headers, session.as_ref().map(|e| &e.0));
    Ok(sse::per_kind(StreamParts { hub, session, ticket, permit }, sub, start, access))
}

/// `GET /api/debug/streams`: open streams and upstream watches with subscriber counts, for
/// audit admins only (it names who watches what).
pub async fn debug_streams(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, ApiError> {
    if state.auth.authz.audit_scope(&user) != AuditScope::All {
        return Err(ApiError::Forbidden("open streams are visible to audit admins only".into()));
    }
    let hub: &Arc<crate::watch::Hub> = &state.watch;
    let upstreams = hub.upstreams();
    let streams = hub.streams.list();
    Ok(Json(json!({
        "upstreamWatches": upstreams.len(),
        "subscribers": upstreams.iter().map(|u| u.subscribers).sum::<usize>(),
        "upstreams": upstreams,
        "streams": streams,
    }))
    .into_response())
}
