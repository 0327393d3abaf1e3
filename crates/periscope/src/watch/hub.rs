//! The watch hub: one upstream list+watch and one store per subscription key, shared by every
//! subscriber with that key, with bounded per-subscriber channels and a linger after the last
//! subscriber leaves.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde::Serialize;
use tokio::sync::{Notify, mpsc, watch};

use super::{
    event::{Delta, Snapshot, Update},
    metrics::Metrics,
    store::{Resume, Store},
    streams::OpenStreams,
};
use crate::{
    audience::Audience,
    error::ApiError,
    resources::{catalog::Kind, list::LiveRead},
};

/// What makes two subscriptions share one upstream watch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchKey {
    /// Cluster and identity of the upstream watch: stores are never shared between audiences
    /// (shared cache mode's stores have the reader's audience, never a user's).
    pub audience: Audience,
    /// `group/version/plural` (`core` for the core group).
    pub kind: String,
    /// Empty for all namespaces (or a cluster-scoped kind).
    pub namespace: String,
    pub label_selector: String,
}

/// Where an upstream watch reads from: everything needed to start one for a key.
#[derive(Clone)]
pub struct Source {
    pub client: kube::Client,
    /// The kind as the catalog resolved it; `Kind::project` makes rows, so stream rows equal
    /// list rows.
    pub kind: Kind,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
}

/// Tunables of the hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Updates buffered per subscriber before it is cut loose.
    pub buffer: usize,
    /// How long an upstream watch outlives its last subscriber.
    pub linger: Duration,
    /// Recent deltas kept per store for `Last-Event-ID` resume.
    pub ring: usize,
    /// Interval of `: ping` comments and session checks.
    pub ping: Duration,
    /// Open streams plus subscriptions per user; 0 disables the limit.
    pub max_streams_per_user: usize,
    /// Clusters in shared cache mode (comma-separated).
    pub shared_clusters: String,
    /// The user shared watches impersonate.
    pub reader_user: String,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            buffer: 256,
            linger: Duration::from_secs(30),
            ring: 1024,
            ping: Duration::from_secs(15),
            max_streams_per_user: 60,
            shared_clusters: String::new(),
            reader_user: "periscope-watch-reader".into(),
        }
    }
}

/// Where an upstream watch is in its life.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Reading the initial list.
    Listing,
    Live,
    /// The initial list failed (e.g. 403); the entry is gone.
    Failed(ApiError),
}

/// One subscriber's slot in an entry.
struct Slot {
    tx: mpsc::Sender<Update>,
    cut: Arc<Notify>,
}

/// The mutable part of an entry, behind one lock so snapshots, deltas and registration
/// are totally ordered: a new subscriber misses nothing and sees nothing twice.
pub(super) struct EntryState {
    pub(super) store: Store,
    slots: HashMap<u64, Slot>,
    idle_since: Option<Instant>,
    closed: bool,
}

/// One upstream watch and its store.
pub struct Entry {
    pub key: WatchKey,
    state: Mutex<EntryState>,
    pub(super) phase: watch::Sender<Phase>,
    started_at: jiff::Timestamp,
}

impl Entry {
    pub(super) fn lock(&self) -> MutexGuard<'_, EntryState> {
        // A panic while holding the lock cannot leave the store half-updated in a way that
        // matters more than losing the whole stream; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends `update` to every subscriber; a full channel cuts that subscriber loose.
    pub(super) fn broadcast(&self, state: &mut EntryState, update: &Update, metrics: &Metrics) {
        state.slots.retain(|_, slot| match slot.tx.try_send(update.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                slot.cut.notify_one();
                metrics.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        if state.slots.is_empty() && state.idle_since.is_none() {
            state.idle_since = Some(Instant::now());
        }
    }
}

/// How a new subscriber starts.
#[derive(Debug)]
pub enum Start {
    /// Everything now (no `Last-Event-ID`).
    Snapshot(Arc<Snapshot>),
    /// The deltas after the client's `Last-Event-ID`.
    Replay(Vec<Arc<Delta>>),
    /// The client's `Last-Event-ID` is older than the store's history: `relist` + snapshot.
    Relist(Arc<Snapshot>),
}

/// What a subscriber's next wait produced.
pub enum Next {
    Update(Update),
    /// The subscriber fell behind and was cut loose.
    Cut,
    /// The upstream watch is gone without a word (should not happen; treated as an error).
    Closed,
}

/// One subscriber's handle; dropping it unsubscribes.
pub struct Subscription {
    id: u64,
    entry: Arc<Entry>,
    rx: mpsc::Receiver<Update>,
    cut: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Subscription {
    /// Waits for the next update; a cut wins over buffered updates (the client resyncs anyway).
    pub async fn next(&mut self) -> Next {
        tokio::select! {
            biased;
            _ = self.cut.notified() => Next::Cut,
            update = self.rx.recv() => update.map_or(Next::Closed, Next::Update),
        }
    }

    /// The key this subscription is for.
    pub fn key(&self) -> &WatchKey {
        &self.entry.key
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.entry.lock();
        state.slots.remove(&self.id);
        if state.slots.is_empty() && state.idle_since.is_none() {
            state.idle_since = Some(Instant::now());
        }
        self.metrics.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The runtime upstream watches run on, apart from the one serving HTTP: with a thousand
/// subscribers, each delta wakes thousands of stream tasks, and an upstream task queued
/// behind them reads the apiserver late (seconds, measured by `make bench`). Its own
/// scheduler keeps the hub's view of the cluster current whatever the fan-out costs.
pub fn upstream_runtime() -> &'static tokio::runtime::Handle {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4))
                .thread_name("watch-upstream")
                .enable_all()
                .build()
                // Without threads or an I/O driver the server cannot watch anything; crash loudly.
                .expect("watch upstream runtime")
        })
        .handle()
}

/// How long a subscriber waits for the initial list of a new upstream watch.
const LIST_WAIT: Duration = Duration::from_secs(60);

/// The registry of upstream watches. One per server.
pub struct Hub {
    entries: Mutex<HashMap<WatchKey, Arc<Entry>>>,
    pub config: HubConfig,
    pub metrics: Arc<Metrics>,
    /// Open SSE streams, for per-user limits and `/api/debug/streams`.
    pub streams: Arc<OpenStreams>,
    /// Shared cache mode: which clusters, as whom, and cached access answers.
    pub shared: Arc<super::shared::SharedCache>,
    /// Records writes the upstream watches see, for object history (when history is on).
    pub history: Option<Arc<crate::history::Recorder>>,
    shutdown: watch::Sender<bool>,
    next_id: AtomicU64,
}

/// One upstream watch as `/api/debug/streams` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamInfo {
    pub cluster: String,
    /// Who the watch runs as (`user,group,…` or `shared-cache-reader:NAME`).
    pub identity: String,
    pub kind: String,
    pub namespace: String,
    pub label_selector: String,
    pub subscribers: usize,
    pub rows: usize,
    pub resource_version: String,
    pub phase: &'static str,
    pub started_at: String,
}

impl Hub {
    /// A hub with `config`.
    pub fn new(config: HubConfig) -> Self {
        let streams = Arc::new(OpenStreams::new(config.max_streams_per_user));
        let shared = Arc::new(super::shared::SharedCache::new(&config.shared_clusters, &config.reader_user));
        Hub {
            shared,
            entries: Mutex::default(),
            config,
            metrics: Arc::default(),
            streams,
            history: None,
            shutdown: watch::channel(false).0,
            next_id: AtomicU64::new(1),
        }
    }

    /// The same hub, recording what its watches see into `history`.
    pub fn with_history(mut self, history: Option<Arc<crate::history::Recorder>>) -> Self {
        self.history = history;
        self
    }

    /// Whether a live upstream watch covers objects of `kind` (`group/version/plural` as in
    /// [`WatchKey`]) in `namespace` of `cluster` now, so their writes are being recorded.
    pub fn watches(&self, cluster: &str, kind: &str, namespace: &str) -> bool {
        self.entries().values().any(|e| {
            e.key.audience.cluster() == cluster
                && e.key.kind == kind
                && (e.key.namespace.is_empty() || e.key.namespace == namespace)
                && matches!(*e.phase.borrow(), Phase::Live)
        })
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<WatchKey, Arc<Entry>>> {
        // The map stays consistent across a panic elsewhere (inserts and removes are single calls).
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh id for a subscriber or stream.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Subscribes to `key`, starting an upstream watch from `source` if none runs, and waits
    /// for its initial list. `resume` is the client's `Last-Event-ID`. An error of the initial
    /// list (403 above all) is returned before any row is sent.
    pub async fn subscribe(
        self: &Arc<Self>,
        key: WatchKey,
        source: Source,
        resume: Option<&str>,
    ) -> Result<(Subscription, Start), ApiError> {
        // An entry that retires between lookup and registration is looked up again.
        for _ in 0..3 {
            let entry = self.entry_for(&key, &source);
            let mut phase = entry.phase.subscribe();
            let ready = tokio::time::timeout(LIST_WAIT, phase.wait_for(|p| !matches!(p, Phase::Listing))).await;
            match ready {
                Err(_) => return Err(ApiError::Unavailable(format!("the initial list of {} took too long", key.kind))),
                // The sender lives in the entry we hold, so it cannot be dropped while we wait.
                Ok(Err(_)) => return Err(ApiError::Internal("watch phase channel closed".into())),
                Ok(Ok(p)) => {
                    if let Phase::Failed(e) = &*p {
                        return Err(e.clone());
                    }
                }
            }
            let mut state = entry.lock();
            if state.closed {
                continue;
            }
            let id = self.next_id();
            let (tx, rx) = mpsc::channel(self.config.buffer.max(1));
            let cut = Arc::new(Notify::new());
            state.slots.insert(id, Slot { tx, cut: cut.clone() });
            state.idle_since = None;
            let start = match resume.filter(|rv| !rv.is_empty()) {
                None => Start::Snapshot(Arc::new(state.store.snapshot())),
                Some(rv) => match state.store.resume_from(rv) {
                    Resume::Replay(deltas) => Start::Replay(deltas),
                    Resume::TooOld => Start::Relist(Arc::new(state.store.snapshot())),
                },
            };
            drop(state);
            self.metrics.subscribers.fetch_add(1, Ordering::Relaxed);
            let sub = Subscription { id, entry, rx, cut, metrics: self.metrics.clone() };
            return Ok((sub, start));
        }
        Err(ApiError::Unavailable("the watch kept restarting; try again".into()))
    }

    fn entry_for(self: &Arc<Self>, key: &WatchKey, source: &Source) -> Arc<Entry> {
        let mut entries = self.entries();
        if let Some(entry) = entries.get(key) {
            return entry.clone();
        }
        let entry = Arc::new(Entry {
            key: key.clone(),
            state: Mutex::new(EntryState {
                store: Store::new(self.config.ring),
                slots: HashMap::new(),
                // Idle from birth: if the first subscriber never registers, it still retires.
                idle_since: Some(Instant::now()),
                closed: false,
            }),
            phase: watch::channel(Phase::Listing).0,
            started_at: jiff::Timestamp::now(),
        });
        entries.insert(key.clone(), entry.clone());
        self.metrics.upstream_watches.fetch_add(1, Ordering::Relaxed);
        upstream_runtime().spawn(super::upstream::run(self.clone(), entry.clone(), source.clone()));
        entry
    }

    /// Removes `entry` if it has had no subscriber for the linger time; true when removed.
    pub(super) fn try_retire(&self, entry: &Arc<Entry>) -> bool {
        let mut entries = self.entries();
        let mut state = entry.lock();
        let idle_long = state.slots.is_empty() && state.idle_since.is_some_and(|t| t.elapsed() >= self.config.linger);
        if !idle_long {
            return false;
        }
        state.closed = true;
        drop(state);
        self.unlink(&mut entries, entry);
        true
    }

    /// Ends `entry` for good: its subscribers get `fatal` (if any) and it leaves the map.
    pub(super) fn retire_with(&self, entry: &Arc<Entry>, fatal: Option<Update>) {
        let mut entries = self.entries();
        let mut state = entry.lock();
        state.closed = true;
        if let Some(update) = fatal {
            entry.broadcast(&mut state, &update, &self.metrics);
        }
        // Dropping the senders ends every subscriber after what is buffered.
        state.slots.clear();
        drop(state);
        self.unlink(&mut entries, entry);
    }

    fn unlink(&self, entries: &mut HashMap<WatchKey, Arc<Entry>>, entry: &Arc<Entry>) {
        if entries.get(&entry.key).is_some_and(|e| Arc::ptr_eq(e, entry)) {
            entries.remove(&entry.key);
            self.metrics.upstream_watches.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// The rows of a live store for `key` and its resourceVersion, for the list function:
    /// a list served from here agrees row for row with the stream's deltas. `None` when no
    /// upstream watch for exactly this key is live. Rows come in (namespace, name) order.
    /// When the store is still at `known` (the resourceVersion of rows the caller holds),
    /// nothing is read: re-parsing 50k rows per keystroke of a filter is what made it slow.
    pub fn warm_rows(&self, key: &WatchKey, known: Option<&str>) -> Option<LiveRead> {
        let entry = self.entries().get(key).cloned()?;
        if !matches!(*entry.phase.borrow(), Phase::Live) {
            return None;
        }
        let snapshot = {
            let state = entry.lock();
            if known.is_some_and(|rv| !rv.is_empty() && rv == state.store.rv()) {
                return Some(LiveRead::Unchanged);
            }
            state.store.snapshot()
        };
        // Rows were serialised by us from `Value`s; parsing them back cannot fail.
        let rows = snapshot.rows.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
        Some(LiveRead::Rows(rows, Some(snapshot.rv).filter(|rv| !rv.is_empty())))
    }

    /// Every upstream watch, for `/api/debug/streams`.
    pub fn upstreams(&self) -> Vec<UpstreamInfo> {
        let entries: Vec<Arc<Entry>> = self.entries().values().cloned().collect();
        let mut out: Vec<UpstreamInfo> = entries
            .iter()
            .map(|e| {
                let phase = match &*e.phase.borrow() {
                    Phase::Listing => "listing",
                    Phase::Live => "live",
                    Phase::Failed(_) => "failed",
                };
                let state = e.lock();
                UpstreamInfo {
                    cluster: e.key.audience.cluster().to_string(),
                    identity: e.key.audience.principal().to_string(),
                    kind: e.key.kind.clone(),
                    namespace: e.key.namespace.clone(),
                    label_selector: e.key.label_selector.clone(),
                    subscribers: state.slots.len(),
                    rows: state.store.len(),
                    resource_version: state.store.rv().to_string(),
                    phase,
                    started_at: e.started_at.to_string(),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.cluster, &a.kind, &a.identity).cmp(&(&b.cluster, &b.kind, &b.identity)));
        out
    }

    /// Rows and bytes held by all stores (for metrics).
    pub fn store_totals(&self) -> (usize, usize) {
        let entries: Vec<Arc<Entry>> = self.entries().values().cloned().collect();
        entries.iter().fold((0, 0), |(rows, bytes), e| {
            let state = e.lock();
            (rows + state.store.len(), bytes + state.store.bytes())
        })
    }

    /// Tells every open stream the server is shutting down (they send `server_shutdown` and end).
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// A receiver that changes to `true` at shutdown.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn key(audience: Audience) -> WatchKey {
        WatchKey { audience, kind: "core/v1/pods".into(), namespace: "team-a".into(), label_selector: String::new() }
    }

    #[test]
    fn stores_are_never_shared_between_audiences_differing_in_one_group() {
        let mut entries: HashMap<WatchKey, &str> = HashMap::new();
        entries.insert(key(Audience::for_test("alpha", "alice", &["periscope:admins", "periscope:devs"])), "admin");
        assert_eq!(entries.get(&key(Audience::for_test("alpha", "alice", &["periscope:devs"]))), None);
        assert_eq!(entries.get(&key(Audience::shared_reader("alpha", "alice"))), None, "nor the shared reader's");
        let same = key(Audience::for_test("alpha", "alice", &["periscope:devs", "periscope:admins"]));
        assert_eq!(entries.get(&same), Some(&"admin"));
    }
}
