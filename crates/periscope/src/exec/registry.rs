//! Open exec sessions: the caps (per user, per cluster) checked before an upgrade, the list
//! `GET /api/exec/sessions` answers, and the switch `DELETE …/{id}` ends one with.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use serde::Serialize;
use tokio::sync::watch;

use super::protocol::CloseReason;

/// Counters a session's pump updates and the list reads.
#[derive(Debug, Default)]
pub struct Stats {
    /// Unix milliseconds of the last stdin or stdout byte.
    pub last_io_ms: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
}

impl Stats {
    /// Records activity now.
    pub fn touch(&self) {
        self.last_io_ms.store(now_ms(), Ordering::Relaxed);
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// What identifies a session in the list.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionMeta {
    pub id: String,
    pub user: String,
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub tty: bool,
    /// RFC 3339.
    pub started_at: String,
}

/// A session as `GET /api/exec/sessions` shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    #[serde(flatten)]
    pub meta: SessionMeta,
    pub idle_seconds: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

struct Entry {
    meta: SessionMeta,
    stats: Arc<Stats>,
    stop: watch::Sender<Option<CloseReason>>,
}

/// Why a session may not open.
#[derive(Debug, Clone)]
pub enum CapRefusal {
    /// The user has `limit` sessions open; these.
    User { limit: usize, active: Vec<SessionSummary> },
    /// The cluster has `limit` sessions open.
    Cluster { limit: usize },
}

/// The registry of open sessions. One per server.
#[derive(Default)]
pub struct ExecRegistry {
    sessions: Mutex<HashMap<String, Entry>>,
    /// Sessions that have not written their `exec_close` row yet (shutdown waits for them).
    closing: Arc<AtomicU64>,
}

/// Held by a session until its last audit row is written.
pub struct Closing(Arc<AtomicU64>);

impl Drop for Closing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A session's place in the registry; leaving it (drop) removes the session.
pub struct Slot {
    registry: Arc<ExecRegistry>,
    id: String,
    /// The pump's counters.
    pub stats: Arc<Stats>,
    /// Set when the session is to end from outside (session list, shutdown).
    pub stop: watch::Receiver<Option<CloseReason>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

impl ExecRegistry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every update is one map operation, so a poisoned map is still consistent.
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for `meta` unless its user has `per_user` sessions or its cluster
    /// `per_cluster` (0: no limit).
    pub fn reserve(
        self: &Arc<Self>,
        meta: SessionMeta,
        per_user: usize,
        per_cluster: usize,
    ) -> Result<Slot, CapRefusal> {
        let mut sessions = self.lock();
        let mine: Vec<&Entry> = sessions.values().filter(|e| e.meta.user == meta.user).collect();
        if per_user > 0 && mine.len() >= per_user {
            let mut active: Vec<SessionSummary> = mine.iter().map(|e| summary(e)).collect();
            active.sort_by(|a, b| a.meta.started_at.cmp(&b.meta.started_at));
            return Err(CapRefusal::User { limit: per_user, active });
        }
        if per_cluster > 0 && sessions.values().filter(|e| e.meta.cluster == meta.cluster).count() >= per_cluster {
            return Err(CapRefusal::Cluster { limit: per_cluster });
        }
        let stats = Arc::new(Stats::default());
        stats.touch();
        let (stop, stopped) = watch::channel(None);
        let id = meta.id.clone();
        sessions.insert(id.clone(), Entry { meta, stats: stats.clone(), stop });
        Ok(Slot { registry: self.clone(), id, stats, stop: stopped })
    }

    /// Open sessions, oldest first; only `user`'s when given.
    pub fn list(&self, user: Option<&str>) -> Vec<SessionSummary> {
        let sessions = self.lock();
        let mut out: Vec<SessionSummary> =
            sessions.values().filter(|e| user.is_none_or(|u| e.meta.user == u)).map(summary).collect();
        out.sort_by(|a, b| a.meta.started_at.cmp(&b.meta.started_at).then(a.meta.id.cmp(&b.meta.id)));
        out
    }

    /// The session `id`, if open.
    pub fn get(&self, id: &str) -> Option<SessionMeta> {
        self.lock().get(id).map(|e| e.meta.clone())
    }

    /// Ends session `id` with `reason`; false when it is not open.
    pub fn stop(&self, id: &str, reason: CloseReason) -> bool {
        match self.lock().get(id) {
            Some(entry) => {
                let _ = entry.stop.send(Some(reason));
                true
            }
            None => false,
        }
    }

    /// Ends every session (server shutdown).
    pub fn stop_all(&self, reason: CloseReason) {
        for entry in self.lock().values() {
            let _ = entry.stop.send(Some(reason));
        }
    }

    /// A session's hold on shutdown, until it has written its close row.
    pub fn closing(&self) -> Closing {
        self.closing.fetch_add(1, Ordering::AcqRel);
        Closing(self.closing.clone())
    }

    /// Waits (at most `limit`) until every session has written its close row.
    pub async fn drained(&self, limit: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.closing.load(Ordering::Acquire) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        true
    }

    /// Sessions open now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is open.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

fn summary(entry: &Entry) -> SessionSummary {
    let last = entry.stats.last_io_ms.load(Ordering::Relaxed);
    SessionSummary {
        meta: entry.meta.clone(),
        idle_seconds: now_ms().saturating_sub(last) / 1000,
        bytes_in: entry.stats.bytes_in.load(Ordering::Relaxed),
        bytes_out: entry.stats.bytes_out.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str, user: &str, cluster: &str) -> SessionMeta {
        SessionMeta {
            id: id.into(),
            user: user.into(),
            cluster: cluster.into(),
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            tty: true,
            started_at: format!("2026-01-01T00:00:0{id}Z"),
        }
    }

    #[test]
    fn caps_per_user_and_per_cluster_and_slots_leave_on_drop() {
        let registry = Arc::new(ExecRegistry::default());
        let a = registry.reserve(meta("1", "ann", "x"), 2, 3).unwrap();
        let _b = registry.reserve(meta("2", "ann", "y"), 2, 3).unwrap();
        match registry.reserve(meta("3", "ann", "x"), 2, 3) {
            Err(CapRefusal::User { limit: 2, active }) => assert_eq!(active.len(), 2),
            other => panic!("{:?}", other.err()),
        }
        let _c = registry.reserve(meta("4", "bob", "x"), 2, 2).unwrap();
        assert!(matches!(registry.reserve(meta("5", "cid", "x"), 2, 2), Err(CapRefusal::Cluster { limit: 2 })));
        assert_eq!(registry.list(Some("ann")).len(), 2);
        drop(a);
        assert_eq!(registry.list(None).len(), 2);
        assert!(registry.reserve(meta("6", "ann", "z"), 2, 3).is_ok());
        assert!(registry.stop("2", CloseReason::Terminated));
        assert!(!registry.stop("nope", CloseReason::Terminated));
    }
}
