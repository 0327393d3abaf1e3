//! Short-lived caches of the aggregating routes (can-i, OpenAPI, fleet), held in `AppState`.
//! Every key carries the `Audience` (cluster and impersonated identity): an answer depends on
//! who asks.

use std::{sync::Arc, time::Duration};

use axum::body::Bytes;
use moka::sync::Cache;

use crate::audience::Audience;

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

/// Cache key of a can-i answer: who asks where, and the check.
pub type CanIKey = (Audience, CheckKey);

/// Cache key of an OpenAPI document: who fetched it (the apiserver decides who may read
/// `/openapi`), its path and its hash.
pub type OpenApiKey = (Audience, String, String);

/// Cache key of a fleet answer: the audience of every cluster it covers, in registry order.
pub type FleetKey = Arc<[Audience]>;

/// The caches, built once at start-up.
pub struct OverviewCaches {
    pub can_i: Cache<CanIKey, Decision>,
    /// Audience, path and hash → the document's bytes (shared between audiences that fetched
    /// the same bytes: `Bytes` clones share memory).
    pub openapi: Cache<OpenApiKey, Bytes>,
    /// The audiences of the fleet → the whole fleet answer.
    pub fleet: Cache<FleetKey, Arc<serde_json::Value>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> CheckKey {
        CheckKey {
            verb: "get".into(),
            group: String::new(),
            resource: "pods".into(),
            subresource: String::new(),
            namespace: "team-a".into(),
            name: String::new(),
        }
    }

    fn admin() -> Audience {
        Audience::for_test("alpha", "alice", &["periscope:admins", "periscope:devs"])
    }

    fn dev() -> Audience {
        Audience::for_test("alpha", "alice", &["periscope:devs"])
    }

    #[test]
    fn can_i_answers_are_never_shared_between_audiences_differing_in_one_group() {
        let caches = OverviewCaches::default();
        caches.can_i.insert((admin(), check()), Decision { allowed: true, message: None });
        assert!(caches.can_i.get(&(dev(), check())).is_none());
        assert!(caches.can_i.get(&(admin(), check())).is_some_and(|d| d.allowed));
    }

    #[test]
    fn openapi_documents_are_never_shared_between_audiences_differing_in_one_group() {
        let caches = OverviewCaches::default();
        caches.openapi.insert((admin(), "apis/apps/v1".into(), "ab12".into()), Bytes::from_static(b"{}"));
        assert!(caches.openapi.get(&(dev(), "apis/apps/v1".into(), "ab12".into())).is_none());
    }

    #[test]
    fn fleet_answers_are_never_shared_between_audiences_differing_in_one_group() {
        let caches = OverviewCaches::default();
        let beta = Audience::for_test("beta", "alice", &["periscope:devs"]);
        caches.fleet.insert(Arc::from(vec![admin(), beta.clone()]), Arc::new(serde_json::json!({"x": 1})));
        assert!(caches.fleet.get(&Arc::from(vec![dev(), beta.clone()])).is_none());
        assert!(caches.fleet.get(&Arc::from(vec![admin(), beta])).is_some());
    }
}
