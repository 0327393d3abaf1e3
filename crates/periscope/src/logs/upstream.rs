//! Shared upstream follow streams: viewers with the same audience following the same pod and
//! container share one apiserver log stream (like the watch hub shares watches), so ten people
//! on one incident cost one stream. A viewer joins the live lines first and then reads its own
//! history, and drops the live lines its history already has (`source::Seam`).
//!
//! A stream starts a few seconds back (`sinceTime`), not at `tailLines=0`: the kubelet sends
//! its response head with the first line it writes, so a quiet container's `tailLines=0`
//! stream cannot be told apart from one still opening, and a line written between "now" and
//! the kubelet actually opening the file would be lost. Starting back, every line from before
//! the viewer's history read on reaches it at least once.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, Weak,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::broadcast;

use super::{
    line::{LineReader, LogLine},
    source::Seam,
};
use crate::{audience::Audience, error::ApiError};

/// Lines buffered per upstream for its slowest viewer; beyond it that viewer lags and counts
/// what it missed.
const LIVE_BUFFER: usize = 1024;
/// Reconnects after a follow stream ends while its container may still run.
const RECONNECTS: u32 = 5;
/// How far back a new stream starts (see the module docs).
const LOOK_BACK: Duration = Duration::from_secs(5);

/// What identifies one upstream stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub audience: Audience,
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

/// What flows from an upstream to its viewers.
#[derive(Debug, Clone)]
pub enum Live {
    Line(Arc<LogLine>),
    /// The stream ended for good (pod gone, container no longer running, access lost).
    End(String),
}

/// One running upstream; dropping the last handle stops it.
pub struct Upstream {
    key: StreamKey,
    user: String,
    tx: broadcast::Sender<Live>,
    task: tokio::task::AbortHandle,
    /// Set by the task when the stream ended for good: new viewers start a fresh one.
    ended: Arc<AtomicBool>,
    hub: Weak<LogHub>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(hub) = self.hub.upgrade() {
            hub.retire(self);
        }
    }
}

/// A viewer's share of an upstream: its receiver plus a handle keeping the stream alive.
pub struct Follow {
    pub rx: broadcast::Receiver<Live>,
    _upstream: Arc<Upstream>,
}

/// Counters exported on `/api/metrics`.
#[derive(Debug, Default)]
pub struct LogMetrics {
    pub upstreams: AtomicUsize,
    pub viewers: AtomicUsize,
    pub lines: AtomicU64,
    pub dropped: AtomicU64,
    pub refused_budget: AtomicU64,
}

/// Limits of the log streams.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    /// Pods one workload stream follows at most.
    pub max_pods: usize,
    /// Upstream follow streams one user may hold open at once (0: unlimited).
    pub user_upstreams: usize,
}

/// The registry of upstream follow streams. One per server.
pub struct LogHub {
    streams: Mutex<HashMap<StreamKey, Weak<Upstream>>>,
    per_user: Mutex<HashMap<String, usize>>,
    pub limits: LogLimits,
    pub metrics: LogMetrics,
}

/// The user holds as many upstream streams as allowed (the budget).
#[derive(Debug, Clone, Copy)]
pub struct OverBudget(pub usize);

impl LogHub {
    /// An empty hub with these limits.
    pub fn new(limits: LogLimits) -> Arc<LogHub> {
        Arc::new(LogHub {
            streams: Mutex::default(),
            per_user: Mutex::default(),
            limits,
            metrics: LogMetrics::default(),
        })
    }

    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        // Every update is one map operation, so a poisoned map is still consistent.
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Joins the live lines of `key`, starting an upstream stream (counted against `user`'s
    /// budget) when none runs. A stream that cannot be opened ends with `Live::End`.
    pub fn follow(self: &Arc<Self>, key: StreamKey, user: &str, client: kube::Client) -> Result<Follow, OverBudget> {
        let upstream = self.upstream(key, user, client)?;
        let rx = upstream.tx.subscribe();
        Ok(Follow { rx, _upstream: upstream })
    }

    fn upstream(
        self: &Arc<Self>,
        key: StreamKey,
        user: &str,
        client: kube::Client,
    ) -> Result<Arc<Upstream>, OverBudget> {
        let mut streams = Self::lock(&self.streams);
        if let Some(existing) = streams.get(&key).and_then(Weak::upgrade)
            && !existing.ended.load(Ordering::Acquire)
        {
            return Ok(existing);
        }
        {
            let mut per_user = Self::lock(&self.per_user);
            let held = per_user.entry(user.to_string()).or_default();
            if self.limits.user_upstreams > 0 && *held >= self.limits.user_upstreams {
                self.metrics.refused_budget.fetch_add(1, Ordering::Relaxed);
                return Err(OverBudget(self.limits.user_upstreams));
            }
            *held += 1;
        }
        let (tx, _) = broadcast::channel(LIVE_BUFFER);
        let ended = Arc::new(AtomicBool::new(false));
        let outlet = Outlet { tx: tx.clone(), ended: ended.clone() };
        let task = crate::watch::upstream_runtime().spawn(run(key.clone(), client, outlet, self.clone()));
        let upstream = Arc::new(Upstream {
            key: key.clone(),
            user: user.to_string(),
            tx,
            task: task.abort_handle(),
            ended,
            hub: Arc::downgrade(self),
        });
        streams.insert(key, Arc::downgrade(&upstream));
        self.metrics.upstreams.fetch_add(1, Ordering::Relaxed);
        Ok(upstream)
    }

    fn retire(&self, upstream: &Upstream) {
        let mut streams = Self::lock(&self.streams);
        // Only remove the entry if it is this upstream (a newer one may have replaced it).
        if streams.get(&upstream.key).is_some_and(|w| w.strong_count() == 0) {
            streams.remove(&upstream.key);
        }
        drop(streams);
        let mut per_user = Self::lock(&self.per_user);
        if let Some(n) = per_user.get_mut(&upstream.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per_user.remove(&upstream.user);
            }
        }
        self.metrics.upstreams.fetch_sub(1, Ordering::Relaxed);
    }

    /// Upstream streams open now.
    pub fn open_upstreams(&self) -> usize {
        self.metrics.upstreams.load(Ordering::Relaxed)
    }
}

/// Where the upstream task reports to.
struct Outlet {
    tx: broadcast::Sender<Live>,
    ended: Arc<AtomicBool>,
}

/// The upstream task: open the follow stream, broadcast its lines, reconnect from the last
/// line's time when it ends while the container may still run.
async fn run(key: StreamKey, client: kube::Client, outlet: Outlet, hub: Arc<LogHub>) {
    let Outlet { tx, ended } = outlet;
    let api: Api<Pod> = Api::namespaced(client, &key.namespace);
    let mut since = jiff::Timestamp::now().checked_sub(LOOK_BACK).ok();
    let mut last_nanos = i128::MIN;
    // The lines at the last instant seen: a reconnect from that instant sends them again.
    let mut at_last: Vec<LogLine> = Vec::new();
    let mut seam = Seam::default();
    let mut attempts = 0;
    let end = loop {
        let params = LogParams {
            container: Some(key.container.clone()),
            follow: true,
            timestamps: true,
            since_time: since,
            ..LogParams::default()
        };
        let stream = match api.log_stream(&key.pod, &params).await {
            Ok(stream) => stream,
            Err(e) => break ApiError::from_kube(key.audience.cluster(), e).to_string(),
        };
        let mut reader = LineReader::new(stream);
        let mut got_any = false;
        loop {
            match reader.next_line().await {
                Ok(Some((raw, truncated))) => {
                    let line = LogLine::parse(&raw, truncated, last_nanos.max(0));
                    // After a reconnect from `since`, lines up to the last one seen come again.
                    if !seam.is_new(&line) {
                        continue;
                    }
                    if line.nanos != last_nanos {
                        at_last.clear();
                    }
                    last_nanos = last_nanos.max(line.nanos);
                    at_last.push(line.clone());
                    got_any = true;
                    hub.metrics.lines.fetch_add(1, Ordering::Relaxed);
                    // No receiver is not an error: the last viewer may be between two reads.
                    let _ = tx.send(Live::Line(Arc::new(line)));
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(pod = %key.pod, error = %e, "log stream read failed");
                    break;
                }
            }
        }
        attempts = if got_any { 1 } else { attempts + 1 };
        if attempts > RECONNECTS {
            break "the log stream ended".to_string();
        }
        // Without a line yet, the first window still holds.
        if last_nanos > i128::MIN {
            since = jiff::Timestamp::from_nanosecond(last_nanos).ok().or(since);
            seam = Seam::after(&at_last);
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(attempts))).await;
    };
    ended.store(true, Ordering::Release);
    let _ = tx.send(Live::End(end));
}
