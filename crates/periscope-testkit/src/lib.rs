//! Test kit for Periscope's integration tests: brings up the real control plane from
//! `testenv/` (once per run, reused when already up), hands each test its own namespace,
//! and starts `periscope serve` processes with the configuration a test needs.

pub mod agent;
pub mod browser;
pub mod cluster;
pub mod idp;
pub mod postgres;
pub mod server;

pub use agent::UserAgent;
pub use cluster::{TestCluster, TestNamespace, cluster};
pub use idp::{Idp, IdpOptions};
pub use server::{Server, ServerOptions, free_port};

use std::path::PathBuf;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root exists")
}

/// A short random suffix for names that must not collide between tests.
pub fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect()
}
