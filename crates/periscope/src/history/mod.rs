//! Object history: what the watch engine saw change on the objects it watched (attributed to
//! the field manager that wrote it), kept in the audit store beside the audit rows, and the
//! merge of those changes, the object's audit rows and its Events that the History tab reads.

pub mod observe;
pub mod recorder;

use std::time::Duration;

pub use recorder::{HistoryConfig, Recorder, Sighting};

/// History flags of `periscope serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// Record writes the watch engine sees (kubectl, GitOps, controllers) for object history;
    /// needs a durable audit store (SQLite or PostgreSQL).
    #[arg(long = "history", env = "PERISCOPE_HISTORY", default_value_t = true, action = clap::ArgAction::Set)]
    pub history_enabled: bool,
    /// Days a recorded change is kept.
    #[arg(long = "history-retention-days", env = "PERISCOPE_HISTORY_RETENTION_DAYS", default_value_t = 30)]
    pub history_retention_days: u64,
    /// Recorded changes kept at most (the oldest are deleted first).
    #[arg(long = "history-max-rows", env = "PERISCOPE_HISTORY_MAX_ROWS", default_value_t = 1_000_000)]
    pub history_max_rows: u64,
    /// Memory for the last version of each watched object, which the next write is compared with (MiB).
    #[arg(long = "history-memory-mb", env = "PERISCOPE_HISTORY_MEMORY_MB", default_value_t = 64)]
    pub history_memory_mb: u64,
    /// Seconds between applying retention and the row cap.
    #[arg(long = "history-prune-seconds", env = "PERISCOPE_HISTORY_PRUNE_SECONDS", default_value_t = 300)]
    pub history_prune_seconds: u64,
}

impl HistoryArgs {
    /// The configuration these flags describe, or `None` when history is off.
    pub fn config(&self) -> Option<HistoryConfig> {
        self.history_enabled.then(|| HistoryConfig {
            retention: Duration::from_secs(self.history_retention_days.max(1) * 86_400),
            max_rows: self.history_max_rows.max(1),
            memory_bytes: self.history_memory_mb.max(1) * 1024 * 1024,
            prune_interval: Duration::from_secs(self.history_prune_seconds.max(1)),
        })
    }
}
