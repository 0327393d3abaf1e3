//! One SSE connection: a task that writes a subscription's (or, multiplexed, many
//! subscriptions') frames into the response body, with pings, session checks and the
//! shutdown notice. The body channel is small, so a client that stops reading stalls this
//! task, its subscriptions' hub channels fill, and the hub cuts them loose.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::Arc,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::{
    FutureExt, StreamExt,
    stream::{AbortHandle, Abortable, BoxStream, SelectAll},
};
use tokio::sync::{mpsc, watch};

use super::{
    event::{FrameWriter, Update, ping},
    hub::{Hub, Next, Start, Subscription},
    shared::{AccessCheck, RECHECK},
    streams::{Control, NewSubscription, Permit, Ticket},
};
use crate::auth::sessions::{Sessions, unix_now};

/// Frames buffered between the task and the HTTP body.
const BODY_BUFFER: usize = 16;
/// How long a final frame (shutdown, auth expired) may wait for a slow client.
const FINAL_FRAME_WAIT: Duration = Duration::from_secs(1);
/// Frames already waiting are written together up to this size: under load one write carries
/// many deltas (fewer wake-ups and syscalls per subscriber), while a lone delta goes at once.
const BATCH_BYTES: usize = 64 * 1024;

/// The session behind a stream, re-checked at every ping (OIDC mode only).
pub struct SessionCheck {
    pub sessions: Arc<Sessions>,
    pub cookie: String,
    /// Absolute expiry, unix seconds.
    pub expires_at: i64,
}

impl SessionCheck {
    /// False once the session expired or was ended (logout, failed refresh).
    async fn alive(&self) -> bool {
        if unix_now() >= self.expires_at {
            return false;
        }
        // A store error is not proof the session ended; keep the stream and check again later.
        !matches!(self.sessions.resolve(&self.cookie).await, Ok(None))
    }
}

/// Bytes for the response body and the hub times of the deltas they carry: delivery is
/// measured when hyper takes the chunk for the socket.
struct Chunk {
    bytes: Bytes,
    deltas: Vec<Instant>,
}

impl From<Bytes> for Chunk {
    fn from(bytes: Bytes) -> Self {
        Chunk { bytes, deltas: Vec::new() }
    }
}

/// Frames one subscription produced; `last` ends it.
struct SubOut {
    id: String,
    frames: Vec<Bytes>,
    last: bool,
    /// When the hub applied the delta these frames carry (for the delivery histogram).
    at: Option<Instant>,
}

/// The first frames of a subscription.
pub fn start_frames(writer: &FrameWriter, start: &Start) -> Vec<Bytes> {
    match start {
        Start::Snapshot(snapshot) => vec![writer.snapshot(snapshot)],
        Start::Replay(deltas) => deltas.iter().map(|d| writer.delta(d)).collect(),
        Start::Relist(snapshot) => vec![writer.relist("gone_410"), writer.snapshot(snapshot)],
    }
}

/// A subscription as a stream of frames, ending after a cut or a fatal error. The permit
/// (multiplexed subscriptions) is held as long as the subscription lives.
fn frames_of(id: String, writer: FrameWriter, sub: Subscription, permit: Option<Permit>) -> BoxStream<'static, SubOut> {
    futures::stream::unfold(Some((sub, permit)), move |state| {
        let (id, writer) = (id.clone(), writer.clone());
        async move {
            let (mut sub, permit) = state?;
            let mut at = None;
            let (frames, last) = match sub.next().await {
                Next::Update(Update::Delta(d)) => {
                    at = Some(d.at);
                    (vec![writer.delta(&d)], false)
                }
                Next::Update(Update::Relist { reason, snapshot }) => {
                    (vec![writer.relist(reason), writer.snapshot(&snapshot)], false)
                }
                Next::Update(Update::Fatal { code, message }) => (vec![writer.error(code, &message)], true),
                Next::Cut => (vec![writer.bare("backpressure")], true),
                Next::Closed => (vec![writer.error("E_UNAVAILABLE", "the upstream watch ended")], true),
            };
            let next = if last { None } else { Some((sub, permit)) };
            Some((SubOut { id, frames, last, at }, next))
        }
    })
    .boxed()
}

/// What a stream task owns.
pub struct StreamParts {
    pub hub: Arc<Hub>,
    pub session: Option<SessionCheck>,
    pub ticket: Ticket,
    /// The stream's own unit of the user's budget.
    pub permit: Permit,
}

/// The SSE response of a per-kind stream for `sub`, starting with `start`; `access` is
/// re-checked while it is open (shared cache mode).
pub fn per_kind(parts: StreamParts, sub: Subscription, start: Start, access: Option<AccessCheck>) -> Response {
    let writer = FrameWriter::plain();
    let initial = start_frames(&writer, &start);
    let mut subs = SelectAll::new();
    subs.push(Abortable::new(frames_of(String::new(), writer, sub, None), AbortHandle::new_pair().1));
    let checks = access.map(|a| (String::new(), a)).into_iter().collect();
    respond(parts, initial, subs, None, checks)
}

/// The SSE response of a multiplexed stream; subscriptions arrive through `control`.
pub fn multiplexed(parts: StreamParts, control: mpsc::Receiver<Control>) -> Response {
    let hello = FrameWriter::custom("stream", &serde_json::json!({ "streamId": parts.ticket.id() }));
    respond(parts, vec![hello], SelectAll::new(), Some(control), HashMap::new())
}

type Subs = SelectAll<Abortable<BoxStream<'static, SubOut>>>;

/// Access to re-check per subscription id (`""` on a per-kind stream).
type Checks = HashMap<String, AccessCheck>;

fn respond(
    parts: StreamParts,
    initial: Vec<Bytes>,
    subs: Subs,
    control: Option<mpsc::Receiver<Control>>,
    checks: Checks,
) -> Response {
    let (tx, rx) = mpsc::channel::<Chunk>(BODY_BUFFER);
    let metrics = parts.hub.metrics.clone();
    tokio::spawn(pump(parts, tx, initial, subs, control, checks));
    let body = Body::from_stream(futures::stream::unfold(rx, move |mut rx| {
        let metrics = metrics.clone();
        async move {
            let chunk = rx.recv().await?;
            let now = Instant::now();
            for at in chunk.deltas {
                metrics.delivery.observe(now.saturating_duration_since(at));
            }
            Some((Ok::<_, Infallible>(chunk.bytes), rx))
        }
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Sends one frame unless the client is gone or the server is shutting down meanwhile.
async fn send(tx: &mpsc::Sender<Chunk>, shutdown: &mut watch::Receiver<bool>, frame: Bytes, hub: &Hub) -> bool {
    send_counted(tx, shutdown, frame.into(), 1, hub).await
}

/// Sends `chunk`, which holds `frames` frames.
async fn send_counted(
    tx: &mpsc::Sender<Chunk>,
    shutdown: &mut watch::Receiver<bool>,
    chunk: Chunk,
    frames: u64,
    hub: &Hub,
) -> bool {
    tokio::select! {
        sent = tx.send(chunk) => {
            hub.metrics.events_out.fetch_add(frames, Ordering::Relaxed);
            sent.is_ok()
        }
        _ = stopped(shutdown) => false,
    }
}

/// Frames gathered from subscriptions that were ready at the same moment.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    frames: u64,
    deltas: Vec<Instant>,
}

impl Batch {
    fn push(&mut self, out: &SubOut) {
        for frame in &out.frames {
            self.bytes.extend_from_slice(frame);
            self.frames += 1;
        }
        self.deltas.extend(out.at);
    }
}

/// Resolves once shutdown has been announced (the borrow guard is not held across awaits).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await.map(|_| ());
}

/// Resolves at the next periodic re-check, or sooner when RBAC changed in a shared cluster.
async fn recheck_due(tick: &mut tokio::time::Interval, rbac: &mut watch::Receiver<u64>) {
    tokio::select! {
        _ = tick.tick() => {}
        changed = rbac.changed() => {
            // The sender lives as long as the hub; should it go, fall back to the tick.
            if changed.is_err() {
                tick.tick().await;
            }
        }
    }
}

async fn next_control(control: &mut Option<mpsc::Receiver<Control>>) -> Control {
    match control {
        Some(rx) => match rx.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

async fn pump(
    parts: StreamParts,
    tx: mpsc::Sender<Chunk>,
    initial: Vec<Bytes>,
    mut subs: Subs,
    mut control: Option<mpsc::Receiver<Control>>,
    mut checks: Checks,
) {
    let StreamParts { hub, session, ticket, permit: _permit } = parts;
    let multiplexed = control.is_some();
    let mut ended = "client gone";
    hub.metrics.open_streams.fetch_add(1, Ordering::Relaxed);
    // Two receivers: one for the loop's own select, one for sends inside its arms.
    let mut shutdown = hub.shutdown_signal();
    let mut stopping = hub.shutdown_signal();
    let mut handles: HashMap<String, (AbortHandle, String)> = HashMap::new();
    let mut ping_every = tokio::time::interval_at(tokio::time::Instant::now() + hub.config.ping, hub.config.ping);
    // After a stall, one ping is enough; do not burst the missed ones.
    ping_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rbac_changes = hub.shared.rbac_changes();
    let mut open = true;
    for frame in initial {
        if !send(&tx, &mut shutdown, frame, &hub).await {
            open = false;
            break;
        }
    }
    while open {
        tokio::select! {
            biased;
            _ = stopped(&mut stopping) => {
                let _ = tokio::time::timeout(FINAL_FRAME_WAIT, tx.send(FrameWriter::plain().bare("server_shutdown").into())).await;
                ended = "server shutdown";
                break;
            }
            _ = tx.closed() => break,
            Some(out) = subs.next(), if !subs.is_empty() => {
                let mut batch = Batch::default();
                let mut next = Some(out);
                let mut finished = false;
                while let Some(out) = next.take() {
                    batch.push(&out);
                    if out.last {
                        if !multiplexed {
                            ended = "subscription ended";
                            finished = true;
                            break;
                        }
                        handles.remove(&out.id);
                        checks.remove(&out.id);
                        ticket.set_subscriptions(handles.values().map(|(_, l)| l.clone()).collect());
                    }
                    if batch.bytes.len() < BATCH_BYTES {
                        next = subs.next().now_or_never().flatten();
                    }
                }
                let Batch { bytes, frames, deltas } = batch;
                if !send_counted(&tx, &mut shutdown, Chunk { bytes: Bytes::from(bytes), deltas }, frames, &hub).await {
                    break;
                }
                if finished {
                    break;
                }
            }
            ctl = next_control(&mut control) => match ctl {
                Control::Add(new) => {
                    let NewSubscription { id, sub, start, permit, label, access } = *new;
                    if let Some(access) = access {
                        checks.insert(id.clone(), access);
                    }
                    let writer = FrameWriter::tagged(&id);
                    let frames = start_frames(&writer, &start);
                    let (handle, registration) = AbortHandle::new_pair();
                    subs.push(Abortable::new(frames_of(id.clone(), writer, sub, Some(permit)), registration));
                    handles.insert(id, (handle, label));
                    ticket.set_subscriptions(handles.values().map(|(_, l)| l.clone()).collect());
                    for frame in frames {
                        if !send(&tx, &mut shutdown, frame, &hub).await {
                            open = false;
                            break;
                        }
                    }
                }
                Control::Remove { id, done } => {
                    let found = handles.remove(&id).map(|(h, _)| h.abort()).is_some();
                    checks.remove(&id);
                    ticket.set_subscriptions(handles.values().map(|(_, l)| l.clone()).collect());
                    let _ = done.send(found);
                }
            },
            _ = recheck_due(&mut recheck, &mut rbac_changes), if !checks.is_empty() => {
                // Shared cache mode: access removed = that subscription closes with E_FORBIDDEN.
                let mut revoked = Vec::new();
                for (id, check) in &checks {
                    if let Err(e) = hub.shared.authorize(check, true).await
                        && e.status() == StatusCode::FORBIDDEN
                    {
                        revoked.push((id.clone(), e));
                    }
                }
                for (id, e) in revoked {
                    checks.remove(&id);
                    let writer = if multiplexed { FrameWriter::tagged(&id) } else { FrameWriter::plain() };
                    if !send(&tx, &mut shutdown, writer.error("E_FORBIDDEN", &e.to_string()), &hub).await || !multiplexed {
                        ended = "access revoked";
                        open = false;
                        break;
                    }
                    if let Some((handle, _)) = handles.remove(&id) {
                        handle.abort();
                    }
                    ticket.set_subscriptions(handles.values().map(|(_, l)| l.clone()).collect());
                }
            }
            _ = ping_every.tick() => {
                if let Some(check) = &session
                    && !check.alive().await
                {
                    let _ = tokio::time::timeout(FINAL_FRAME_WAIT, tx.send(FrameWriter::plain().bare("auth_expired").into())).await;
                    ended = "auth expired";
                    break;
                }
                if !send(&tx, &mut shutdown, ping(), &hub).await {
                    break;
                }
            }
        }
    }
    hub.metrics.open_streams.fetch_sub(1, Ordering::Relaxed);
    tracing::info!(stream = %ticket.id(), reason = ended, "watch_stream.closed");
}
