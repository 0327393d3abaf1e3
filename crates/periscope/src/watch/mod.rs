//! The watch engine: live lists over SSE. One upstream list+watch and one in-memory store of
//! projected rows per (cluster, identity, kind, namespace, labelSelector), shared by every
//! subscriber with that key; see docs/watch.md for the wire format and the routes.

pub mod event;
pub mod hub;
pub mod metrics;
pub mod shared;
pub mod sse;
pub mod store;
pub mod streams;
mod upstream;

use std::time::Duration;

pub use hub::{Hub, HubConfig, Source, WatchKey, upstream_runtime};

/// Watch flags of `periscope serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Live streams plus multiplexed subscriptions one user may hold open (0 = unlimited).
    #[arg(long = "max-streams-per-user", env = "PERISCOPE_MAX_STREAMS_PER_USER", default_value_t = 60)]
    pub max_streams_per_user: usize,
    /// Events buffered per subscriber before a slow one is cut loose with `backpressure`.
    #[arg(long = "watch-buffer", env = "PERISCOPE_WATCH_BUFFER", default_value_t = 256)]
    pub buffer: usize,
    /// Seconds an upstream watch outlives its last subscriber.
    #[arg(long = "watch-linger-seconds", env = "PERISCOPE_WATCH_LINGER_SECONDS", default_value_t = 30)]
    pub linger_seconds: u64,
    /// Seconds between `: ping` comments (and session re-checks) on open streams.
    #[arg(long = "watch-ping-seconds", env = "PERISCOPE_WATCH_PING_SECONDS", default_value_t = 15)]
    pub ping_seconds: u64,
    /// Clusters (comma-separated) whose live lists come from shared watches under the reader
    /// identity, each user gated by an access review (docs/watch.md); empty = off.
    #[arg(long = "watch-shared-clusters", env = "PERISCOPE_WATCH_SHARED_CLUSTERS", default_value = "")]
    pub shared_clusters: String,
    /// The user the shared watches impersonate (needs list+watch, never Secrets).
    #[arg(long = "watch-reader-user", env = "PERISCOPE_WATCH_READER_USER", default_value = "periscope-watch-reader")]
    pub reader_user: String,
}

impl WatchArgs {
    /// The hub configuration these flags describe.
    pub fn config(&self) -> HubConfig {
        HubConfig {
            buffer: self.buffer.clamp(1, 65_536),
            linger: Duration::from_secs(self.linger_seconds),
            ping: Duration::from_secs(self.ping_seconds.max(1)),
            max_streams_per_user: self.max_streams_per_user,
            shared_clusters: self.shared_clusters.clone(),
            reader_user: self.reader_user.clone(),
            ..HubConfig::default()
        }
    }
}
