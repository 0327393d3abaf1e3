//! CPU and memory usage from metrics-server (`metrics.k8s.io`), read as the caller and held a
//! few seconds per (audience, kind, namespace, name): the usage route, the usage columns of the
//! pods and nodes lists and sorting by them. Usage is optional: when metrics.k8s.io is not
//! served, metrics-server is down or the caller may not read it, answers say
//! `available: false` and why, never fail (docs/api.md, Usage).

pub mod quantity;
mod read;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use moka::sync::Cache;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use ts_rs::TS;

pub use read::Unavailable;

use crate::{audience::Audience, telemetry::CounterVec};

/// How long a read answers as it is: metrics-server scrapes every 10–60 s, so a newer read
/// rarely shows anything new, and a stopped one costs one failed request per key per period.
const FRESH_FOR: Duration = Duration::from_secs(10);
/// How long an older read still answers at once (while one re-read replaces it), counted from
/// the last ask: a list page never waits for metrics-server once its usage has been read.
const KEEP_FOR: Duration = Duration::from_secs(300);

/// Reads by kind and outcome (`ok`, `not_served`, `down`, `forbidden`, `failed`).
static READS: CounterVec<2> =
    CounterVec::new("periscope_usage_reads_total", "metrics.k8s.io reads by kind and outcome.", ["kind", "outcome"]);

/// The kinds metrics.k8s.io samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsageKind {
    Pods,
    Nodes,
}

impl UsageKind {
    /// The kind named in a URL segment.
    pub fn parse(segment: &str) -> Option<UsageKind> {
        match segment {
            "pods" => Some(UsageKind::Pods),
            "nodes" => Some(UsageKind::Nodes),
            _ => None,
        }
    }

    /// The resource name in metrics.k8s.io (and in the core API).
    pub fn plural(self) -> &'static str {
        match self {
            UsageKind::Pods => "pods",
            UsageKind::Nodes => "nodes",
        }
    }
}

/// The list cells (and sort keys) usage adds to pods and nodes rows: CPU millicores, memory bytes.
pub const SORT_KEYS: &[&str] = &["cpu", "memory"];

/// One container's usage: CPU in millicores, memory in bytes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu: u64,
    pub memory: u64,
}

/// One pod's or node's usage: CPU in millicores, memory in bytes (a pod's, the sum of its
/// containers', which are listed).
#[derive(Debug, Clone, Serialize, TS)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub namespace: Option<String>,
    pub name: String,
    pub cpu: u64,
    pub memory: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub containers: Option<Vec<ContainerUsage>>,
}

/// The usage answer (`GET /api/clusters/{c}/usage/{kind}`).
#[derive(Debug, Serialize, TS)]
pub struct UsageList {
    /// False when there is no usage to show; `reason` says why.
    pub available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// metrics-server's sampling window (`10s`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub window: Option<String>,
    /// The newest sample's time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timestamp: Option<String>,
    pub items: Vec<Usage>,
}

/// A usage sort: `cpu` or `memory`, descending with `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSort {
    pub key: &'static str,
    pub descending: bool,
}

impl UsageSort {
    /// `cpu`, `-cpu`, `memory` or `-memory`; `None` for any other sort.
    pub fn parse(raw: &str) -> Option<UsageSort> {
        let (key, descending) = raw.strip_prefix('-').map_or((raw, false), |k| (k, true));
        SORT_KEYS.iter().find(|k| **k == key).map(|key| UsageSort { key, descending })
    }
}

/// One read of usage: its samples indexed by (namespace, name), or why there are none.
pub struct Sampled {
    /// Distinct for every read: sorted list views computed from it are keyed by it.
    pub generation: u64,
    outcome: Result<read::Read, Unavailable>,
    /// Sample positions by namespace (`""` for nodes), then name.
    index: HashMap<String, HashMap<String, usize>>,
}

impl Sampled {
    fn new(generation: u64, outcome: Result<read::Read, Unavailable>) -> Sampled {
        let mut index: HashMap<String, HashMap<String, usize>> = HashMap::new();
        if let Ok(read) = &outcome {
            for (i, u) in read.items.iter().enumerate() {
                index.entry(u.namespace.clone().unwrap_or_default()).or_default().insert(u.name.clone(), i);
            }
        }
        Sampled { generation, outcome, index }
    }

    /// A read that found `items` (tests of the code that uses usage).
    #[cfg(test)]
    pub(crate) fn of_items(generation: u64, items: Vec<Usage>) -> Sampled {
        Sampled::new(generation, Ok(read::Read { items, window: None, timestamp: None }))
    }

    /// Whether there is usage to show (possibly none for a given object).
    pub fn available(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The usage of the object `namespace`/`name` (`""` for nodes).
    pub fn of(&self, namespace: &str, name: &str) -> Option<&Usage> {
        let read = self.outcome.as_ref().ok()?;
        self.index.get(namespace)?.get(name).map(|i| &read.items[*i])
    }

    /// The value of usage column `key` for a list row (its `namespace` and `name` cells).
    pub fn cell(&self, row: &Value, key: &str) -> Value {
        let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or("");
        match (self.of(text("namespace"), text("name")), key) {
            (Some(u), "cpu") => json!(u.cpu),
            (Some(u), "memory") => json!(u.memory),
            _ => Value::Null,
        }
    }

    /// The answer: every sample (sorted when asked, at most `limit`), or why there are none.
    pub fn answer(&self, sort: Option<UsageSort>, limit: Option<usize>) -> UsageList {
        match &self.outcome {
            Err(why) => UsageList {
                available: false,
                reason: Some(why.reason()),
                window: None,
                timestamp: None,
                items: Vec::new(),
            },
            Ok(read) => {
                let mut items = read.items.clone();
                if let Some(sort) = sort {
                    let value = |u: &Usage| if sort.key == "cpu" { u.cpu } else { u.memory };
                    items.sort_by(|a, b| {
                        let order = value(a).cmp(&value(b));
                        if sort.descending { order.reverse() } else { order }
                    });
                }
                items.truncate(limit.unwrap_or(usize::MAX));
                UsageList {
                    available: true,
                    reason: None,
                    window: read.window.clone(),
                    timestamp: read.timestamp.clone(),
                    items,
                }
            }
        }
    }
}

/// What is read: whose view, which kind, where, and one object or all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct UsageKey {
    audience: Audience,
    kind: UsageKind,
    /// Empty for all namespaces (and for nodes).
    namespace: String,
    name: Option<String>,
}

/// One key's reads: the last finished one and the one running.
#[derive(Default)]
struct Slot {
    held: Mutex<Option<(Arc<Sampled>, Instant)>>,
    /// The read in progress; its waiters watch for its result.
    flight: Mutex<Option<watch::Receiver<Option<Arc<Sampled>>>>>,
}

/// Usage reads per key: fresh for `FRESH_FOR`, then (up to `KEEP_FOR`) still answered at once
/// while exactly one re-read replaces them; concurrent askers of a key share one read.
pub struct UsageCache {
    slots: Cache<UsageKey, Arc<Slot>>,
    generation: Arc<AtomicU64>,
}

impl Default for UsageCache {
    fn default() -> Self {
        UsageCache {
            slots: Cache::builder().max_capacity(10_000).time_to_idle(KEEP_FOR).build(),
            generation: Arc::new(AtomicU64::new(1)),
        }
    }
}

/// A poisoned lock only means a panic elsewhere; the slot's values are always whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl UsageCache {
    /// The usage of `kind` in `namespace` (all when `None`; ignored for nodes), or of one
    /// object when `name`, as `audience` sees it through `client`.
    pub async fn read(
        &self,
        audience: &Audience,
        client: &kube::Client,
        kind: UsageKind,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Arc<Sampled> {
        let namespace = if kind == UsageKind::Nodes { None } else { namespace };
        let key = UsageKey {
            audience: audience.clone(),
            kind,
            namespace: namespace.unwrap_or("").to_string(),
            name: name.map(str::to_string),
        };
        let slot = self.slots.get_with(key.clone(), || Arc::new(Slot::default()));
        let held = lock(&slot.held).clone();
        match held {
            Some((sampled, at)) if at.elapsed() < FRESH_FOR => sampled,
            Some((sampled, _)) => {
                // Stale: answered as it is while one re-read runs; nobody waits for it.
                self.flight(&slot, key, client);
                sampled
            }
            None => {
                let mut done = self.flight(&slot, key, client);
                // The read task always sends before it ends; a closed channel means it panicked.
                match done.wait_for(Option::is_some).await {
                    Ok(sampled) => sampled.clone().unwrap_or_else(|| failed("the read stopped")),
                    Err(_) => failed("the read stopped"),
                }
            }
        }
    }

    /// The read running for `slot`, or a new one (spawned, so it lands even if every asker left).
    fn flight(&self, slot: &Arc<Slot>, key: UsageKey, client: &kube::Client) -> watch::Receiver<Option<Arc<Sampled>>> {
        let mut flight = lock(&slot.flight);
        if let Some(running) = flight.as_ref() {
            return running.clone();
        }
        let (tx, rx) = watch::channel(None);
        *flight = Some(rx.clone());
        drop(flight);
        let (slot, client, generation) = (slot.clone(), client.clone(), self.generation.clone());
        tokio::spawn(async move {
            let path =
                read::path(key.kind, Some(key.namespace.as_str()).filter(|n| !n.is_empty()), key.name.as_deref());
            let outcome = read::read(&client, &path, key.name.is_some()).await;
            count(&key, &outcome);
            let sampled = Arc::new(Sampled::new(generation.fetch_add(1, Ordering::Relaxed), outcome));
            *lock(&slot.held) = Some((sampled.clone(), Instant::now()));
            *lock(&slot.flight) = None;
            tx.send_replace(Some(sampled));
        });
        rx
    }
}

/// An unavailable read for a read that did not finish.
fn failed(why: &str) -> Arc<Sampled> {
    Arc::new(Sampled::new(0, Err(Unavailable::Failed(why.into()))))
}

/// Counts a read by outcome; logs failures that are not simply "no metrics here".
fn count(key: &UsageKey, outcome: &Result<read::Read, Unavailable>) {
    let label = match outcome {
        Ok(_) => "ok",
        Err(Unavailable::NotServed) => "not_served",
        Err(Unavailable::Down(_)) => "down",
        Err(Unavailable::Forbidden) => "forbidden",
        Err(Unavailable::Failed(why)) => {
            tracing::warn!(cluster = %key.audience.cluster(), kind = key.kind.plural(), error = %why, "usage read failed");
            "failed"
        }
    };
    READS.inc([key.kind.plural(), label]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampled() -> Sampled {
        let usage = |ns: &str, name: &str, cpu, memory| Usage {
            namespace: Some(ns.into()),
            name: name.into(),
            cpu,
            memory,
            containers: None,
        };
        Sampled::new(
            7,
            Ok(read::Read {
                items: vec![usage("a", "p1", 50, 10), usage("a", "p2", 300, 5), usage("b", "p1", 120, 20)],
                window: Some("10s".into()),
                timestamp: None,
            }),
        )
    }

    #[test]
    fn cells_by_namespace_and_name() {
        let usage = sampled();
        assert_eq!(usage.cell(&json!({"namespace": "b", "name": "p1"}), "cpu"), 120);
        assert_eq!(usage.cell(&json!({"namespace": "b", "name": "p1"}), "memory"), 20);
        assert_eq!(usage.cell(&json!({"namespace": "a", "name": "gone"}), "cpu"), Value::Null, "no sample");
        assert_eq!(usage.cell(&json!({"namespace": "a", "name": "p1"}), "ready"), Value::Null, "not a usage key");
    }

    #[test]
    fn unavailable_says_why() {
        let gone = Sampled::new(1, Err(Unavailable::NotServed));
        assert!(!gone.available());
        assert_eq!(gone.cell(&json!({"name": "n1"}), "cpu"), Value::Null);
        let answer = gone.answer(None, None);
        assert!(!answer.available);
        assert!(answer.reason.is_some_and(|r| r.contains("metrics-server")));
    }

    #[test]
    fn answers_sort_and_limit() {
        let top = sampled().answer(UsageSort::parse("-cpu"), Some(2));
        assert_eq!(top.items.iter().map(|u| u.cpu).collect::<Vec<_>>(), [300, 120]);
        let low = sampled().answer(UsageSort::parse("memory"), None);
        assert_eq!(low.items.iter().map(|u| u.memory).collect::<Vec<_>>(), [5, 10, 20]);
        assert_eq!(UsageSort::parse("name"), None);
    }
}
