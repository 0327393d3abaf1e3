//! The multiplexed live stream: one SSE connection per browser tab (`GET /api/streams`), with
//! subscriptions added and removed by `POST`/`DELETE /api/streams/{stream}/subscriptions…`.
//! Every event's data carries `"sub": subscriptionId`.

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tokio::sync::{
    mpsc::{self, error::SendTimeoutError},
    oneshot,
};

use super::{
    audit as audit_routes,
    watch::{Resolved, Target, resolve, session_check},
};
use crate::{
    app::AppState,
    audit::store::AuditQuery,
    error::ApiError,
    http::{
        authn::{CurrentUser, SessionInfo},
        body::JsonBody,
        extract::Path,
    },
    watch::{
        event::FrameWriter,
        sse::{self, StreamParts},
        streams::{Control, MuxHandle, NewFeed, NewSubscription, StreamInfo},
    },
};

/// Requests waiting for a stream's task.
const CONTROL_QUEUE: usize = 32;
/// How long a subscribe/unsubscribe waits for a busy stream's task.
const CONTROL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `GET /api/streams`: opens a multiplexed stream; its first event is
/// `event: stream` with `{"streamId": …}`.
pub async fn open(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Option<Extension<SessionInfo>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let hub = state.watch.clone();
    let permit = hub.streams.acquire(&user.subject).inspect_err(|_| {
        hub.metrics.rejected_streams.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })?;
    let (control, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let info = StreamInfo {
        id,
        user: user.subject.clone(),
        kind: "multiplexed",
        subscriptions: Vec::new(),
        opened_at: jiff::Timestamp::now().to_string(),
    };
    let ticket = hub.streams.register(info, Some(MuxHandle { owner: user.subject.clone(), control }));
    let session = session_check(&state, &headers, session.as_ref().map(|e| &e.0));
    Ok(sse::multiplexed(StreamParts { hub, session, ticket, permit }, control_rx))
}

/// The body of a subscribe request.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SubscribeBody {
    pub cluster: String,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// Resume point: the last `id:` this client saw for the same target.
    pub last_event_id: Option<String>,
}

fn handle(state: &AppState, stream: &str, user: &str) -> Result<MuxHandle, ApiError> {
    state
        .watch
        .streams
        .mux(stream, user)
        .ok_or_else(|| ApiError::StreamNotFound(format!("no open stream {stream:?} of yours")))
}

/// `POST /api/streams/{stream}/subscriptions`: adds a subscription; answers
/// `{"subscriptionId"}` once its snapshot is queued on the stream. 403 from the apiserver and
/// 429 over the per-user limit come in the envelope, and nothing is added.
pub async fn subscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(stream): Path<String>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> Result<Response, ApiError> {
    let mux = handle(&state, &stream, &user.subject)?;
    let hub = state.watch.clone();
    let permit = hub.streams.acquire(&user.subject).inspect_err(|_| {
        hub.metrics.rejected_streams.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })?;
    if let Some(audit) = body.get("audit") {
        if body.as_object().is_some_and(|fields| fields.len() > 1) {
            return Err(ApiError::BadRequest("an audit subscription has only the field audit".into()));
        }
        let query: AuditQuery = serde_json::from_value(audit.clone())
            .map_err(|e| ApiError::BadRequest(format!("audit subscription: {e}")))?;
        if query.limit.is_some() || query.offset.is_some() || query.buckets.is_some() || query.format.is_some() {
            return Err(ApiError::BadRequest(
                "an audit subscription takes filters only (no limit, offset, buckets, format)".into(),
            ));
        }
        let (store, filter, _) = audit_routes::scoped(&state, &user, query)?;
        let id = format!("sub{}", hub.next_id());
        let frames = audit_routes::tail(store, filter, state.audit.commits(), FrameWriter::tagged(&id));
        let feed = NewFeed { id: id.clone(), frames, permit, label: "audit".into() };
        send_control(&mux, &stream, Control::AddFeed(Box::new(feed))).await?;
        return Ok((StatusCode::CREATED, Json(Subscribed { subscription_id: id })).into_response());
    }
    let request: SubscribeBody =
        serde_json::from_value(body).map_err(|e| ApiError::BadRequest(format!("subscription: {e}")))?;
    let target = Target {
        cluster: &request.cluster,
        group: &request.group,
        version: &request.version,
        resource: &request.resource,
        namespace: request.namespace.as_deref(),
        label_selector: request.label_selector.as_deref(),
    };
    let Resolved { key, source, access } = resolve(&state, &user, &target).await?;
    let (sub, start) = hub.subscribe(key, source, request.last_event_id.as_deref()).await?;
    let id = format!("sub{}", hub.next_id());
    let add =
        Control::Add(Box::new(NewSubscription { id: id.clone(), sub, start, permit, label: target.label(), access }));
    send_control(&mux, &stream, add).await?;
    Ok((StatusCode::CREATED, Json(Subscribed { subscription_id: id })).into_response())
}

/// Hands `control` to the stream's task. A stream whose client stopped reading does not take
/// requests; do not hang this one.
async fn send_control(mux: &MuxHandle, stream: &str, control: Control) -> Result<(), ApiError> {
    mux.control.send_timeout(control, CONTROL_WAIT).await.map_err(|e| match e {
        SendTimeoutError::Closed(_) => ApiError::StreamNotFound(format!("stream {stream:?} has closed")),
        SendTimeoutError::Timeout(_) => ApiError::Unavailable(format!("stream {stream:?} is not being read")),
    })
}

/// The answer of a subscribe request.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Subscribed {
    pub subscription_id: String,
}

/// `DELETE /api/streams/{stream}/subscriptions/{subscription}`: ends one subscription.
pub async fn unsubscribe(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((stream, subscription)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let mux = handle(&state, &stream, &user.subject)?;
    let (done, found) = oneshot::channel();
    let gone = || ApiError::StreamNotFound(format!("stream {stream:?} has closed"));
    let busy = || ApiError::Unavailable(format!("stream {stream:?} is not being read"));
    mux.control.send_timeout(Control::Remove { id: subscription.clone(), done }, CONTROL_WAIT).await.map_err(|e| {
        match e {
            SendTimeoutError::Closed(_) => gone(),
            SendTimeoutError::Timeout(_) => busy(),
        }
    })?;
    match tokio::time::timeout(CONTROL_WAIT, found).await.map_err(|_| busy())? {
        Ok(true) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(false) => Err(ApiError::StreamNotFound(format!("no subscription {subscription:?} on this stream"))),
        Err(_) => Err(gone()),
    }
}
