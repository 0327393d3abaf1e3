//! The recorder the watch engine feeds: it remembers the last version of every watched object
//! of a kind that keeps history (bounded in bytes), turns each later write into an
//! [`ObjectChange`] and hands it to a writer task that batches them into the audit store.
//! Several watches of one object (one per audience) record each write once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use kube::api::DynamicObject;
use serde_json::Value;
use tokio::sync::mpsc;

use super::observe::{self, Writer};
use crate::{
    audit::{
        changes::{ObjectChange, ObjectKey},
        store::AuditStore,
    },
    resources::catalog::Kind,
};

/// What a watch reported about an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    Added,
    Modified,
    Deleted,
}

/// Changes waiting for the writer at most; beyond it they are dropped (and counted): the
/// watch engine never waits on the history.
const QUEUE: usize = 16_384;
/// Changes written in one transaction at most.
const BATCH: usize = 512;

/// History settings.
#[derive(Debug, Clone)]
pub struct HistoryConfig {
    /// Changes older than this are deleted.
    pub retention: Duration,
    /// The table keeps at most this many changes (the oldest go first).
    pub max_rows: u64,
    /// Bytes of remembered objects (what the next write is compared with).
    pub memory_bytes: u64,
    /// How often retention and the row cap are applied.
    pub prune_interval: Duration,
}

/// The last version of one object, as the next write is compared with.
struct Seen {
    resource_version: String,
    /// The remembered object as JSON text: a fraction of a parsed value's memory.
    object: Box<str>,
    writers: Vec<Writer>,
}

/// Counters for `/api/metrics`.
#[derive(Debug, Default)]
pub struct HistoryMetrics {
    pub recorded: AtomicU64,
    pub dropped: AtomicU64,
    pub failed_writes: AtomicU64,
}

/// Turns watch events into recorded changes.
pub struct Recorder {
    seen: moka::sync::Cache<(Arc<str>, String), Arc<Seen>>,
    tx: mpsc::Sender<ObjectChange>,
    pub metrics: Arc<HistoryMetrics>,
}

fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// Whether `a` is an older resourceVersion than `b` (when both are etcd revisions, as they are
/// on every apiserver backed by etcd; otherwise they are only compared for equality).
fn older(a: &str, b: &str) -> bool {
    matches!((a.parse::<u64>(), b.parse::<u64>()), (Ok(a), Ok(b)) if a < b)
}

impl Recorder {
    /// A recorder writing into `store`, with its writer and pruner tasks.
    pub fn start(store: Arc<dyn AuditStore>, config: HistoryConfig) -> Arc<Recorder> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let metrics = Arc::new(HistoryMetrics::default());
        tokio::spawn(write_loop(rx, store.clone(), metrics.clone()));
        tokio::spawn(prune_loop(store, config.clone()));
        let seen = moka::sync::Cache::builder()
            .max_capacity(config.memory_bytes)
            .weigher(|k: &(Arc<str>, String), v: &Arc<Seen>| {
                let writers: usize = v.writers.iter().map(|w| w.manager.len() + w.time.len() + 48).sum();
                (k.1.len() + v.object.len() + v.resource_version.len() + writers + 64).try_into().unwrap_or(u32::MAX)
            })
            .build();
        Arc::new(Recorder { seen, tx, metrics })
    }

    /// The recorder's families in Prometheus text format.
    pub fn render_metrics(&self, text: &mut String) {
        let scalars = [
            (
                "periscope_history_changes_recorded_total",
                "counter",
                "Object changes written to the history (each write once, however many watches saw it).",
                self.metrics.recorded.load(Ordering::Relaxed),
            ),
            (
                "periscope_history_changes_dropped_total",
                "counter",
                "Object changes dropped because the history writer's queue was full.",
                self.metrics.dropped.load(Ordering::Relaxed),
            ),
            (
                "periscope_history_write_failures_total",
                "counter",
                "Object changes the store refused.",
                self.metrics.failed_writes.load(Ordering::Relaxed),
            ),
            (
                "periscope_history_memory_bytes",
                "gauge",
                "Bytes of the last version of watched objects kept to compare the next write with.",
                self.memory_bytes(),
            ),
        ];
        for (name, kind, help, value) in scalars {
            crate::telemetry::write_scalar(text, name, kind, help, value);
        }
    }

    /// Bytes of remembered objects now.
    pub fn memory_bytes(&self) -> u64 {
        self.seen.run_pending_tasks();
        self.seen.weighted_size()
    }

    /// Remembers `object` as the version its next write is compared with; the remembered form.
    fn remember(&self, cluster: &Arc<str>, kind: &Kind, object: &DynamicObject) -> Option<Value> {
        let uid = object.metadata.uid.clone()?;
        let value = observe::remembered(object, kind.is_secret());
        let seen = Seen {
            resource_version: object.metadata.resource_version.clone().unwrap_or_default(),
            object: value.to_string().into_boxed_str(),
            writers: observe::writers(object, false),
        };
        self.seen.insert((cluster.clone(), uid), Arc::new(seen));
        Some(value)
    }

    /// An object read by a list: remembered, not recorded (nothing changed).
    pub fn listed(&self, cluster: &Arc<str>, kind: &Kind, object: &DynamicObject) {
        if kind.records_history() {
            self.remember(cluster, kind, object);
        }
    }

    /// An object a watch reported as added, modified or deleted.
    pub fn observed(&self, cluster: &Arc<str>, kind: &Kind, sighting: Sighting, object: &DynamicObject) {
        if !kind.records_history() {
            return;
        }
        let Some(uid) = object.metadata.uid.clone() else { return };
        let rv = object.metadata.resource_version.clone().unwrap_or_default();
        let key = (cluster.clone(), uid.clone());
        let before = self.seen.get(&key);
        if let Some(seen) = &before
            && (seen.resource_version == rv || older(&rv, &seen.resource_version))
        {
            // Another watch of this object (another audience) already recorded this write.
            return;
        }
        let after_writers = observe::writers(object, true);
        let (action, writer, paths, truncated) = match sighting {
            Sighting::Added => ("created", observe::creator(&after_writers).cloned(), Vec::new(), 0),
            Sighting::Deleted => {
                self.seen.invalidate(&key);
                ("deleted", None, Vec::new(), 0)
            }
            Sighting::Modified => {
                let previous = before.as_ref().map(|s| serde_json::from_str::<Value>(&s.object).unwrap_or(Value::Null));
                let Some(now) = self.remember(cluster, kind, object) else { return };
                let (paths, more) = match &previous {
                    Some(previous) => observe::changed_paths(previous, &now),
                    None => (Vec::new(), 0),
                };
                if previous.is_some() && paths.is_empty() {
                    // Only bookkeeping moved (a resync, managedFields times): nothing to tell.
                    return;
                }
                let writer =
                    observe::writer_of(before.as_ref().map(|s| s.writers.as_slice()), &after_writers, &paths).cloned();
                ("updated", writer, paths, more)
            }
        };
        if sighting == Sighting::Added {
            self.remember(cluster, kind, object);
        }
        let change = ObjectChange {
            ts_unix_nano: now_nanos(),
            object: ObjectKey {
                cluster: cluster.to_string(),
                group: kind.api.group.clone(),
                resource: kind.api.plural.clone(),
                namespace: object.metadata.namespace.clone().unwrap_or_default(),
                name: object.metadata.name.clone().unwrap_or_default(),
            },
            uid,
            resource_version: rv,
            action: action.into(),
            manager: writer.as_ref().map(|w| w.manager.clone()).filter(|m| !m.is_empty()),
            operation: writer.as_ref().map(|w| w.operation.clone()).filter(|o| !o.is_empty()),
            subresource: writer.and_then(|w| w.subresource),
            paths,
            truncated,
        };
        if self.tx.try_send(change).is_err() {
            self.metrics.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn write_loop(mut rx: mpsc::Receiver<ObjectChange>, store: Arc<dyn AuditStore>, metrics: Arc<HistoryMetrics>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        match store.record_changes(&batch).await {
            Ok(n) => {
                metrics.recorded.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                metrics.failed_writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
                tracing::error!(store = store.name(), error = %e, changes = batch.len(), "object history write failed");
            }
        }
        batch.clear();
    }
}

async fn prune_loop(store: Arc<dyn AuditStore>, config: HistoryConfig) {
    let mut tick = tokio::time::interval(config.prune_interval.max(Duration::from_millis(100)));
    loop {
        tick.tick().await;
        let before = now_nanos() - config.retention.as_nanos() as i64;
        match store.prune_changes(Some(before), Some(config.max_rows)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(store = store.name(), deleted = n, "object history pruned"),
            Err(e) => tracing::error!(store = store.name(), error = %e, "object history pruning failed"),
        }
    }
}
