//! The audit trail: every privileged action writes an **intent** row before its side effect
//! and an **outcome** row after it, linked by request id. Rows go through a bounded queue to a
//! batching writer that appends them to the durable stores (SQLite and/or PostgreSQL) in one
//! transaction per batch, chains them with hashes, and mirrors them to stdout. Callers wait
//! for their row to be committed, so an action the client saw finish has its rows on disk.

pub mod chain;
pub mod changes;
pub mod diff;
pub mod event;
pub mod journal;
pub mod postgres;
pub mod sqlite;
pub mod store;

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::identity::Identity;
pub use event::{Actor, Outcome, Phase, ResourceRef, Verb};
use event::{EventBody, GENESIS};
use store::{AuditStore, StoreError};

/// Where audit rows go (`--audit-sinks` / `PERISCOPE_AUDIT_SINKS`, a comma list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditSink {
    /// Every committed row as a JSON line on stdout.
    Stdout,
    /// The embedded SQLite store (the default durable trail).
    Sqlite,
    /// PostgreSQL, shared by replicas.
    Postgres,
    /// Nothing (alone: no audit trail at all).
    None,
}

/// Audit settings (from `PERISCOPE_AUDIT_*`).
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// Mirror every committed row to stdout as a JSON line.
    pub stdout: bool,
    pub sqlite_path: Option<PathBuf>,
    pub postgres_dsn: Option<String>,
    /// Delete rows older than this.
    pub retention: Option<Duration>,
    /// Keep the store below this many bytes by deleting the oldest rows.
    pub max_bytes: Option<u64>,
    pub prune_interval: Duration,
    /// When the queue is full or the store fails, let mutating actions run anyway (logged loudly).
    pub fail_open: bool,
    pub queue_size: usize,
}

/// Rows a batch holds at most.
const MAX_BATCH: usize = 1024;
/// How long a fail-closed action waits for room in a full queue.
const ENQUEUE_TIMEOUT: Duration = Duration::from_secs(5);

struct Pending {
    body: EventBody,
    ack: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle every privileged handler uses.
pub struct Audit {
    tx: mpsc::Sender<Pending>,
    query_store: Option<Arc<dyn AuditStore>>,
    fail_open: bool,
    dropped: AtomicU64,
    /// Counts batches committed to every store: live tails read new rows when it moves.
    commits: tokio::sync::watch::Receiver<u64>,
}

/// The trail cannot take a row of a fail-closed action: the action must not run (or, after
/// the fact, its outcome is not recorded). The HTTP layer answers it as 503 `E_AUDIT_UNAVAILABLE`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("audit trail unavailable: {0}")]
pub struct AuditUnavailable(pub String);

/// Who and which request: what every row of a request shares.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub request_id: String,
    pub route: Option<String>,
    pub actor: Actor,
}

impl AuditContext {
    /// The context of request `request_id` on route template `route`, by `identity` (anonymous
    /// when nobody is signed in).
    pub fn new(request_id: String, route: Option<String>, identity: Option<&Identity>) -> Self {
        let actor =
            identity.map(actor_of).unwrap_or_else(|| Actor { sub: "anonymous".into(), email: None, groups: vec![] });
        AuditContext { request_id, route, actor }
    }

    /// Whether nobody is signed in.
    pub fn is_anonymous(&self) -> bool {
        self.actor.sub == "anonymous"
    }

    /// Replaces the actor (sign-in learns who the user is half-way through).
    pub fn set_identity(&mut self, identity: &Identity) {
        self.actor = actor_of(identity);
    }
}

fn actor_of(identity: &Identity) -> Actor {
    Actor {
        sub: identity.subject.clone(),
        email: Some(identity.email.clone()).filter(|e| !e.is_empty()),
        groups: identity.groups.clone(),
    }
}

/// An action whose intent row is written; [`Audit::finish`] writes its outcome.
#[derive(Debug)]
pub struct Action {
    pub ctx: AuditContext,
    verb: Verb,
    cluster: Option<String>,
    resource: ResourceRef,
}

impl Action {
    /// Something that happened without an intent row before it (a session that ended):
    /// `Audit::finish` writes its one row.
    pub fn happened(ctx: AuditContext, verb: Verb, cluster: Option<&str>, resource: ResourceRef) -> Action {
        Action { ctx, verb, cluster: cluster.map(str::to_string), resource }
    }
}

fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

impl Audit {
    /// Opens the configured stores and starts the writer and the pruner.
    pub async fn start(config: AuditConfig) -> Result<Arc<Audit>, StoreError> {
        let mut stores: Vec<Arc<dyn AuditStore>> = Vec::new();
        if let Some(path) = &config.sqlite_path {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&path))
                .await
                .map_err(|e| StoreError(e.to_string()))??;
            stores.push(Arc::new(store));
        }
        if let Some(dsn) = &config.postgres_dsn {
            stores.push(Arc::new(postgres::PgAuditStore::connect(dsn).await?));
        }
        // Queries read the shared trail when there is one.
        let query_store = stores.last().cloned();
        let (tx, rx) = mpsc::channel(config.queue_size.max(1));
        let (committed, commits) = tokio::sync::watch::channel(0u64);
        // The writer has its own OS thread: it must not queue behind request tasks for a worker.
        let (handle, writer_stores, stdout) = (tokio::runtime::Handle::current(), stores.clone(), config.stdout);
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || write_loop(rx, writer_stores, stdout, handle, committed))
            .map_err(|e| StoreError(format!("cannot start the audit writer: {e}")))?;
        if config.retention.is_some() || config.max_bytes.is_some() {
            tokio::spawn(prune_loop(stores, config.retention, config.max_bytes, config.prune_interval));
        }
        Ok(Arc::new(Audit { tx, query_store, fail_open: config.fail_open, dropped: AtomicU64::new(0), commits }))
    }

    /// The store `GET /api/audit` reads, if any durable store is configured.
    pub fn query_store(&self) -> Option<&Arc<dyn AuditStore>> {
        self.query_store.as_ref()
    }

    /// Moves each time a batch of rows is committed (for live tails).
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.clone()
    }

    /// Rows dropped because the queue was full (fail-open verbs).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Why the trail cannot take rows now, if it cannot: the writer stopped or its queue is full.
    pub fn unavailable(&self) -> Option<&'static str> {
        if self.tx.is_closed() {
            Some("the audit writer stopped")
        } else if self.tx.capacity() == 0 {
            Some("the audit queue is full")
        } else {
            None
        }
    }

    /// Rows waiting for the writer, and how many the queue holds.
    pub fn queue_depth(&self) -> (usize, usize) {
        (self.tx.max_capacity() - self.tx.capacity(), self.tx.max_capacity())
    }

    /// Writes one row and waits until it is committed. Fail-closed verbs get an error when the
    /// row cannot be written; fail-open verbs log loudly and carry on.
    async fn record(&self, body: EventBody, verb: Verb) -> Result<(), AuditUnavailable> {
        let closed = verb.mutating() && !self.fail_open;
        let (ack, done) = oneshot::channel();
        let pending = Pending { body, ack };
        let enqueued = if closed {
            self.tx.send_timeout(pending, ENQUEUE_TIMEOUT).await.map_err(|e| e.to_string())
        } else {
            self.tx.try_send(pending).map_err(|e| e.to_string())
        };
        let result = match enqueued {
            Err(e) => Err(format!("audit queue unavailable: {e}")),
            Ok(()) => match done.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("audit writer stopped".into()),
            },
        };
        match result {
            Ok(()) => Ok(()),
            Err(reason) if closed => {
                tracing::error!(verb = verb.as_str(), reason = %reason, "audit row not written; action refused");
                Err(AuditUnavailable(reason))
            }
            Err(reason) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::error!(verb = verb.as_str(), reason = %reason, dropped_total = dropped, "AUDIT ROW DROPPED (fail-open)");
                Ok(())
            }
        }
    }

    fn body(
        ctx: &AuditContext,
        verb: Verb,
        phase: Phase,
        cluster: &Option<String>,
        resource: &ResourceRef,
    ) -> EventBody {
        EventBody {
            ts_unix_nano: now_nanos(),
            request_id: ctx.request_id.clone(),
            route: ctx.route.clone(),
            phase,
            verb: verb.as_str().to_string(),
            outcome: None,
            actor: ctx.actor.clone(),
            cluster: cluster.clone(),
            resource: resource.clone(),
            reason: None,
            extra: None,
        }
    }

    /// Writes the intent row. For a fail-closed verb, an error means: do not perform the action.
    pub async fn begin(
        &self,
        ctx: AuditContext,
        verb: Verb,
        cluster: Option<&str>,
        resource: ResourceRef,
        extra: Option<Value>,
    ) -> Result<Action, AuditUnavailable> {
        let cluster = cluster.map(str::to_string);
        let mut body = Self::body(&ctx, verb, Phase::Intent, &cluster, &resource);
        body.extra = extra;
        self.record(body, verb).await?;
        Ok(Action { ctx, verb, cluster, resource })
    }

    /// Writes the outcome row. An error means the action ran but its outcome could not be recorded.
    pub async fn finish(
        &self,
        action: &Action,
        outcome: Outcome,
        reason: Option<String>,
        extra: Option<Value>,
    ) -> Result<(), AuditUnavailable> {
        let mut body = Self::body(&action.ctx, action.verb, Phase::Outcome, &action.cluster, &action.resource);
        body.outcome = Some(outcome);
        body.reason = reason.map(|r| r.chars().take(500).collect());
        body.extra = extra;
        self.record(body, action.verb).await
    }
}

/// The outcome of a Kubernetes call: 401/403 are denials, other errors failures.
pub fn outcome_of<T>(result: &Result<T, kube::Error>) -> (Outcome, Option<String>) {
    match result {
        Ok(_) => (Outcome::Success, None),
        Err(kube::Error::Api(status)) if status.code == 401 || status.code == 403 => {
            (Outcome::Denied, Some(status.message.clone()))
        }
        Err(e) => (Outcome::Failure, Some(e.to_string())),
    }
}

struct ChainState {
    seq: i64,
    hash: String,
}

static WRITE_SECONDS: crate::telemetry::HistogramVec<2> = crate::telemetry::HistogramVec::new(
    "periscope_audit_write_seconds",
    "Time to append one batch of audit rows to a store, by store and result.",
    ["store", "result"],
    crate::telemetry::LATENCY_BUCKETS,
);

fn write_loop(
    mut rx: mpsc::Receiver<Pending>,
    stores: Vec<Arc<dyn AuditStore>>,
    stdout: bool,
    runtime: tokio::runtime::Handle,
    committed: tokio::sync::watch::Sender<u64>,
) {
    // A fresh chain per process and store; replicas and restarts each write their own chain.
    let writer_id = uuid::Uuid::new_v4().to_string();
    let mut chains: Vec<ChainState> = stores.iter().map(|_| ChainState { seq: 0, hash: GENESIS.to_string() }).collect();
    tracing::info!(writer_id = %writer_id, stores = ?stores.iter().map(|s| s.name()).collect::<Vec<_>>(), "audit writer started");
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let mut failure: Option<StoreError> = None;
        for (store, chain) in stores.iter().zip(chains.iter_mut()) {
            let (rows, (seq, prev)) =
                event::link(&writer_id, (chain.seq, chain.hash.clone()), batch.iter().map(|p| p.body.clone()));
            let started = std::time::Instant::now();
            let appended = store.append_blocking(&rows).unwrap_or_else(|| runtime.block_on(store.append(&rows)));
            WRITE_SECONDS.observe([store.name(), if appended.is_ok() { "ok" } else { "error" }], started.elapsed());
            match appended {
                Ok(()) => {
                    chain.seq = seq;
                    chain.hash = prev;
                }
                Err(e) => {
                    tracing::error!(store = store.name(), error = %e, rows = rows.len(), "audit store write failed");
                    failure = Some(e);
                }
            }
        }
        if stdout && failure.is_none() {
            for p in &batch {
                let mut line = serde_json::to_value(&p.body).unwrap_or_default();
                if let Some(obj) = line.as_object_mut() {
                    obj.insert("category".into(), Value::from("audit"));
                }
                println!("{line}");
            }
        }
        if failure.is_none() {
            committed.send_modify(|n| *n += 1);
        }
        for p in batch {
            let _ = p.ack.send(failure.clone().map_or(Ok(()), Err));
        }
    }
}

async fn prune_loop(
    stores: Vec<Arc<dyn AuditStore>>,
    retention: Option<Duration>,
    max_bytes: Option<u64>,
    interval: Duration,
) {
    let mut tick = tokio::time::interval(interval.max(Duration::from_millis(100)));
    loop {
        tick.tick().await;
        let before = retention.map(|r| now_nanos() - r.as_nanos() as i64);
        for store in &stores {
            match store.prune(before, max_bytes).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(store = store.name(), deleted = n, "audit rows pruned"),
                Err(e) => tracing::error!(store = store.name(), error = %e, "audit pruning failed"),
            }
        }
    }
}
