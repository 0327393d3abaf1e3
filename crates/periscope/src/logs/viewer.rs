//! One log viewer: an SSE response fed by a task that gathers lines from one pod or from a
//! workload's pods (following the pod set through the watch hub), merges them by time, and
//! writes frames in the Go original's wire format. Memory stays bounded whatever the browser
//! does: lines wait in a byte-budgeted queue, and when the browser reads too slowly the
//! surplus is dropped and reported as `event: dropped {"count"}`.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque},
    convert::Infallible,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, watch};

use super::{
    line::LogLine,
    source::{OpenError, Opened, Reader, Seam},
    upstream::Live,
};
use crate::{
    error::ApiError,
    watch::{
        event::{DeltaKind, Update},
        hub::{Next, Start, Subscription},
        sse::SessionCheck,
        streams::{Permit, Ticket},
    },
};

/// Live frames waiting for a slow browser, in bytes; beyond it live lines are dropped and
/// counted.
const QUEUE_BUDGET: usize = 4 * 1024 * 1024;
/// History frames waiting, in bytes. A history is read whole before it is sent (at most
/// `tailLines` per pod), so it waits for the browser instead of being dropped up to this
/// much; only beyond it (a workload's many long histories) are its lines dropped and counted.
const HISTORY_BUDGET: usize = 64 * 1024 * 1024;
/// Frames handed to the HTTP body at once.
const BODY_BUFFER: usize = 8;
/// Bytes written in one body chunk.
const CHUNK_BYTES: usize = 64 * 1024;
/// How long workload lines wait so lines of other pods can be merged in before them.
const MERGE_WINDOW: Duration = Duration::from_millis(100);
/// How long the first frames wait for every initial pod's history.
const INITIAL_WAIT: Duration = Duration::from_secs(3);
/// Messages from pod tasks buffered before they wait (and their upstream share lags).
const POD_CHANNEL: usize = 256;
/// Retries of a pod whose container is not running yet, and the longest pause between them.
const RETRY_MAX: Duration = Duration::from_secs(10);

/// What the SSE task owns besides its reader.
pub struct Parts {
    pub permit: Permit,
    pub ticket: Ticket,
    pub session: Option<SessionCheck>,
    pub shutdown: watch::Receiver<bool>,
    pub ping: Duration,
}

/// A pod of a workload as the pod set shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    node: Option<String>,
}

/// What a pod task reports.
enum PodMsg {
    Opened { container: String, history: Vec<LogLine> },
    Line(Arc<LogLine>),
    Lagged(u64),
    Omitted(&'static str),
    Ended(String),
}

/// A single pod's viewer, already opened by the route (so its errors were answered as
/// envelopes).
pub fn pod(reader: Reader, pod: String, node: Option<String>, opened: Opened, parts: Parts) -> Response {
    let (tx, rx) = mpsc::channel(BODY_BUFFER);
    let reader = Arc::new(reader);
    tokio::spawn(async move {
        let mut viewer = Viewer::new(reader.clone(), parts, false, tx);
        viewer.hub_count(1);
        let meta = json!({"pods": [{"name": pod, "node": node, "container": opened.container}], "omitted": []});
        viewer.push_frame(custom("meta", &meta));
        viewer.initial = false;
        let (pod_tx, pod_rx) = mpsc::channel(POD_CHANNEL);
        let task = tokio::spawn(forward(pod_tx, opened, reader.filter.clone()));
        viewer.tasks.insert(pod.clone(), task.abort_handle());
        viewer.run(pod_rx, None).await;
        viewer.hub_count(-1);
    });
    sse_response(rx)
}

/// A workload's pods: a subscription of the watch hub (rows now, then changes) when
/// following, else the rows of one read.
pub enum PodSet {
    Live(Subscription, Start),
    Once(Vec<Arc<str>>),
}

/// A workload's viewer: reads at most `max_pods` pods of `pods`, only those in `only` when it
/// is set, following the set while it changes.
pub fn workload(reader: Reader, pods: PodSet, only: Option<BTreeSet<String>>, parts: Parts) -> Response {
    let (tx, rx) = mpsc::channel(BODY_BUFFER);
    let reader = Arc::new(reader);
    tokio::spawn(async move {
        let mut viewer = Viewer::new(reader.clone(), parts, true, tx);
        viewer.only = only;
        viewer.hub_count(1);
        let (sub, rows) = match pods {
            PodSet::Live(sub, Start::Snapshot(snapshot) | Start::Relist(snapshot)) => {
                (Some(sub), snapshot.rows.clone())
            }
            PodSet::Live(sub, Start::Replay(_)) => (Some(sub), Vec::new()),
            PodSet::Once(rows) => (None, rows),
        };
        viewer.members = rows.iter().filter_map(|r| member_of(r)).collect();
        let (pod_tx, pod_rx) = mpsc::channel(POD_CHANNEL);
        viewer.pod_tx = Some(pod_tx);
        viewer.reconcile(true);
        viewer.check_done();
        viewer.run(pod_rx, sub).await;
        viewer.hub_count(-1);
    });
    sse_response(rx)
}

fn sse_response(rx: mpsc::Receiver<Bytes>) -> Response {
    let body = Body::from_stream(
        futures::stream::unfold(rx, |mut rx| async move {
            let chunk = rx.recv().await?;
            Some((Ok::<_, Infallible>(chunk), rx))
        })
        // The compression layer polls a body again after its end; a fused stream stays ended.
        .fuse(),
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// A pod row of the watch hub as a member: its name and node.
fn member_of(row: &str) -> Option<(String, Member)> {
    let row: Value = serde_json::from_str(row).ok()?;
    let name = row.get("name")?.as_str()?.to_string();
    let node = row.get("node").and_then(Value::as_str).map(str::to_string);
    Some((name, Member { node }))
}

fn custom(event: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// A line frame: `{"t","l"}`, plus `"p"`/`"c"` for workloads and `"x":true` when cut.
fn line_frame(line: &LogLine, pod: Option<(&str, &str)>) -> Bytes {
    let mut data = json!({"t": &*line.t, "l": line.text});
    if let Some((p, c)) = pod {
        data["p"] = json!(p);
        data["c"] = json!(c);
    }
    if line.truncated {
        data["x"] = json!(true);
    }
    Bytes::from(format!("data: {data}\n\n"))
}

/// A line waiting in the merge window.
struct Held {
    nanos: i128,
    seq: u64,
    arrived: Instant,
    frame: Bytes,
    history: bool,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.nanos, self.seq) == (other.nanos, other.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.nanos, self.seq).cmp(&(other.nanos, other.seq))
    }
}

/// The state of one viewer's task.
struct Viewer {
    reader: Arc<Reader>,
    parts: Parts,
    body: mpsc::Sender<Bytes>,
    workload: bool,
    /// Frames ready for the browser (with whether each is history), their size, and how much
    /// of it is history: a history backlog is not a slow browser, so live lines are measured
    /// against what else waits.
    queue: VecDeque<(Bytes, bool)>,
    queued: usize,
    queued_history: usize,
    /// Lines dropped since the browser last got a `dropped` frame.
    dropped: u64,
    /// Workload lines in their merge window, earliest first.
    held: BinaryHeap<Reverse<Held>>,
    seq: u64,
    /// The pod set (workloads) and who is read.
    members: BTreeMap<String, Member>,
    only: Option<BTreeSet<String>>,
    tasks: BTreeMap<String, tokio::task::AbortHandle>,
    containers: BTreeMap<String, String>,
    omitted: BTreeMap<String, &'static str>,
    /// Pods whose first report (history or omission) is still awaited.
    awaiting: BTreeSet<String>,
    /// Pods whose stream ended (history read, or the container's stream over); still listed.
    ended: BTreeSet<String>,
    started: Instant,
    /// Until the first pods report, the pod set is announced once, when they have.
    initial: bool,
    pod_tx: Option<mpsc::Sender<(String, PodMsg)>>,
    done: bool,
}

impl Viewer {
    fn new(reader: Arc<Reader>, parts: Parts, workload: bool, body: mpsc::Sender<Bytes>) -> Viewer {
        Viewer {
            reader,
            parts,
            body,
            workload,
            queue: VecDeque::new(),
            queued: 0,
            queued_history: 0,
            dropped: 0,
            held: BinaryHeap::new(),
            seq: 0,
            members: BTreeMap::new(),
            only: None,
            tasks: BTreeMap::new(),
            containers: BTreeMap::new(),
            omitted: BTreeMap::new(),
            awaiting: BTreeSet::new(),
            ended: BTreeSet::new(),
            started: Instant::now(),
            initial: true,
            pod_tx: None,
            done: false,
        }
    }

    fn hub_count(&self, delta: isize) {
        let viewers = &self.reader.hub.metrics.viewers;
        if delta > 0 {
            viewers.fetch_add(1, Ordering::Relaxed);
        } else {
            viewers.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Queues a frame that must not be dropped (meta, done, error).
    fn push_frame(&mut self, frame: Bytes) {
        self.enqueue(frame, false);
    }

    fn enqueue(&mut self, frame: Bytes, history: bool) {
        self.queued += frame.len();
        if history {
            self.queued_history += frame.len();
        }
        self.queue.push_back((frame, history));
    }

    /// Queues a line frame, or counts it dropped when the browser is too far behind (live
    /// lines past `QUEUE_BUDGET`, history lines past `HISTORY_BUDGET`).
    fn push_line(&mut self, frame: Bytes, history: bool) {
        let over = if history {
            self.queued + frame.len() > HISTORY_BUDGET
        } else {
            self.queued - self.queued_history + frame.len() > QUEUE_BUDGET
        };
        if over {
            self.drop_lines(1);
            return;
        }
        self.enqueue(frame, history);
    }

    fn drop_lines(&mut self, n: u64) {
        self.dropped += n;
        self.reader.hub.metrics.dropped.fetch_add(n, Ordering::Relaxed);
    }

    fn hold(&mut self, line: &LogLine, frame: Bytes, history: bool) {
        if self.workload {
            self.seq += 1;
            self.held.push(Reverse(Held { nanos: line.nanos, seq: self.seq, arrived: Instant::now(), frame, history }));
        } else {
            self.push_line(frame, history);
        }
    }

    /// Moves lines whose merge window has passed into the queue, in time order. Until every
    /// initial pod reported (or `INITIAL_WAIT`), nothing moves, so first histories interleave.
    fn release(&mut self, all: bool) {
        if !all && !self.awaiting.is_empty() && self.started.elapsed() < INITIAL_WAIT {
            return;
        }
        self.announce_initial();
        let cutoff = Instant::now().checked_sub(MERGE_WINDOW);
        while let Some(Reverse(top)) = self.held.peek() {
            if !all && cutoff.is_some_and(|c| top.arrived > c) {
                break;
            }
            let Some(Reverse(held)) = self.held.pop() else { break };
            self.push_line(held.frame, held.history);
        }
    }

    /// When the earliest-in-time held line's window ends (or the initial wait, while it runs).
    fn next_release(&self) -> tokio::time::Instant {
        let top = self.held.peek().map_or_else(Instant::now, |Reverse(held)| held.arrived + MERGE_WINDOW);
        let gate = if self.awaiting.is_empty() { top } else { top.max(self.started + INITIAL_WAIT) };
        tokio::time::Instant::from_std(gate)
    }

    /// The first `meta`, once every initial pod reported (or the wait is over).
    fn announce_initial(&mut self) {
        if self.initial && (self.awaiting.is_empty() || self.started.elapsed() >= INITIAL_WAIT) {
            self.initial = false;
            let meta = self.meta();
            self.push_frame(meta);
        }
    }

    /// Queues a `meta` frame unless the first one is still to come.
    fn announce(&mut self) {
        if !self.initial {
            let meta = self.meta();
            self.push_frame(meta);
        }
    }

    fn meta(&self) -> Bytes {
        let pods: Vec<Value> = self
            .tasks
            .keys()
            .map(|name| {
                let node = self.members.get(name).and_then(|m| m.node.clone());
                json!({"name": name, "node": node, "container": self.containers.get(name)})
            })
            .collect();
        let omitted: Vec<Value> =
            self.omitted.iter().map(|(name, reason)| json!({"name": name, "reason": reason})).collect();
        custom("meta", &json!({"pods": pods, "omitted": omitted}))
    }

    /// Starts pod tasks for members that should be read and stops those that should not;
    /// queues a `meta` frame when the set changed (or `announce`).
    fn reconcile(&mut self, announce: bool) {
        let Some(pod_tx) = self.pod_tx.clone() else { return };
        let before = (self.tasks.keys().cloned().collect::<Vec<_>>(), self.omitted.clone());
        let gone: Vec<String> = self.tasks.keys().filter(|p| !self.members.contains_key(*p)).cloned().collect();
        for name in gone {
            if let Some(task) = self.tasks.remove(&name) {
                task.abort();
            }
            self.containers.remove(&name);
            self.awaiting.remove(&name);
            self.ended.remove(&name);
        }
        self.omitted.retain(|name, reason| self.members.contains_key(name) && !matches!(*reason, "limit" | "filtered"));
        let max = self.reader.hub.limits.max_pods.max(1);
        let names: Vec<String> = self.members.keys().cloned().collect();
        for name in names {
            if self.tasks.contains_key(&name) || self.omitted.contains_key(&name) {
                continue;
            }
            if self.only.as_ref().is_some_and(|only| !only.contains(&name)) {
                self.omitted.insert(name, "filtered");
                continue;
            }
            if self.tasks.len() >= max {
                self.omitted.insert(name, "limit");
                continue;
            }
            let task = tokio::spawn(pod_task(self.reader.clone(), name.clone(), pod_tx.clone()));
            self.tasks.insert(name.clone(), task.abort_handle());
            self.awaiting.insert(name);
        }
        let after = (self.tasks.keys().cloned().collect::<Vec<_>>(), self.omitted.clone());
        if announce || before != after {
            self.announce();
        }
        self.announce_initial();
    }

    fn on_pod(&mut self, pod: String, msg: PodMsg) {
        match msg {
            PodMsg::Opened { container, history } => {
                self.awaiting.remove(&pod);
                let changed = self.containers.insert(pod.clone(), container.clone()).as_ref() != Some(&container);
                for line in &history {
                    let frame = self.frame_for(&pod, line);
                    self.hold(line, frame, true);
                }
                if changed && self.workload {
                    self.announce();
                }
                self.announce_initial();
            }
            PodMsg::Line(line) => {
                let frame = self.frame_for(&pod, &line);
                self.hold(&line, frame, false);
            }
            PodMsg::Lagged(n) => self.drop_lines(n),
            PodMsg::Omitted(reason) => {
                self.awaiting.remove(&pod);
                self.tasks.remove(&pod);
                self.containers.remove(&pod);
                self.omitted.insert(pod, reason);
                self.announce();
                self.announce_initial();
                self.check_done();
            }
            PodMsg::Ended(reason) => {
                tracing::debug!(%pod, %reason, "log stream ended");
                self.awaiting.remove(&pod);
                if self.workload {
                    self.ended.insert(pod);
                    self.check_done();
                } else {
                    self.finish();
                }
            }
        }
    }

    /// A workload that does not follow is done once every pod was read.
    fn check_done(&mut self) {
        let all_ended = self.tasks.keys().all(|pod| self.ended.contains(pod));
        if self.workload && !self.reader.live() && all_ended && !self.done {
            self.finish();
        }
    }

    /// Everything held goes out, then `done`.
    fn finish(&mut self) {
        self.release(true);
        self.push_frame(custom("done", &json!({})));
        self.done = true;
    }

    fn frame_for(&self, pod: &str, line: &LogLine) -> Bytes {
        if self.workload {
            let container = self.containers.get(pod).map_or("", String::as_str);
            line_frame(line, Some((pod, container)))
        } else {
            line_frame(line, None)
        }
    }

    fn on_pods(&mut self, next: Next) -> bool {
        match next {
            Next::Update(Update::Delta(delta)) => {
                if let Some((name, member)) = member_of(&delta.row) {
                    match delta.kind {
                        DeltaKind::Deleted => {
                            self.members.remove(&name);
                        }
                        DeltaKind::Added | DeltaKind::Modified => {
                            self.members.insert(name, member);
                        }
                    }
                }
            }
            Next::Update(Update::Relist { snapshot, .. }) => {
                self.members = snapshot.rows.iter().filter_map(|r| member_of(r)).collect();
            }
            Next::Update(Update::Fatal { message, .. }) => {
                self.push_frame(custom("error", &json!({"message": message})));
                return false;
            }
            Next::Cut | Next::Closed => {
                self.push_frame(custom("error", &json!({"message": "the pod set can no longer be followed"})));
                return false;
            }
        }
        self.reconcile(false);
        true
    }

    /// The next chunk for the body: a pending `dropped` notice first, then queued frames.
    fn chunk(&mut self) -> Bytes {
        let mut out = Vec::with_capacity(CHUNK_BYTES.min(self.queued + 64));
        if self.dropped > 0 {
            out.extend_from_slice(&custom("dropped", &json!({"count": self.dropped})));
            self.dropped = 0;
        }
        while let Some((frame, _)) = self.queue.front() {
            if !out.is_empty() && out.len() + frame.len() > CHUNK_BYTES {
                break;
            }
            let Some((frame, history)) = self.queue.pop_front() else { break };
            self.queued -= frame.len();
            if history {
                self.queued_history -= frame.len();
            }
            out.extend_from_slice(&frame);
        }
        Bytes::from(out)
    }

    async fn run(&mut self, mut pods_rx: mpsc::Receiver<(String, PodMsg)>, mut pods: Option<Subscription>) {
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + self.parts.ping, self.parts.ping);
        let mut shutdown = self.parts.shutdown.clone();
        // A clone, so a pending reservation does not borrow the viewer.
        let body = self.body.clone();
        loop {
            let ready = !self.queue.is_empty() || self.dropped > 0;
            tokio::select! {
                biased;
                _ = async { shutdown.wait_for(|s| *s).await.map(|_| ()) } => {
                    let _ = body.try_send(custom("server_shutdown", &json!({})));
                    break;
                }
                permit = body.reserve(), if ready => {
                    let Ok(permit) = permit else { break };
                    permit.send(self.chunk());
                    if self.done && self.queue.is_empty() {
                        break;
                    }
                }
                msg = pods_rx.recv(), if !self.done => {
                    // The viewer holds a sender (workloads) or the pod task ended (pods).
                    let Some((pod, msg)) = msg else {
                        if !self.workload { break }
                        continue;
                    };
                    self.on_pod(pod, msg);
                }
                next = next_pods(&mut pods), if pods.is_some() && !self.done => {
                    if !self.on_pods(next) {
                        self.done = true;
                    }
                }
                // Each line goes out when its own window ends, not on a coarser tick.
                _ = tokio::time::sleep_until(self.next_release()), if !self.held.is_empty() => self.release(false),
                _ = ping.tick() => {
                    if let Some(session) = &self.parts.session && !session.alive().await {
                        let _ = body.try_send(custom("auth_expired", &json!({})));
                        break;
                    }
                    // Pings go out even past a full queue: they prove the stream is alive.
                    if body.try_send(crate::watch::event::ping()).is_err() && body.is_closed() {
                        break;
                    }
                }
            }
        }
        for task in self.tasks.values() {
            task.abort();
        }
    }
}

async fn next_pods(pods: &mut Option<Subscription>) -> Next {
    match pods {
        Some(sub) => sub.next().await,
        None => std::future::pending().await,
    }
}

/// Feeds one opened pod's history and live lines to the viewer, then its end.
async fn forward(tx: mpsc::Sender<(String, PodMsg)>, opened: Opened, filter: super::filter::Filter) {
    let pod = String::new();
    let Opened { history, live, mut seam, .. } = opened;
    // The single-pod viewer already knows the container; the history goes out as lines.
    if tx.send((pod.clone(), PodMsg::Opened { container: String::new(), history })).await.is_err() {
        return;
    }
    let reason = match live {
        None => "history complete".to_string(),
        Some(follow) => relay(&tx, &pod, follow.rx, &mut seam, &filter).await,
    };
    let _ = tx.send((pod, PodMsg::Ended(reason))).await;
}

/// Relays live lines past the seam; returns why the stream ended.
async fn relay(
    tx: &mpsc::Sender<(String, PodMsg)>,
    pod: &str,
    mut rx: broadcast::Receiver<Live>,
    seam: &mut Seam,
    filter: &super::filter::Filter,
) -> String {
    loop {
        let msg = match rx.recv().await {
            Ok(Live::Line(line)) => {
                if !seam.is_new(&line) || !filter.matches(&line.text) {
                    continue;
                }
                PodMsg::Line(line)
            }
            Ok(Live::End(reason)) => return reason,
            Err(broadcast::error::RecvError::Lagged(n)) => PodMsg::Lagged(n),
            Err(broadcast::error::RecvError::Closed) => return "the log stream closed".to_string(),
        };
        if tx.send((pod.to_string(), msg)).await.is_err() {
            return "viewer gone".to_string();
        }
    }
}

/// One pod of a workload: resolve its container, open it (retrying while its container is
/// not running yet), then relay. Access and budget refusals are reported, not fatal.
async fn pod_task(reader: Arc<Reader>, pod: String, tx: mpsc::Sender<(String, PodMsg)>) {
    let mut pause = Duration::from_millis(500);
    let mut tries = 0;
    loop {
        tries += 1;
        let opened = match reader.container_of(&pod).await {
            Ok(container) => reader.open(&pod, container).await,
            Err(ApiError::UnknownContainer { .. }) => {
                let _ = tx.send((pod, PodMsg::Omitted("no-container"))).await;
                return;
            }
            Err(e) => Err(OpenError::Api(e)),
        };
        match opened {
            Ok(Opened { container, history, live, mut seam }) => {
                if tx.send((pod.clone(), PodMsg::Opened { container, history })).await.is_err() {
                    return;
                }
                let reason = match live {
                    None => "history complete".to_string(),
                    Some(follow) => relay(&tx, &pod, follow.rx, &mut seam, &reader.filter).await,
                };
                let _ = tx.send((pod, PodMsg::Ended(reason))).await;
                return;
            }
            Err(OpenError::Budget(_)) => {
                let _ = tx.send((pod, PodMsg::Omitted("budget"))).await;
                return;
            }
            Err(OpenError::Api(e)) if e.status() == axum::http::StatusCode::FORBIDDEN => {
                let _ = tx.send((pod, PodMsg::Omitted("forbidden"))).await;
                return;
            }
            // Not running yet (400), already gone (404), or a hiccup: the pod set decides
            // whether it stays; a history-only viewer does not wait for it.
            Err(e) => {
                if !reader.live() || tries > 30 {
                    tracing::debug!(%pod, error = %e_text(&e), "pod logs unavailable");
                    let _ = tx.send((pod, PodMsg::Omitted("unavailable"))).await;
                    return;
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RETRY_MAX);
            }
        }
    }
}

fn e_text(e: &OpenError) -> String {
    match e {
        OpenError::Budget(n) => format!("over the budget of {n} streams"),
        OpenError::Api(e) => e.to_string(),
    }
}
