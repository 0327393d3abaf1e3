//! The embedded SQLite store: WAL, forward-only schema migrations (a newer schema is refused),
//! writes on a blocking thread so the async runtime never waits on the disk.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use rusqlite::{Connection, Row, params, params_from_iter, types::Value as SqlValue};

use super::{
    chain::{Verifier, VerifyReport},
    changes::{self, CHANGE_COLUMNS, ObjectChange, ObjectKey, StoredChange},
    event::{Actor, ChainLink, EventBody, Phase, ResourceRef, StoredEvent},
    journal::{self, Journal},
    store::{AuditStore, Bucket, Filter, MAX_COUNT, Param, StoreError, schema, timeline_sql},
};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// Columns in the order [`row_to_event`] reads them.
pub const COLUMNS: &str = "id, ts_unix_nano, request_id, route, phase, verb, outcome, actor_sub, actor_email, \
    actor_groups, cluster, res_group, res_version, res_resource, res_namespace, res_name, reason, extra, \
    writer_id, seq, prev_hash, hash";

/// An audit database in one SQLite file.
pub struct SqliteStore {
    write: Arc<Mutex<Connection>>,
    /// Read connections: WAL lets readers run side by side, so one slow query (a timeline
    /// over millions of rows) does not hold up every other reader.
    reads: Vec<Arc<Mutex<Connection>>>,
    next_read: AtomicU64,
    path: PathBuf,
    checkpointer: Arc<AtomicBool>,
    last_write: Arc<AtomicU64>,
    /// Absent when another process owns this database's journal; rows then go straight to SQLite.
    log: Option<AckLog>,
}

/// Appends acknowledged through the journal and the ingester that follows it into SQLite.
struct AckLog {
    journal: Mutex<Journal>,
    /// Taken on drop, which ends the ingester once it has drained the queue.
    ingest: Option<std::sync::mpsc::SyncSender<Ingest>>,
    ingester: Option<std::thread::JoinHandle<()>>,
    progress: Arc<Progress>,
}

impl Drop for AckLog {
    /// Closing the store finishes ingestion first, so the next opener (a restarted server,
    /// `audit verify`) finds every row in SQLite and the journal unlocked.
    fn drop(&mut self) {
        self.ingest.take();
        if let Some(ingester) = self.ingester.take() {
            let _ = ingester.join();
        }
    }
}

/// One acknowledged batch on its way into SQLite.
struct Ingest {
    values: Vec<Vec<SqlValue>>,
    segment: u64,
}

/// Batches acknowledged vs ingested, so reads see every acknowledged row.
#[derive(Default)]
struct Progress {
    counts: Mutex<(u64, u64)>,
    caught_up: std::sync::Condvar,
}

/// How long a read waits for the ingester before answering from what is in SQLite.
const INGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Acknowledged batches waiting for SQLite at most; beyond it acknowledging waits for the
/// ingester, so a disk that cannot keep up slows actions down instead of filling memory.
const INGEST_BACKLOG: usize = 4096;
/// Read connections per store.
const READ_CONNECTIONS: usize = 4;
/// Batches the ingester writes in one transaction at most.
const INGEST_BATCHES: usize = 512;

impl Progress {
    fn counts(&self) -> std::sync::MutexGuard<'_, (u64, u64)> {
        // Only counters behind the lock: a poisoned one is still consistent.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn acknowledged(&self) {
        self.counts().0 += 1;
    }

    fn ingested(&self, batches: u64) {
        self.counts().1 += batches;
        self.caught_up.notify_all();
    }

    /// Waits until every batch acknowledged so far is in SQLite.
    fn wait(&self) {
        let counts = self.counts();
        let target = counts.0;
        let (counts, timeout) =
            self.caught_up.wait_timeout_while(counts, INGEST_WAIT, |c| c.1 < target).unwrap_or_else(|p| p.into_inner());
        if timeout.timed_out() {
            tracing::warn!(behind = target - counts.1, "audit ingestion is behind; reading what SQLite has");
        }
    }
}

impl AckLog {
    /// Starts the ingester once the leftover rows are in SQLite (their segments can go).
    fn start(
        opened: journal::Opened,
        write: Arc<Mutex<Connection>>,
        last_write: Arc<AtomicU64>,
    ) -> Result<AckLog, StoreError> {
        let dir = opened.journal.dir().to_path_buf();
        journal::delete_segments_before(&dir, opened.journal.segment());
        let (ingest, rx) = std::sync::mpsc::sync_channel(INGEST_BACKLOG);
        let progress = Arc::new(Progress::default());
        let (p, lock) = (progress.clone(), opened.lock);
        let ingester = std::thread::Builder::new()
            .name("audit-ingest".into())
            .spawn(move || ingest_loop(rx, write, p, last_write, dir, lock))
            .map_err(err)?;
        Ok(AckLog { journal: Mutex::new(opened.journal), ingest: Some(ingest), ingester: Some(ingester), progress })
    }

    /// Acknowledges a batch: written to the journal and queued for SQLite.
    fn append(&self, rows: &[(EventBody, ChainLink)]) -> Result<(), StoreError> {
        // A poisoned journal lock means a panic between write and send; the file is still whole lines.
        let mut journal = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        let segment = journal.append(rows)?;
        let values = rows.iter().map(|(b, l)| row_values(b, l)).collect();
        self.progress.acknowledged();
        let stopped = || StoreError("audit ingester stopped".into());
        self.ingest.as_ref().ok_or_else(stopped)?.send(Ingest { values, segment }).map_err(|_| stopped())
    }
}

/// Moves acknowledged batches from the journal into SQLite, many per transaction, and deletes
/// segments once all their rows are in. A failed transaction is retried: its rows are safe in
/// the journal meanwhile (and replayed at the next start if this process dies).
fn ingest_loop(
    rx: std::sync::mpsc::Receiver<Ingest>,
    conn: Arc<Mutex<Connection>>,
    progress: Arc<Progress>,
    last_write: Arc<AtomicU64>,
    dir: PathBuf,
    lock: std::fs::File,
) {
    let mut kept_from = 0;
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        while batches.len() < INGEST_BATCHES {
            match rx.try_recv() {
                Ok(b) => batches.push(b),
                Err(_) => break,
            }
        }
        let rows: Vec<&Vec<SqlValue>> = batches.iter().flat_map(|b| b.values.iter()).collect();
        while let Err(e) = insert_rows(&mut lock_conn(&conn), &rows) {
            tracing::error!(error = %e, rows = rows.len(), "audit ingestion into SQLite failed; retrying");
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        last_write.store(now_millis(), Ordering::Relaxed);
        progress.ingested(batches.len() as u64);
        let newest = batches.last().map_or(0, |b| b.segment);
        if newest > kept_from {
            journal::delete_segments_before(&dir, newest);
            kept_from = newest;
        }
    }
    // The sender is gone, so every batch is in SQLite: no segment is needed any more.
    journal::delete_segments_before(&dir, u64::MAX);
    drop(lock);
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.checkpointer.store(true, Ordering::Relaxed);
    }
}

/// How often the checkpoint thread looks at the WAL.
const CHECKPOINT_POLL: std::time::Duration = std::time::Duration::from_millis(100);
/// A writer quiet for this long gets its WAL checkpointed.
const CHECKPOINT_WHEN_IDLE_MS: u64 = 250;
/// Under sustained load, checkpoint anyway once the WAL is this large.
const CHECKPOINT_WAL_BYTES: u64 = 64 * 1024 * 1024;

fn now_millis() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Puts the calling thread in the idle scheduling class: it runs only on CPU time nobody else
/// wants. Checkpoints copy and fsync megabytes; on a small machine that work otherwise takes the
/// CPU from the threads that acknowledge audit rows and shows up in every action's latency. A
/// starved checkpointer only lets the WAL grow until the machine is quieter.
fn run_when_idle() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_param is plain integers (and, on musl, timespecs for SCHED_SPORADIC that
        // glibc's lacks, so no struct literal fits both); all zeros is a valid value, priority 0.
        let param: libc::sched_param = unsafe { std::mem::zeroed() };
        // The system call itself: musl's sched_setscheduler() always fails with ENOSYS (POSIX
        // means the process, Linux changes one thread); glibc's wrapper makes this same call.
        // SAFETY: the kernel reads `param` only during the call; pid 0 is this thread. Lowering
        // one's own priority needs no privilege, and a failure leaves the thread as it was.
        let rc = unsafe {
            libc::syscall(libc::SYS_sched_setscheduler, 0, libc::SCHED_IDLE, &param as *const libc::sched_param)
        };
        if rc != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "audit checkpointer keeps normal priority");
        }
    }
}

/// Moves the WAL into the database file on its own connection, preferably while the writer is
/// quiet: a checkpoint fsyncs the database file, and that stall must not land inside commits.
fn spawn_checkpointer(path: PathBuf, stop: Arc<AtomicBool>, last_write: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        let Ok(conn) = open_connection(&path) else { return };
        run_when_idle();
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(CHECKPOINT_POLL);
            let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            let idle = now_millis().saturating_sub(last_write.load(Ordering::Relaxed)) >= CHECKPOINT_WHEN_IDLE_MS;
            let mode = match (size, idle) {
                (0, _) => continue,
                (_, true) => "TRUNCATE",
                (s, false) if s >= CHECKPOINT_WAL_BYTES => "PASSIVE",
                _ => continue,
            };
            if let Err(e) = conn.execute_batch(&format!("PRAGMA wal_checkpoint({mode});")) {
                tracing::warn!(error = %e, "audit WAL checkpoint failed");
            }
        }
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    });
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn lock_conn(c: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    // A poisoned lock means a panic mid-statement; SQLite's own transaction state is still sound.
    c.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_millis(5000)).map_err(err)?;
    // Small pages: a commit rewrites one page per B-tree it touches (the table and every
    // index), so 1 KiB pages cut the bytes each commit appends to the WAL fourfold.
    // Only takes effect when the file is created.
    conn.pragma_update(None, "page_size", 1024).map_err(err)?;
    // WAL + NORMAL: a commit survives a crash of the process (kill -9); fsync happens at checkpoints.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
    // Checkpoints (and their fsync) run on the checkpoint thread, never inside a commit.
    conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(err)?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database; refuses a schema newer than this build's.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = open_connection(path)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError(format!(
                "{} has audit schema version {version}, newer than this build's {SCHEMA_VERSION}; refusing to open it",
                path.display()
            )));
        }
        if version < SCHEMA_VERSION {
            // Every statement is `IF NOT EXISTS`: version 2 only added the object changes table.
            let tx = conn.transaction().map_err(err)?;
            for statement in schema("INTEGER PRIMARY KEY AUTOINCREMENT") {
                tx.execute_batch(&statement).map_err(err)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        conn.execute_batch("PRAGMA optimize=0x10002;").map_err(err)?;
        let reads = (0..READ_CONNECTIONS)
            .map(|_| open_connection(path).map(|c| Arc::new(Mutex::new(c))))
            .collect::<Result<_, _>>()?;
        let checkpointer = Arc::new(AtomicBool::new(false));
        let last_write = Arc::new(AtomicU64::new(now_millis()));
        let opened = Journal::open(path)?;
        if let Some(opened) = &opened {
            replay(&mut conn, &opened.leftover)?;
        }
        let write = Arc::new(Mutex::new(conn));
        let log = opened.map(|o| AckLog::start(o, write.clone(), last_write.clone())).transpose()?;
        spawn_checkpointer(path.to_path_buf(), checkpointer.clone(), last_write.clone());
        Ok(SqliteStore {
            write,
            reads,
            next_read: AtomicU64::new(0),
            path: path.to_path_buf(),
            checkpointer,
            last_write,
            log,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read connection, an idle one if there is one.
    fn reader(&self) -> Arc<Mutex<Connection>> {
        let idle = self.reads.iter().find(|c| c.try_lock().is_ok());
        let next = self.next_read.fetch_add(1, Ordering::Relaxed) as usize % self.reads.len();
        idle.unwrap_or(&self.reads[next]).clone()
    }

    /// Runs `f` on a blocking thread at once (object changes do not go through the journal).
    async fn now<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || f(&mut lock_conn(&conn))).await.map_err(err)?
    }

    /// Runs `f` on a blocking thread once every acknowledged row is in SQLite.
    async fn blocking<T: Send + 'static>(
        &self,
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = conn.clone();
        let progress = self.log.as_ref().map(|l| l.progress.clone());
        tokio::task::spawn_blocking(move || {
            if let Some(progress) = progress {
                progress.wait();
            }
            f(&mut lock_conn(&conn))
        })
        .await
        .map_err(err)?
    }
}

fn opt(v: &Option<String>) -> SqlValue {
    match v {
        Some(s) if !s.is_empty() => SqlValue::Text(s.clone()),
        _ => SqlValue::Null,
    }
}

/// Reads a row selected with [`COLUMNS`].
pub fn row_to_event(r: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let phase: String = r.get(4)?;
    let outcome: Option<String> = r.get(6)?;
    let groups: String = r.get(9)?;
    let extra: Option<String> = r.get(17)?;
    Ok(StoredEvent {
        id: r.get(0)?,
        body: EventBody {
            ts_unix_nano: r.get(1)?,
            request_id: r.get(2)?,
            route: r.get(3)?,
            phase: if phase == "intent" { Phase::Intent } else { Phase::Outcome },
            verb: r.get(5)?,
            outcome: outcome.and_then(|o| serde_json::from_value(serde_json::Value::String(o)).ok()),
            actor: Actor {
                sub: r.get(7)?,
                email: r.get(8)?,
                groups: serde_json::from_str(&groups).unwrap_or_default(),
            },
            cluster: r.get(10)?,
            resource: ResourceRef {
                group: r.get(11)?,
                version: r.get(12)?,
                resource: r.get(13)?,
                namespace: r.get(14)?,
                name: r.get(15)?,
            },
            reason: r.get(16)?,
            extra: extra.and_then(|e| serde_json::from_str(&e).ok()),
        },
        link: ChainLink { writer_id: r.get(18)?, seq: r.get(19)?, prev_hash: r.get(20)?, hash: r.get(21)? },
    })
}

/// A change row read with `SELECT id, {CHANGE_COLUMNS}`.
fn row_to_change(r: &Row<'_>) -> rusqlite::Result<StoredChange> {
    let paths: String = r.get(13)?;
    Ok(StoredChange {
        id: r.get(0)?,
        change: ObjectChange {
            ts_unix_nano: r.get(1)?,
            object: ObjectKey {
                cluster: r.get(2)?,
                group: r.get(3)?,
                resource: r.get(4)?,
                namespace: r.get(5)?,
                name: r.get(6)?,
            },
            uid: r.get(7)?,
            resource_version: r.get(8)?,
            action: r.get(9)?,
            manager: r.get(10)?,
            operation: r.get(11)?,
            subresource: r.get(12)?,
            paths: changes::paths_of(&paths),
            truncated: r.get::<_, i64>(14)? as u32,
        },
    })
}

/// The values of one row in [`COLUMNS`] order minus `id`.
pub fn row_values(body: &EventBody, link: &ChainLink) -> Vec<SqlValue> {
    vec![
        SqlValue::Integer(body.ts_unix_nano),
        SqlValue::Text(body.request_id.clone()),
        opt(&body.route),
        SqlValue::Text(match body.phase {
            Phase::Intent => "intent".into(),
            Phase::Outcome => "outcome".into(),
        }),
        SqlValue::Text(body.verb.clone()),
        opt(&body.outcome.map(|o| o.as_str().to_string())),
        SqlValue::Text(body.actor.sub.clone()),
        opt(&body.actor.email),
        SqlValue::Text(serde_json::to_string(&body.actor.groups).unwrap_or_else(|_| "[]".into())),
        opt(&body.cluster),
        opt(&body.resource.group),
        opt(&body.resource.version),
        opt(&body.resource.resource),
        opt(&body.resource.namespace),
        opt(&body.resource.name),
        opt(&body.reason),
        opt(&body.extra.as_ref().map(|e| e.to_string())),
        SqlValue::Text(link.writer_id.clone()),
        SqlValue::Integer(link.seq),
        SqlValue::Text(link.prev_hash.clone()),
        SqlValue::Text(link.hash.clone()),
    ]
}

/// One page of rows newest first.
fn page_rows(
    c: &Connection,
    clause: &str,
    params: &[SqlValue],
    limit: i64,
    offset: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let n = params.len();
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events {clause} ORDER BY ts_unix_nano DESC, id DESC LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    let mut page_params = params.to_vec();
    page_params.push(SqlValue::Integer(limit));
    page_params.push(SqlValue::Integer(offset));
    let mut stmt = c.prepare_cached(&sql).map_err(err)?;
    stmt.query_map(params_from_iter(page_params), row_to_event)
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)
}

fn to_sql(params: Vec<Param>) -> Vec<SqlValue> {
    params
        .into_iter()
        .map(|p| match p {
            Param::Text(s) => SqlValue::Text(s),
            Param::Int(i) => SqlValue::Integer(i),
        })
        .collect()
}

fn anchors(conn: &Connection) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut stmt = conn.prepare("SELECT writer_id, seq, hash FROM audit_anchors").map_err(err)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))).map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

/// Puts rows a previous process left in the journal into SQLite. A row at or below its chain's
/// high-water mark (the newest row, or the anchor of a pruned prefix) was ingested before; it is
/// skipped, or pruned rows would come back.
fn replay(conn: &mut Connection, leftover: &[(EventBody, ChainLink)]) -> Result<(), StoreError> {
    let anchors = anchors(conn)?;
    let mut high_water: HashMap<&str, i64> = HashMap::new();
    for (_, link) in leftover {
        if !high_water.contains_key(link.writer_id.as_str()) {
            let newest: Option<i64> = conn
                .query_row("SELECT MAX(seq) FROM audit_events WHERE writer_id = ?1", params![link.writer_id], |r| {
                    r.get(0)
                })
                .map_err(err)?;
            let anchored = anchors.get(&link.writer_id).map_or(0, |(seq, _)| *seq);
            high_water.insert(&link.writer_id, newest.unwrap_or(0).max(anchored));
        }
    }
    let values: Vec<Vec<SqlValue>> = leftover
        .iter()
        .filter(|(_, l)| l.seq > high_water[l.writer_id.as_str()])
        .map(|(b, l)| row_values(b, l))
        .collect();
    insert_rows(conn, &values.iter().collect::<Vec<_>>())?;
    tracing::info!(rows = values.len(), seen = leftover.len(), "audit rows replayed from the journal");
    Ok(())
}

/// Inserts rows in one transaction; a row already present (same writer and seq, e.g. replayed
/// from the journal twice) is skipped.
fn insert_rows(c: &mut Connection, values: &[&Vec<SqlValue>]) -> Result<(), StoreError> {
    let tx = c.transaction().map_err(err)?;
    {
        let mut stmt = tx
            .prepare_cached(&format!(
                "INSERT INTO audit_events ({}) VALUES ({}) ON CONFLICT (writer_id, seq) DO NOTHING",
                &COLUMNS["id, ".len()..],
                (1..=21).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
            ))
            .map_err(err)?;
        for row in values {
            stmt.execute(params_from_iter(row.iter())).map_err(err)?;
        }
    }
    tx.commit().map_err(err)
}

/// Deletes rows with `id <= last_id`, moving each chain's anchor to its last deleted row.
fn delete_prefix(conn: &mut Connection, last_id: i64) -> Result<u64, StoreError> {
    let tx = conn.transaction().map_err(err)?;
    tx.execute(
        "INSERT INTO audit_anchors (writer_id, seq, hash)
         SELECT e.writer_id, e.seq, e.hash FROM audit_events e
         JOIN (SELECT writer_id, MAX(seq) AS seq FROM audit_events WHERE id <= ?1 GROUP BY writer_id) last
           ON e.writer_id = last.writer_id AND e.seq = last.seq
         WHERE true
         ON CONFLICT (writer_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > audit_anchors.seq",
        params![last_id],
    )
    .map_err(err)?;
    let deleted = tx.execute("DELETE FROM audit_events WHERE id <= ?1", params![last_id]).map_err(err)?;
    tx.commit().map_err(err)?;
    Ok(deleted as u64)
}

#[async_trait]
impl AuditStore for SqliteStore {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    async fn append(&self, rows: &[(EventBody, ChainLink)]) -> Result<(), StoreError> {
        if let Some(log) = &self.log {
            // One write(2) into the page cache: cheap enough for the async thread.
            return log.append(rows);
        }
        let values: Vec<Vec<SqlValue>> = rows.iter().map(|(b, l)| row_values(b, l)).collect();
        self.last_write.store(now_millis(), Ordering::Relaxed);
        self.blocking(&self.write, move |c| insert_rows(c, &values.iter().collect::<Vec<_>>())).await
    }

    fn append_blocking(&self, rows: &[(EventBody, ChainLink)]) -> Option<Result<(), StoreError>> {
        if let Some(log) = &self.log {
            return Some(log.append(rows));
        }
        let values: Vec<Vec<SqlValue>> = rows.iter().map(|(b, l)| row_values(b, l)).collect();
        self.last_write.store(now_millis(), Ordering::Relaxed);
        Some(insert_rows(&mut lock_conn(&self.write), &values.iter().collect::<Vec<_>>()))
    }

    async fn query(&self, filter: &Filter) -> Result<(Vec<StoredEvent>, u64), StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("?{n}"));
        let (limit, offset) = (filter.limit as i64, filter.offset as i64);
        self.blocking(&self.reader(), move |c| {
            let params = to_sql(params);
            let items = page_rows(c, &clause, &params, limit, offset)?;
            let total: i64 = c
                .prepare_cached(&format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM audit_events {clause} LIMIT {MAX_COUNT})"
                ))
                .map_err(err)?
                .query_row(params_from_iter(params), |r| r.get(0))
                .map_err(err)?;
            Ok((items, total as u64))
        })
        .await
    }

    async fn page(&self, filter: &Filter) -> Result<Vec<StoredEvent>, StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("?{n}"));
        let (limit, offset) = (filter.limit as i64, filter.offset as i64);
        self.blocking(&self.reader(), move |c| page_rows(c, &clause, &to_sql(params), limit, offset)).await
    }

    async fn timeline(&self, filter: &Filter, from: i64, width: i64) -> Result<Vec<Bucket>, StoreError> {
        let (clause, params) = filter.where_clause(|n| format!("?{n}"));
        self.blocking(&self.reader(), move |c| {
            let mut params = to_sql(params);
            let sql = timeline_sql(&clause, params.len(), |n| format!("?{n}"));
            params.extend([SqlValue::Integer(from), SqlValue::Integer(width.max(1))]);
            let mut stmt = c.prepare_cached(&sql).map_err(err)?;
            let buckets = stmt
                .query_map(params_from_iter(params), |r| {
                    Ok(Bucket { index: r.get(0)?, total: r.get(1)?, denied: r.get(2)?, failed: r.get(3)? })
                })
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(buckets)
        })
        .await
    }

    async fn prune(&self, before_nanos: Option<i64>, max_bytes: Option<u64>) -> Result<u64, StoreError> {
        self.blocking(&self.write, move |c| {
            let mut deleted = 0;
            if let Some(before) = before_nanos {
                let last: Option<i64> = c
                    .query_row("SELECT MAX(id) FROM audit_events WHERE ts_unix_nano < ?1", params![before], |r| {
                        r.get(0)
                    })
                    .map_err(err)?;
                if let Some(last) = last {
                    deleted += delete_prefix(c, last)?;
                }
            }
            if let Some(cap) = max_bytes {
                let size = |c: &Connection| -> Result<u64, StoreError> {
                    let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0)).map_err(err)?;
                    let free: i64 = c.pragma_query_value(None, "freelist_count", |r| r.get(0)).map_err(err)?;
                    let page: i64 = c.pragma_query_value(None, "page_size", |r| r.get(0)).map_err(err)?;
                    Ok(((pages - free).max(0) * page) as u64)
                };
                let used = size(c)?;
                if used > cap {
                    let rows: i64 = c.query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0)).map_err(err)?;
                    // Remove the share of rows above the cap, plus 10% so pruning does not run every tick.
                    let excess = ((rows as f64) * ((used - cap) as f64 / used as f64) * 1.1).ceil() as i64;
                    let last: Option<i64> = c
                        .query_row(
                            "SELECT MAX(id) FROM (SELECT id FROM audit_events ORDER BY id LIMIT ?1)",
                            params![excess.max(1)],
                            |r| r.get(0),
                        )
                        .map_err(err)?;
                    if let Some(last) = last {
                        deleted += delete_prefix(c, last)?;
                    }
                }
            }
            if deleted > 0 {
                c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;").map_err(err)?;
            }
            // Keeps the planner's statistics current so filters pick the right index.
            c.execute_batch("PRAGMA optimize;").map_err(err)?;
            Ok(deleted)
        })
        .await
    }

    async fn record_changes(&self, rows: &[ObjectChange]) -> Result<u64, StoreError> {
        let rows = rows.to_vec();
        Self::now(&self.write, move |c| {
            let tx = c.transaction().map_err(err)?;
            let mut written = 0;
            {
                let sql = format!(
                    "INSERT OR IGNORE INTO object_changes ({CHANGE_COLUMNS}) VALUES ({})",
                    (1..=14).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
                );
                let mut stmt = tx.prepare_cached(&sql).map_err(err)?;
                for ch in &rows {
                    let o = &ch.object;
                    written += stmt
                        .execute(params![
                            ch.ts_unix_nano,
                            o.cluster,
                            o.group,
                            o.resource,
                            o.namespace,
                            o.name,
                            ch.uid,
                            ch.resource_version,
                            ch.action,
                            ch.manager,
                            ch.operation,
                            ch.subresource,
                            changes::paths_text(&ch.paths),
                            ch.truncated as i64,
                        ])
                        .map_err(err)? as u64;
                }
            }
            tx.commit().map_err(err)?;
            Ok(written)
        })
        .await
    }

    async fn changes(
        &self,
        key: &ObjectKey,
        before: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let key = key.clone();
        let (ts, id) = before.unwrap_or((i64::MAX, i64::MAX));
        Self::now(&self.reader(), move |c| {
            let mut stmt = c.prepare_cached(&changes::page_sql(|n| format!("?{n}"))).map_err(err)?;
            stmt.query_map(
                params![key.cluster, key.name, key.namespace, key.resource, key.group, ts, ts, id, limit as i64],
                row_to_change,
            )
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)
        })
        .await
    }

    async fn prune_changes(&self, before_nanos: Option<i64>, max_rows: Option<u64>) -> Result<u64, StoreError> {
        Self::now(&self.write, move |c| {
            let mut deleted = 0;
            if let Some(before) = before_nanos {
                deleted += c
                    .execute("DELETE FROM object_changes WHERE ts_unix_nano < ?1", params![before])
                    .map_err(err)? as u64;
            }
            if let Some(max) = max_rows {
                let rows: i64 = c.query_row("SELECT COUNT(*) FROM object_changes", [], |r| r.get(0)).map_err(err)?;
                if let Some(excess) = changes::rows_over(rows, max) {
                    deleted += c
                        .execute(
                            "DELETE FROM object_changes WHERE id <= \
                             (SELECT MAX(id) FROM (SELECT id FROM object_changes ORDER BY id LIMIT ?1))",
                            params![excess],
                        )
                        .map_err(err)? as u64;
                }
            }
            Ok(deleted)
        })
        .await
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.blocking(&self.reader(), move |c| {
            let mut verifier = Verifier::new(anchors(c)?);
            let mut stmt =
                c.prepare(&format!("SELECT {COLUMNS} FROM audit_events ORDER BY writer_id, seq")).map_err(err)?;
            let rows = stmt.query_map([], row_to_event).map_err(err)?;
            for row in rows {
                verifier.push(&row.map_err(err)?);
            }
            Ok(verifier.finish())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::{GENESIS, chain_hash, sample_body};

    fn chain(writer: &str, n: i64) -> Vec<(EventBody, ChainLink)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let body = sample_body(seq);
                let hash = chain_hash(&prev, writer, seq, &body);
                let link = ChainLink { writer_id: writer.into(), seq, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                (body, link)
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn replaying_the_journal_neither_duplicates_nor_resurrects_pruned_rows() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = SqliteStore::open(&dir.path().join("a.db")).expect("open");
        let rows = chain("w", 6);
        store.append_blocking(&rows).expect("sqlite appends synchronously").expect("append");
        assert_eq!(store.prune(Some(3), None).await.expect("prune"), 2, "rows with ts 1 and 2 go");

        // What a crash leaves: every row still in the journal, some ingested, some pruned.
        replay(&mut lock_conn(&store.write), &rows).expect("replay");
        let (_, total) = store.query(&Filter { limit: 10, ..Filter::default() }).await.expect("query");
        assert_eq!(total, 4, "no row comes back or doubles");
        assert!(store.verify().await.expect("verify").ok, "the chain still verifies from its anchor");

        // Rows past the high-water mark (never ingested) are added.
        let more = chain("w", 8);
        replay(&mut lock_conn(&store.write), &more).expect("replay");
        let (_, total) = store.query(&Filter { limit: 10, ..Filter::default() }).await.expect("query");
        assert_eq!(total, 6);
        assert!(store.verify().await.expect("verify").ok);
    }
}
