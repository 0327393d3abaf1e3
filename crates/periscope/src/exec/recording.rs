//! Session recordings: every session's output (and resizes; input only where the cluster's
//! `exec.recordInput` says so) as an asciicast v2 file beside the audit store, with a sidecar
//! JSON of who, where and how it ended. Events are appended as they happen, so a server killed
//! mid-session leaves a recording that replays up to the kill; the next start finds its
//! sidecar still open and closes it (`server_restart`).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use serde::{Deserialize, Serialize};
use tokio::{fs, io::AsyncWriteExt};

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
    dir: PathBuf,
    max_bytes: u64,
}

/// Session ids are ours (`x` + hex); anything else is refused before it touches a path.
pub fn valid_id(id: &str) -> bool {
    id.len() <= 64 && id.starts_with('x') && id[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl RecordingStore {
    /// Recordings in `dir` (created when missing), each cut at `max_bytes` of output.
    pub async fn open(dir: PathBuf, max_bytes: u64) -> std::io::Result<RecordingStore> {
        fs::create_dir_all(&dir).await?;
        Ok(RecordingStore { dir, max_bytes })
    }

    fn cast(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.cast"))
    }

    fn sidecar(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
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
        write_json(&self.sidecar(&meta.id), &info).await?;
        let mut file = fs::File::create(self.cast(&meta.id)).await?;
        let header = serde_json::json!({
            "version": 2,
            "width": size.0,
            "height": size.1,
            "timestamp": SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            "title": format!("{}/{}/{} ({}) by {}", meta.cluster, meta.namespace, meta.pod, meta.container, meta.user),
        });
        file.write_all(format!("{header}\n").as_bytes()).await?;
        Ok(Recording {
            file,
            sidecar: self.sidecar(&meta.id),
            info,
            started: Instant::now(),
            max_bytes: self.max_bytes,
            carry: Vec::new(),
        })
    }

    /// A recording's sidecar.
    pub async fn info(&self, id: &str) -> Option<RecordingInfo> {
        if !valid_id(id) {
            return None;
        }
        let text = fs::read(self.sidecar(id)).await.ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// A recording's asciicast text.
    pub async fn cast_bytes(&self, id: &str) -> Option<Vec<u8>> {
        if !valid_id(id) {
            return None;
        }
        fs::read(self.cast(id)).await.ok()
    }

    /// Every sidecar, newest first.
    pub async fn list(&self) -> Vec<RecordingInfo> {
        let mut out = Vec::new();
        let Ok(mut dir) = fs::read_dir(&self.dir).await else { return out };
        while let Ok(Some(entry)) = dir.next_entry().await {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(text) = fs::read(&path).await
                && let Ok(info) = serde_json::from_slice::<RecordingInfo>(&text)
            {
                out.push(info);
            }
        }
        out.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        out
    }

    /// Closes the sidecars of sessions a previous process was killed during, and returns them
    /// (their audit outcome is written by the caller).
    pub async fn recover(&self) -> Vec<RecordingInfo> {
        let mut closed = Vec::new();
        for mut info in self.list().await {
            if info.ended_at.is_some() {
                continue;
            }
            let cast = self.cast(&info.id);
            let ended = fs::metadata(&cast).await.ok().and_then(|m| m.modified().ok()).unwrap_or_else(SystemTime::now);
            info.ended_at = jiff::Timestamp::try_from(ended).ok().map(|t| t.to_string());
            info.reason = Some(CloseReason::ServerRestart.as_str().to_string());
            info.bytes = fs::metadata(&cast).await.map_or(0, |m| m.len());
            if write_json(&self.sidecar(&info.id), &info).await.is_ok() {
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
            if ended.is_some_and(|t| t < cutoff) {
                let _ = fs::remove_file(self.cast(&info.id)).await;
                if fs::remove_file(self.sidecar(&info.id)).await.is_ok() {
                    removed += 1;
                }
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

/// One session's recording in progress.
pub struct Recording {
    file: fs::File,
    sidecar: PathBuf,
    info: RecordingInfo,
    started: Instant,
    max_bytes: u64,
    /// The start of a UTF-8 sequence split between two output chunks.
    carry: Vec<u8>,
}

impl Recording {
    /// Whether input is recorded.
    pub fn records_input(&self) -> bool {
        self.info.record_input
    }

    async fn event(&mut self, code: &str, data: &str) {
        let line = serde_json::json!([self.started.elapsed().as_secs_f64(), code, data]);
        // A recording that cannot be written is lost; the session itself goes on.
        if let Err(e) = self.file.write_all(format!("{line}\n").as_bytes()).await {
            tracing::warn!(session = %self.info.id, error = %e, "recording write failed");
        }
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
            self.event("o", &text).await;
        }
        if take < bytes.len() {
            self.info.truncated = true;
            let note = format!("recording truncated at {} bytes", self.max_bytes);
            self.event("m", &note).await;
        }
    }

    /// Terminal input (only when enabled).
    pub async fn input(&mut self, bytes: &[u8]) {
        if self.info.record_input && !self.info.truncated {
            self.event("i", &String::from_utf8_lossy(bytes)).await;
        }
    }

    /// A terminal resize.
    pub async fn resize(&mut self, cols: u16, rows: u16) {
        self.event("r", &format!("{cols}x{rows}")).await;
    }

    /// Ends the recording: flushes, and completes the sidecar.
    pub async fn finish(mut self, reason: CloseReason, exit_code: Option<i32>) -> RecordingInfo {
        if !self.carry.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
            self.event("o", &rest).await;
        }
        let _ = self.file.flush().await;
        self.info.ended_at = Some(jiff::Timestamp::now().to_string());
        self.info.reason = Some(reason.as_str().to_string());
        self.info.exit_code = exit_code;
        if let Err(e) = write_json(&self.sidecar, &self.info).await {
            tracing::warn!(session = %self.info.id, error = %e, "recording sidecar not written");
        }
        self.info
    }
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
