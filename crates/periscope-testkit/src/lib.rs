//! Test kit for Periscope's integration tests: brings up the real control plane from
//! `testenv/` (once per run, reused when already up), hands each test its own namespace,
//! and starts `periscope serve` processes with the configuration a test needs.

pub mod agent;
pub mod browser;
pub mod chartrepo;
pub mod cluster;
pub mod exec;
pub mod idp;
pub mod podlogs;
pub mod postgres;
pub mod server;
pub mod sse;
pub mod tunnel;

pub use agent::UserAgent;
pub use chartrepo::{ChartRepo, OciRegistry};
pub use cluster::{EksCredentials, TestCluster, TestNamespace, cluster};
pub use idp::{Idp, IdpOptions};
pub use podlogs::PodLogs;
pub use server::{Server, ServerOptions, free_port};

use std::path::PathBuf;

/// The repository root: the nearest directory holding `testenv/cluster.sh`, looked up at run
/// time from the crate under test (cargo sets `CARGO_MANIFEST_DIR` for test binaries) or the
/// working directory. Not `env!`: one build cache serves clones at different paths, and a
/// path baked into an unchanged crate would point into a clone that is gone.
pub fn repo_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let found = start.ancestors().find(|dir| dir.join("testenv/cluster.sh").is_file()).map(PathBuf::from);
    // Test set-up without the repository is a broken checkout, worth stopping for.
    found.unwrap_or_else(|| panic!("no repository root (testenv/cluster.sh) above {}", start.display()))
}

/// A short random suffix for names that must not collide between tests.
pub fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect()
}
