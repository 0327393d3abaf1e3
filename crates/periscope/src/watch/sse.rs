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
    streams::{Control, NewFeed, NewSubscription, Permit, Ticket},
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
    pub async fn alive(&self) -> bool {
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

/// The frames of a feed subscription, holding its unit of the user's budget while it lives.
fn feed_out(id: String, frames: BoxStream<'static, Vec<Bytes>>, permit: Permit) -> BoxStream<'static, SubOut> {
    frames
        .map(move |frames| {
            // Moved in so the permit is released only when the subscription ends.
            let _held = &permit;
            SubOut { id: id.clone(), frames, last: false, at: None }
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

/// Counts a stream in `open_streams` for as long as it lives, however its task ends.
struct OpenStreamGauge(Arc<Hub>);

impl OpenStreamGauge {
    fn new(hub: &Arc<Hub>) -> Self {
        hub.metrics.open_streams.fetch_add(1, Ordering::Relaxed);
        OpenStreamGauge(hub.clone())
    }
}

impl Drop for OpenStreamGauge {
    fn drop(&mut self) {
        self.0.metrics.open_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What the loop does after handling one event: go on, or end the stream for a reason.
enum Flow {
    Continue,
    End(&'static str),
}

/// One stream connection's state, owned by its task.
struct Pump {
    hub: Arc<Hub>,
    session: Option<SessionCheck>,
    ticket: Ticket,
    tx: mpsc::Sender<Chunk>,
    /// For sends inside the loop's arms (the loop selects on its own receiver).
    shutdown: watch::Receiver<bool>,
    multiplexed: bool,
    subs: Subs,
    /// Abort handle and label per multiplexed subscription id.
    handles: HashMap<String, (AbortHandle, String)>,
    checks: Checks,
}

async fn pump(
    parts: StreamParts,
    tx: mpsc::Sender<Chunk>,
    initial: Vec<Bytes>,
    subs: Subs,
    mut control: Option<mpsc::Receiver<Control>>,
    checks: Checks,
) {
    let StreamParts { hub, session, ticket, permit: _permit } = parts;
    let _gauge = OpenStreamGauge::new(&hub);
    let mut stopping = hub.shutdown_signal();
    let mut ping_every = tokio::time::interval_at(tokio::time::Instant::now() + hub.config.ping, hub.config.ping);
    // After a stall, one ping is enough; do not burst the missed ones.
    ping_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rbac_changes = hub.shared.rbac_changes();
    let mut pump = Pump {
        shutdown: hub.shutdown_signal(),
        hub,
        session,
        ticket,
        tx,
        multiplexed: control.is_some(),
        subs,
        handles: HashMap::new(),
        checks,
    };
    let mut flow = pump.send_all(initial).await;
    let reason = loop {
        if let Flow::End(reason) = flow {
            break reason;
        }
        flow = tokio::select! {
            biased;
            _ = stopped(&mut stopping) => pump.final_frame("server_shutdown", "server shutdown").await,
            _ = pump.tx.closed() => Flow::End("client gone"),
            Some(out) = pump.subs.next(), if !pump.subs.is_empty() => pump.forward(out).await,
            ctl = next_control(&mut control) => pump.control(ctl).await,
            _ = recheck_due(&mut recheck, &mut rbac_changes), if !pump.checks.is_empty() => pump.recheck().await,
            _ = ping_every.tick() => pump.ping().await,
        };
    };
    tracing::info!(stream = %pump.ticket.id(), reason, "watch_stream.closed");
}

impl Pump {
    /// Sends one frame; a gone client or a shutdown ends the stream.
    async fn send(&mut self, frame: Bytes) -> Flow {
        if send(&self.tx, &mut self.shutdown, frame, &self.hub).await {
            Flow::Continue
        } else {
            Flow::End("client gone")
        }
    }

    async fn send_all(&mut self, frames: Vec<Bytes>) -> Flow {
        for frame in frames {
            if let Flow::End(reason) = self.send(frame).await {
                return Flow::End(reason);
            }
        }
        Flow::Continue
    }

    /// A last frame with a short deadline (the client may not be reading), then the end.
    async fn final_frame(&mut self, event: &str, reason: &'static str) -> Flow {
        let _ = tokio::time::timeout(FINAL_FRAME_WAIT, self.tx.send(FrameWriter::plain().bare(event).into())).await;
        Flow::End(reason)
    }

    fn publish_subscriptions(&self) {
        self.ticket.set_subscriptions(self.handles.values().map(|(_, l)| l.clone()).collect());
    }

    /// Frames of every subscription ready now (up to `BATCH_BYTES`), sent as one chunk.
    async fn forward(&mut self, first: SubOut) -> Flow {
        let mut batch = Batch::default();
        let mut next = Some(first);
        let mut finished = false;
        while let Some(out) = next.take() {
            batch.push(&out);
            if out.last {
                if !self.multiplexed {
                    finished = true;
                    break;
                }
                self.handles.remove(&out.id);
                self.checks.remove(&out.id);
                self.publish_subscriptions();
            }
            if batch.bytes.len() < BATCH_BYTES {
                next = self.subs.next().now_or_never().flatten();
            }
        }
        let Batch { bytes, frames, deltas } = batch;
        let chunk = Chunk { bytes: Bytes::from(bytes), deltas };
        if !send_counted(&self.tx, &mut self.shutdown, chunk, frames, &self.hub).await {
            return Flow::End("client gone");
        }
        if finished { Flow::End("subscription ended") } else { Flow::Continue }
    }

    /// A multiplexed stream's subscription added or removed.
    async fn control(&mut self, control: Control) -> Flow {
        match control {
            Control::Add(new) => {
                let NewSubscription { id, sub, start, permit, label, access } = *new;
                if let Some(access) = access {
                    self.checks.insert(id.clone(), access);
                }
                let writer = FrameWriter::tagged(&id);
                let frames = start_frames(&writer, &start);
                let (handle, registration) = AbortHandle::new_pair();
                self.subs.push(Abortable::new(frames_of(id.clone(), writer, sub, Some(permit)), registration));
                self.handles.insert(id, (handle, label));
                self.publish_subscriptions();
                self.send_all(frames).await
            }
            Control::AddFeed(new) => {
                let NewFeed { id, frames, permit, label } = *new;
                let (handle, registration) = AbortHandle::new_pair();
                self.subs.push(Abortable::new(feed_out(id.clone(), frames, permit), registration));
                self.handles.insert(id, (handle, label));
                self.publish_subscriptions();
                Flow::Continue
            }
            Control::Remove { id, done } => {
                let found = self.handles.remove(&id).map(|(h, _)| h.abort()).is_some();
                self.checks.remove(&id);
                self.publish_subscriptions();
                let _ = done.send(found);
                Flow::Continue
            }
        }
    }

    /// Shared cache mode: access removed = that subscription closes with `E_FORBIDDEN` (a
    /// per-kind stream ends).
    async fn recheck(&mut self) -> Flow {
        let mut revoked = Vec::new();
        for (id, check) in &self.checks {
            if let Err(e) = self.hub.shared.authorize(check, true).await
                && e.status() == StatusCode::FORBIDDEN
            {
                revoked.push((id.clone(), e));
            }
        }
        for (id, e) in revoked {
            self.checks.remove(&id);
            let writer = if self.multiplexed { FrameWriter::tagged(&id) } else { FrameWriter::plain() };
            let sent = matches!(self.send(writer.error("E_FORBIDDEN", &e.to_string())).await, Flow::Continue);
            if !sent || !self.multiplexed {
                return Flow::End("access revoked");
            }
            if let Some((handle, _)) = self.handles.remove(&id) {
                handle.abort();
            }
            self.publish_subscriptions();
        }
        Flow::Continue
    }

    /// The periodic ping, after checking the session is still alive (OIDC mode).
    async fn ping(&mut self) -> Flow {
        if let Some(check) = &self.session
            && !check.alive().await
        {
            return self.final_frame("auth_expired", "auth expired").await;
        }
        self.send(ping()).await
    }
}
