//! Exec: an audited, impersonated terminal in a container over a WebSocket (the Go
//! original's frame protocol, docs/api.md "Exec"), with caps, timers, a live session list and
//! asciicast recordings of every session.

pub mod protocol;
pub mod recording;
pub mod registry;
pub mod session;

use std::{path::PathBuf, sync::Arc, time::Duration};

pub use registry::ExecRegistry;

use crate::{
    audit::{Action, Audit, AuditConfig, AuditContext, Outcome, ResourceRef, Verb},
    config::clusters::ExecSettings,
    identity::Identity,
};

/// The shell a session runs when the request names no command: bash where there is one.
pub const DEFAULT_COMMAND: &[&str] = &["sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash; exec sh"];

/// Exec flags of `periscope serve` (defaults for every cluster; a cluster's `exec:` block in
/// clusters.yaml overrides them).
#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// Seconds between WebSocket pings to the browser (a pong must come within 10 s more).
    #[arg(long = "exec-heartbeat-seconds", env = "PERISCOPE_EXEC_HEARTBEAT_SECONDS", default_value_t = 20)]
    pub heartbeat_seconds: u64,
    /// Seconds without input or output before a session closes (`idle`).
    #[arg(long = "exec-idle-seconds", env = "PERISCOPE_EXEC_IDLE_SECONDS", default_value_t = 600)]
    pub idle_seconds: u64,
    /// Seconds before the idle close that the terminal is warned (`idle_warn`).
    #[arg(long = "exec-idle-warn-seconds", env = "PERISCOPE_EXEC_IDLE_WARN_SECONDS", default_value_t = 30)]
    pub idle_warn_seconds: u64,
    /// Longest a session may last (`deadline`); 0 = no limit.
    #[arg(long = "exec-max-session-seconds", env = "PERISCOPE_EXEC_MAX_SESSION_SECONDS", default_value_t = 28_800)]
    pub max_session_seconds: u64,
    /// Sessions one user may hold open (0 = no limit).
    #[arg(long = "exec-max-sessions-per-user", env = "PERISCOPE_EXEC_MAX_SESSIONS_PER_USER", default_value_t = 5)]
    pub max_sessions_per_user: usize,
    /// Sessions one cluster may have open (0 = no limit).
    #[arg(long = "exec-max-sessions-total", env = "PERISCOPE_EXEC_MAX_SESSIONS_TOTAL", default_value_t = 50)]
    pub max_sessions_total: usize,
    /// Where session recordings go; default: `recordings/` beside the SQLite audit database.
    /// Without either, sessions are not recorded.
    #[arg(long = "exec-recordings-dir", env = "PERISCOPE_EXEC_RECORDINGS_DIR")]
    pub recordings_dir: Option<PathBuf>,
    /// Output recorded per session at most, in MiB (the rest is cut, and the cut marked).
    #[arg(long = "exec-recording-max-mb", env = "PERISCOPE_EXEC_RECORDING_MAX_MB", default_value_t = 64)]
    pub recording_max_mb: u64,
}

/// The settings one session runs under: the flags with its cluster's overrides applied.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub enabled: bool,
    pub heartbeat: Duration,
    pub idle: Duration,
    pub idle_warn: Duration,
    pub max_session: Option<Duration>,
    pub per_user: usize,
    pub per_cluster: usize,
    pub record_input: bool,
}

impl ExecArgs {
    /// The settings of a cluster with `overrides` (its `exec:` block, if any).
    pub fn settings(&self, overrides: Option<&ExecSettings>) -> Settings {
        let secs = |o: Option<i64>, default: u64| {
            Duration::from_secs(o.and_then(|v| u64::try_from(v).ok()).unwrap_or(default))
        };
        let count = |o: Option<i64>, default: usize| o.and_then(|v| usize::try_from(v).ok()).unwrap_or(default);
        let o = overrides;
        let max = secs(o.and_then(|o| o.max_session_seconds), self.max_session_seconds);
        Settings {
            enabled: o.is_none_or(|o| o.enabled),
            heartbeat: secs(o.and_then(|o| o.heartbeat_seconds), self.heartbeat_seconds).max(Duration::from_secs(1)),
            idle: secs(o.and_then(|o| o.server_idle_seconds), self.idle_seconds).max(Duration::from_secs(1)),
            idle_warn: secs(o.and_then(|o| o.idle_warn_seconds), self.idle_warn_seconds),
            max_session: (!max.is_zero()).then_some(max),
            per_user: count(o.and_then(|o| o.max_sessions_per_user), self.max_sessions_per_user),
            per_cluster: count(o.and_then(|o| o.max_sessions_total), self.max_sessions_total),
            record_input: o.is_some_and(|o| o.record_input),
        }
    }
}

/// Everything exec shares across sessions. One per server.
pub struct Exec {
    pub args: ExecArgs,
    pub registry: Arc<ExecRegistry>,
    /// `None`: sessions are not recorded (no directory configured).
    pub recordings: Option<recording::RecordingStore>,
}

impl Exec {
    /// Opens the recordings store (the flag's directory, else `recordings/` beside the SQLite
    /// audit database, else the PostgreSQL audit database's tables), closes the sessions a killed server left open (an `exec_close` row with
    /// reason `server_restart` each), and prunes recordings with the audit retention.
    pub async fn start(args: ExecArgs, audit_config: &AuditConfig, audit: &Arc<Audit>) -> anyhow::Result<Exec> {
        let max_bytes = args.recording_max_mb.saturating_mul(1024 * 1024);
        let beside_sqlite = audit_config.sqlite_path.as_ref().and_then(|p| p.parent()).map(|d| d.join("recordings"));
        let recordings = match (args.recordings_dir.clone().or(beside_sqlite), &audit_config.postgres_dsn) {
            (Some(dir), _) => Some(
                recording::RecordingStore::open(dir.clone(), max_bytes)
                    .await
                    .map_err(|e| anyhow::anyhow!("exec recordings directory {}: {e}", dir.display()))?,
            ),
            (None, Some(dsn)) => Some(
                recording::RecordingStore::open_postgres(dsn, max_bytes)
                    .await
                    .map_err(|e| anyhow::anyhow!("exec recordings in PostgreSQL: {e}"))?,
            ),
            (None, None) => None,
        };
        if let Some(store) = &recordings {
            for info in store.recover().await {
                close_after_restart(audit, &info).await;
            }
            if let Some(retention) = audit_config.retention {
                let store = store.clone();
                let every = audit_config.prune_interval;
                tokio::spawn(async move {
                    loop {
                        let removed = store.prune(retention).await;
                        if removed > 0 {
                            tracing::info!(removed, "exec recordings pruned");
                        }
                        tokio::time::sleep(every).await;
                    }
                });
            }
        }
        Ok(Exec { args, registry: Arc::default(), recordings })
    }
}

/// The `exec_close` row of a session the previous process was killed during.
async fn close_after_restart(audit: &Audit, info: &recording::RecordingInfo) {
    let who = Identity { subject: info.user.clone(), email: String::new(), groups: Vec::new() };
    let ctx = AuditContext::new(format!("restart-{}", info.id), None, Some(&who));
    let resource = ResourceRef {
        group: None,
        version: Some("v1".into()),
        resource: Some("pods".into()),
        namespace: Some(info.namespace.clone()),
        name: Some(info.pod.clone()),
    };
    let started = info.started_at.parse::<jiff::Timestamp>().ok();
    let ended = info.ended_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let duration_ms =
        started.zip(ended).and_then(|(s, e)| e.duration_since(s).as_millis().try_into().ok()).map(|ms: i64| ms.max(0));
    let extra = serde_json::json!({
        "session_id": info.id,
        "transport": "websocket",
        "ended_at": info.ended_at,
        "duration_ms": duration_ms,
        // What the recording holds; input is not counted where it was not recorded.
        "bytes_stdout": info.bytes,
        "recording": {"id": info.id, "bytes": info.bytes, "truncated": info.truncated},
    });
    let reason = Some(protocol::CloseReason::ServerRestart.as_str().to_string());
    let closed = Action::happened(ctx, Verb::ExecClose, Some(&info.cluster), resource);
    let _ = audit.finish(&closed, Outcome::Failure, reason, Some(extra)).await;
    tracing::warn!(session = %info.id, "exec session ended by a server restart; recording kept");
}

/// A fresh session id (`x` + 32 hex digits: also a safe file name).
pub fn new_session_id() -> String {
    format!("x{}", uuid::Uuid::new_v4().simple())
}
