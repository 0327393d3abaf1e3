//! Session recordings: every session's output (and resizes; input only where the cluster's
//! `exec.recordInput` says so) as asciicast v2 beside the audit store, with a sidecar of who,
//! where and how it ended: files under a directory (next to the SQLite database), or two
//! tables in the audit PostgreSQL database. Events are appended as they happen (PostgreSQL:
//! in chunks at most 250 ms apart), so a server killed mid-session leaves a recording that
//! replays up to the kill; the next start finds its sidecar still open and closes it
//! (`server_restart`).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::{
    fs,
    io::AsyncWriteExt,
    sync::{mpsc, oneshot},
};

use super::{protocol::CloseReason, registry::SessionMeta};

/// The sidecar of one recording.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordingInfo {
    pub id: String,
    pub user: String,
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub started_at: String,
    pub record_input: bool,
    /// Unset while the session runs (or when the server died during it).
    pub ended_at: Option<String>,
    pub reason: Option<String>,
    pub exit_code: Option<i32>,
    /// Output bytes recorded; the rest was cut at the size cap.
    pub bytes: u64,
    pub truncated: bool,
}

/// Where recordings live, and their size cap.
#[derive(Debug, Clone)]
pub struct RecordingStore {
    storage: Storage,
    max_bytes: u64,
}

#[derive(Debug, Clone)]
enum Storage {
    /// `<id>.cast` and `<id>.json` files.
    Files(PathBuf),
    /// `exec_recordings` (sidecars) and `exec_recording_chunks` (the asciicast text in order).
    Postgres(PgPool),
}

/// Serialises schema changes of replicas starting at once (see `crate::postgres`).
const ADVISORY_LOCK: i64 = 0x7065_7269_7363_7265;

fn schema() -> Vec<String> {
    vec![
        "CREATE TABLE IF NOT EXISTS exec_recordings (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, info TEXT NOT NULL)"
            .to_string(),
        "CREATE TABLE IF NOT EXISTS exec_recording_chunks (id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, \
         PRIMARY KEY (id, seq))"
            .to_string(),
    ]
}

/// Chunks of a PostgreSQL recording are written at least this often while events come.
const CHUNK_EVERY: Duration = Duration::from_millis(250);
/// …or when this much is waiting.
const CHUNK_BYTES: usize = 64 * 1024;

/// Session ids are ours (`x` + hex); anything else is refused before it touches a path.
pub fn valid_id(id: &str) -> bool {
    id.len() <= 64 && id.starts_with('x') && id[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl RecordingStore {
    /// Recordings in `dir` (created when missing), each cut at `max_bytes` of output.
    pub async fn open(dir: PathBuf, max_bytes: u64) -> std::io::Result<RecordingStore> {
        fs::create_dir_all(&dir).await?;
        Ok(RecordingStore { storage: Storage::Files(dir), max_bytes })
    }

    /// Recordings in the PostgreSQL database at `dsn` (tables created when missing).
    pub async fn open_postgres(dsn: &str, max_bytes: u64) -> Result<RecordingStore, sqlx::Error> {
        let pool = crate::postgres::connect_with_schema(dsn, 4, ADVISORY_LOCK, &schema()).await?;
        Ok(RecordingStore { storage: Storage::Postgres(pool), max_bytes })
    }

    fn cast(dir: &Path, id: &str) -> PathBuf {
        dir.join(format!("{id}.cast"))
    }

    fn sidecar(dir: &Path, id: &str) -> PathBuf {
        dir.join(format!("{id}.json"))
    }

    /// Writes a recording's sidecar (whole).
    async fn save(&self, info: &RecordingInfo) -> std::io::Result<()> {
        match &self.storage {
            Storage::Files(dir) => write_json(&Self::sidecar(dir, &info.id), info).await,
            Storage::Postgres(pool) => {
                let text = serde_json::to_string(info).unwrap_or_default();
                sqlx::query(
                    "INSERT INTO exec_recordings (id, started_at, info) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info",
                )
                .bind(&info.id)
                .bind(&info.started_at)
                .bind(text)
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(std::io::Error::other)
            }
        }
    }

    /// Starts the recording of a session.
    pub async fn start(&self, meta: &SessionMeta, record_input: bool, size: (u16, u16)) -> std::io::Result<Recording> {
        let info = RecordingInfo {
            id: meta.id.clone(),
            user: meta.user.clone(),
            cluster: meta.cluster.clone(),
            namespace: meta.namespace.clone(),
            pod: meta.pod.clone(),
            container: meta.container.clone(),
            started_at: meta.started_at.clone(),
            record_input,
            ended_at: None,
            reason: None,
            exit_code: None,
            bytes: 0,
            truncated: false,
        };
        self.save(&info).await?;
        let header = serde_json::json!({
            "version": 2,
            "width": size.0,
            "height": size.1,
            "timestamp": SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            "title": format!("{}/{}/{} ({}) by {}", meta.cluster, meta.namespace, meta.pod, meta.container, meta.user),
        });
        let mut sink = match &self.storage {
            Storage::Files(dir) => Sink::File(fs::File::create(Self::cast(dir, &meta.id)).await?),
            Storage::Postgres(pool) => Sink::Chunks { pool: pool.clone(), pending: String::new(), seq: 0 },
        };
        append(&mut sink, format!("{header}\n"), &meta.id).await.map_err(std::io::Error::other)?;
        Ok(Recording::spawn(sink, self.clone(), info))
    }

    /// A recording's sidecar.
    pub async fn info(&self, id: &str) -> Option<RecordingInfo> {
        if !valid_id(id) {
            return None;
        }
        match &self.storage {
            Storage::Files(dir) => serde_json::from_slice(&fs::read(Self::sidecar(dir, id)).await.ok()?).ok(),
            Storage::Postgres(pool) => {
                let text: String = sqlx::query_scalar("SELECT info FROM exec_recordings WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .ok()??;
                serde_json::from_str(&text).ok()
            }
        }
    }

    /// A recording's asciicast text.
    pub async fn cast_bytes(&self, id: &str) -> Option<Vec<u8>> {
        if !valid_id(id) {
            return None;
        }
        match &self.storage {
            Storage::Files(dir) => fs::read(Self::cast(dir, id)).await.ok(),
            Storage::Postgres(pool) => {
                let chunks: Vec<String> =
                    sqlx::query_scalar("SELECT data FROM exec_recording_chunks WHERE id = $1 ORDER BY seq")
                        .bind(id)
                        .fetch_all(pool)
                        .await
                        .ok()?;
                (!chunks.is_empty()).then(|| chunks.concat().into_bytes())
            }
        }
    }

    /// Every sidecar, newest first.
    pub async fn list(&self) -> Vec<RecordingInfo> {
        let mut out = Vec::new();
        match &self.storage {
            Storage::Files(dir) => {
                let Ok(mut entries) = fs::read_dir(dir).await else { return out };
                while let Ok(Some(entry)) = entries.next_entry().await {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "json")
                        && let Ok(text) = fs::read(&path).await
                        && let Ok(info) = serde_json::from_slice::<RecordingInfo>(&text)
                    {
                        out.push(info);
                    }
                }
            }
            Storage::Postgres(pool) => {
                let rows: Vec<String> =
                    sqlx::query_scalar("SELECT info FROM exec_recordings").fetch_all(pool).await.unwrap_or_default();
                out.extend(rows.iter().filter_map(|t| serde_json::from_str::<RecordingInfo>(t).ok()));
            }
        }
        out.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        out
    }

    /// When the recording was last written to (files: the cast file's mtime; PostgreSQL: now)
    /// and how many output bytes it holds.
    async fn last_write(&self, id: &str) -> (SystemTime, u64) {
        let written = match &self.storage {
            Storage::Files(dir) => fs::metadata(Self::cast(dir, id)).await.ok().and_then(|m| m.modified().ok()),
            Storage::Postgres(_) => None,
        };
        let bytes = self.cast_bytes(id).await.map_or(0, |cast| output_bytes(&cast));
        (written.unwrap_or_else(SystemTime::now), bytes)
    }

    async fn remove(&self, id: &str) -> bool {
        match &self.storage {
            Storage::Files(dir) => {
                let _ = fs::remove_file(Self::cast(dir, id)).await;
                fs::remove_file(Self::sidecar(dir, id)).await.is_ok()
            }
            Storage::Postgres(pool) => {
                let _ = sqlx::query("DELETE FROM exec_recording_chunks WHERE id = $1").bind(id).execute(pool).await;
                sqlx::query("DELETE FROM exec_recordings WHERE id = $1").bind(id).execute(pool).await.is_ok()
            }
        }
    }

    /// Closes the sidecars of sessions a previous process was killed during, and returns them
    /// (their audit outcome is written by the caller).
    pub async fn recover(&self) -> Vec<RecordingInfo> {
        let mut closed = Vec::new();
        for mut info in self.list().await {
            if info.ended_at.is_some() {
                continue;
            }
            let (ended, length) = self.last_write(&info.id).await;
            info.ended_at = jiff::Timestamp::try_from(ended).ok().map(|t| t.to_string());
            info.reason = Some(CloseReason::ServerRestart.as_str().to_string());
            info.bytes = length;
            if self.save(&info).await.is_ok() {
                closed.push(info);
            }
        }
        closed
    }

    /// Deletes recordings that ended more than `retention` ago.
    pub async fn prune(&self, retention: Duration) -> usize {
        let cutoff = jiff::Timestamp::now().checked_sub(retention).unwrap_or(jiff::Timestamp::MIN);
        let mut removed = 0;
        for info in self.list().await {
            let ended = info.ended_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
            if ended.is_some_and(|t| t < cutoff) && self.remove(&info.id).await {
                removed += 1;
            }
        }
        removed
    }
}

async fn write_json(path: &Path, info: &RecordingInfo) -> std::io::Result<()> {
    // Written whole to a temporary name, then renamed: a crash never leaves half a sidecar.
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, serde_json::to_vec(info).unwrap_or_default()).await?;
    fs::rename(&tmp, path).await
}

/// Where a recording in progress appends its events.
enum Sink {
    File(fs::File),
    Chunks { pool: PgPool, pending: String, seq: i32 },
}

/// What the session sends its recording's writer.
enum Cmd {
    Event {
        at: f64,
        code: &'static str,
        data: String,
    },
    /// Everything is written; answer when it is.
    Finish(oneshot::Sender<()>),
}

/// Events waiting for the writer (each at most one 32 KiB read): the session only waits for
/// the writer when it is this far behind.
const WRITER_QUEUE: usize = 64;
/// Text gathered into one write.
const WRITE_BATCH: usize = 1024 * 1024;

/// One session's recording in progress. Events go to a writer task, so formatting and
/// storage run beside the session instead of inside its loop.
pub struct Recording {
    tx: mpsc::Sender<Cmd>,
    store: RecordingStore,
    info: RecordingInfo,
    started: Instant,
    max_bytes: u64,
    /// The start of a UTF-8 sequence split between two output chunks.
    carry: Vec<u8>,
}

impl Recording {
    fn spawn(sink: Sink, store: RecordingStore, info: RecordingInfo) -> Recording {
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(write_loop(sink, info.id.clone(), rx));
        Recording { tx, max_bytes: store.max_bytes, store, info, started: Instant::now(), carry: Vec::new() }
    }

    /// Whether input is recorded.
    pub fn records_input(&self) -> bool {
        self.info.record_input
    }

    async fn event(&mut self, code: &'static str, data: String) {
        let at = self.started.elapsed().as_secs_f64();
        // A writer that is gone lost the recording; the session itself goes on.
        let _ = self.tx.send(Cmd::Event { at, code, data }).await;
    }

    /// Terminal output, up to the size cap (then one marker event and nothing more).
    pub async fn output(&mut self, bytes: &[u8]) {
        if self.info.truncated {
            return;
        }
        let room = self.max_bytes.saturating_sub(self.info.bytes) as usize;
        let take = bytes.len().min(room);
        self.info.bytes += take as u64;
        self.carry.extend_from_slice(&bytes[..take]);
        let text = take_utf8(&mut self.carry);
        if !text.is_empty() {
            self.event("o", text).await;
        }
        if take < bytes.len() {
            self.info.truncated = true;
            let note = format!("recording truncated at {} bytes", self.max_bytes);
            self.event("m", note).await;
        }
    }

    /// Terminal input (only when enabled).
    pub async fn input(&mut self, bytes: &[u8]) {
        if self.info.record_input && !self.info.truncated {
            self.event("i", String::from_utf8_lossy(bytes).into_owned()).await;
        }
    }

    /// A terminal resize.
    pub async fn resize(&mut self, cols: u16, rows: u16) {
        self.event("r", format!("{cols}x{rows}")).await;
    }

    /// Ends the recording: everything written, then the sidecar completed.
    pub async fn finish(mut self, reason: CloseReason, exit_code: Option<i32>) -> RecordingInfo {
        if !self.carry.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
            self.event("o", rest).await;
        }
        let (done, written) = oneshot::channel();
        if self.tx.send(Cmd::Finish(done)).await.is_ok() {
            let _ = written.await;
        }
        self.info.ended_at = Some(jiff::Timestamp::now().to_string());
        self.info.reason = Some(reason.as_str().to_string());
        self.info.exit_code = exit_code;
        if let Err(e) = self.store.save(&self.info).await {
            tracing::warn!(session = %self.info.id, error = %e, "recording sidecar not written");
        }
        self.info
    }
}

/// The writer of one recording: batches what is waiting into one write. Files are flushed
/// after each write (tokio answers a write before its blocking thread has done it), so a
/// killed server loses at most what was still queued; PostgreSQL chunks go out at least every
/// `CHUNK_EVERY` while events come, and when they pause.
async fn write_loop(mut sink: Sink, id: String, mut rx: mpsc::Receiver<Cmd>) {
    let mut batch = String::new();
    let mut finish = None;
    loop {
        let first = match &sink {
            Sink::Chunks { pending, .. } if !pending.is_empty() => {
                match tokio::time::timeout(CHUNK_EVERY, rx.recv()).await {
                    Ok(cmd) => cmd,
                    Err(_) => {
                        report(&id, flush(&mut sink, &id).await);
                        continue;
                    }
                }
            }
            _ => rx.recv().await,
        };
        let Some(first) = first else { break };
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                Cmd::Event { at, code, data } => {
                    batch.push_str(&serde_json::json!([at, code, data]).to_string());
                    batch.push('\n');
                }
                Cmd::Finish(done) => finish = Some(done),
            }
            if finish.is_none() && batch.len() < WRITE_BATCH {
                next = rx.try_recv().ok();
            }
        }
        report(&id, append(&mut sink, std::mem::take(&mut batch), &id).await);
        if let Some(done) = finish.take() {
            report(&id, flush(&mut sink, &id).await);
            let _ = done.send(());
            break;
        }
    }
}

fn report(id: &str, written: Result<(), String>) {
    if let Err(e) = written {
        tracing::warn!(session = %id, error = %e, "recording write failed");
    }
}

async fn append(sink: &mut Sink, text: String, id: &str) -> Result<(), String> {
    match sink {
        Sink::File(file) => {
            file.write_all(text.as_bytes()).await.map_err(|e| e.to_string())?;
            file.flush().await.map_err(|e| e.to_string())
        }
        Sink::Chunks { pending, .. } => {
            pending.push_str(&text);
            if pending.len() >= CHUNK_BYTES { flush(sink, id).await } else { Ok(()) }
        }
    }
}

/// Writes what waits (PostgreSQL) or flushes the file.
async fn flush(sink: &mut Sink, id: &str) -> Result<(), String> {
    match sink {
        Sink::File(file) => file.flush().await.map_err(|e| e.to_string()),
        Sink::Chunks { pool, pending, seq } => {
            if pending.is_empty() {
                return Ok(());
            }
            let data = std::mem::take(pending);
            *seq += 1;
            sqlx::query("INSERT INTO exec_recording_chunks (id, seq, data) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(*seq)
                .bind(data)
                .execute(&*pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

/// The output bytes an asciicast holds (its `o` events' text).
fn output_bytes(cast: &[u8]) -> u64 {
    String::from_utf8_lossy(cast)
        .lines()
        .skip(1)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event[1] == "o")
        .map(|event| event[2].as_str().map_or(0, |text| text.len() as u64))
        .sum()
}

/// The longest valid UTF-8 prefix of `buf` as text (invalid bytes replaced), leaving an
/// incomplete trailing sequence in `buf` for the next chunk.
fn take_utf8(buf: &mut Vec<u8>) -> String {
    let keep = match std::str::from_utf8(buf) {
        Ok(_) => 0,
        Err(e) if e.error_len().is_none() => buf.len() - e.valid_up_to(),
        Err(_) => 0,
    };
    let rest = buf.split_off(buf.len() - keep);
    let text = String::from_utf8_lossy(buf).into_owned();
    *buf = rest;
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_utf8_sequences_wait_for_their_end() {
        let euro = "€".as_bytes();
        let mut buf = vec![b'a', euro[0], euro[1]];
        assert_eq!(take_utf8(&mut buf), "a");
        assert_eq!(buf, &euro[..2]);
        buf.push(euro[2]);
        assert_eq!(take_utf8(&mut buf), "€");
        assert!(buf.is_empty());
    }

    #[test]
    fn ids_are_checked_before_they_become_paths() {
        assert!(valid_id("x0123abcdef"));
        assert!(!valid_id("../etc/passwd"));
        assert!(!valid_id("x12/34"));
        assert!(!valid_id("y1234"));
    }

    #[tokio::test]
    async fn a_recording_replays_its_output_and_is_cut_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordingStore::open(dir.path().to_path_buf(), 10).await.unwrap();
        let meta = SessionMeta {
            id: "xab".into(),
            user: "ann".into(),
            cluster: "c".into(),
            namespace: "n".into(),
            pod: "p".into(),
            container: "k".into(),
            tty: true,
            started_at: "2026-01-01T00:00:00Z".into(),
        };
        let mut rec = store.start(&meta, false, (80, 24)).await.unwrap();
        rec.output(b"hello ").await;
        rec.input(b"secret").await;
        rec.output(b"world!!").await;
        assert_eq!(store.recover().await.len(), 1, "an open sidecar is a session a killed server left");
        let info = rec.finish(CloseReason::Completed, Some(0)).await;
        assert!(info.truncated);
        let cast = String::from_utf8(store.cast_bytes("xab").await.unwrap()).unwrap();
        let output: String = cast
            .lines()
            .skip(1)
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e[1] == "o")
            .map(|e| e[2].as_str().unwrap().to_string())
            .collect();
        assert_eq!(output, "hello worl");
        assert!(!cast.contains("secret"));
        assert!(cast.contains("truncated"));
    }
}
