//! Short-lived caches of the aggregating routes (can-i, OpenAPI, fleet), held in `AppState`.
//! Keys carry the impersonated identity wherever an answer depends on who asks.

use std::{sync::Arc, time::Duration};

use axum::body::Bytes;
use moka::sync::Cache;

use crate::authz::Impersonation;

/// How long an OpenAPI document is reused: schemas change only with an apiserver upgrade or a
/// CRD change, and ten minutes bounds how stale an editor schema can get.
pub const OPENAPI_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a fleet answer is reused per identity (failures included), so many open tabs
/// polling the fleet page do not multiply apiserver load.
pub const FLEET_TTL: Duration = Duration::from_secs(10);
/// OpenAPI documents are weighed by their size; this bounds the memory they may hold.
const OPENAPI_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// One can-i check, normalised (`core` → `""`), as part of a cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckKey {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
}

/// The apiserver's answer to one access review.
#[derive(Debug, Clone)]
pub struct Decision {
    pub allowed: bool,
    /// The authorizer's explanation, when it gave one.
    pub message: Option<String>,
}

/// Cache key of a can-i answer: cluster, impersonated identity (`None` = shared credential), check.
pub type CanIKey = (Arc<str>, Option<Impersonation>, CheckKey);

/// The caches, built once at start-up.
pub struct OverviewCaches {
    pub can_i: Cache<CanIKey, Decision>,
    /// `(cluster, path, hash)` → the document's bytes.
    pub openapi: Cache<(Arc<str>, String, String), Bytes>,
    /// Identity → the whole fleet answer.
    pub fleet: Cache<Option<Impersonation>, Arc<serde_json::Value>>,
}

impl OverviewCaches {
    /// Caches with can-i answers kept for `can_i_ttl` (`authorization.canICacheTTL`).
    pub fn new(can_i_ttl: Duration) -> Self {
        OverviewCaches {
            can_i: Cache::builder().max_capacity(100_000).time_to_live(can_i_ttl).build(),
            openapi: Cache::builder()
                .max_capacity(OPENAPI_MAX_BYTES)
                .weigher(|_, doc: &Bytes| u32::try_from(doc.len()).unwrap_or(u32::MAX))
                .time_to_live(OPENAPI_TTL)
                .build(),
            fleet: Cache::builder().max_capacity(10_000).time_to_live(FLEET_TTL).build(),
        }
    }
}

impl Default for OverviewCaches {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}
