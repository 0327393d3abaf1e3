//! Shared cache mode (opt-in per cluster): one upstream watch per (cluster, kind, namespace,
//! selector) under a dedicated reader identity, shared by every user. A user is served from it
//! only while a SelfSubjectAccessReview — made with the user's own impersonating client, so
//! the apiserver decides — says they may `list` and `watch` that kind in that scope. Answers
//! are cached 30 s; open streams re-check every 30 s, and at once when an RBAC object of the
//! cluster changes, and close with `error` `E_FORBIDDEN` when access is gone. Secrets are
//! never served from the shared cache.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use k8s_openapi::api::{
    authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec},
    rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding},
};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use moka::sync::Cache;
use tokio::sync::watch;

use crate::{audience::Audience, error::ApiError, resources::catalog::Kind};

/// How long an access answer is trusted, and how often open streams ask again.
pub const RECHECK: Duration = Duration::from_secs(30);
/// (the user's audience, group, plural, namespace).
type GrantKey = (Audience, String, String, String);

/// Which clusters serve from the shared cache, as whom, and the cached access answers.
pub struct SharedCache {
    clusters: HashSet<String>,
    reader: String,
    grants: Cache<GrantKey, bool>,
    /// Bumped whenever an RBAC object changes in a shared cluster; open streams re-check then.
    rbac_changes: watch::Sender<u64>,
    /// Clusters whose RBAC objects are being watched.
    rbac_watched: Mutex<HashSet<String>>,
}

/// What a stream served from the shared cache re-checks.
#[derive(Clone)]
pub struct AccessCheck {
    /// The user's own audience (never the reader's).
    pub audience: Audience,
    pub client: kube::Client,
    pub group: String,
    pub plural: String,
    pub namespace: String,
}

impl SharedCache {
    /// Shared mode for `clusters` (comma-separated; empty = off), reading as `reader`.
    pub fn new(clusters: &str, reader: &str) -> Self {
        SharedCache {
            clusters: clusters.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
            reader: reader.to_string(),
            grants: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(RECHECK)
                .support_invalidation_closures()
                .build(),
            rbac_changes: watch::channel(0).0,
            rbac_watched: Mutex::default(),
        }
    }

    /// Changes when RBAC changed in a shared cluster (see `watch_rbac`).
    pub fn rbac_changes(&self) -> watch::Receiver<u64> {
        self.rbac_changes.subscribe()
    }

    /// Starts watching `cluster`'s Roles, RoleBindings, ClusterRoles and ClusterRoleBindings
    /// with `client` (the reader identity: the server's own credential may only impersonate)
    /// unless that runs already. Any change drops the cluster's cached answers and makes open
    /// streams re-check at once instead of at their next 30 s tick. Without `list`+`watch` on
    /// RBAC objects the watches log a warning and the 30 s re-check stays the only one.
    pub fn watch_rbac(self: &Arc<Self>, cluster: &str, client: kube::Client) {
        let first = self.rbac_watched.lock().unwrap_or_else(|p| p.into_inner()).insert(cluster.to_string());
        if !first {
            return;
        }
        let runtime = super::hub::upstream_runtime();
        runtime.spawn(watch_kind::<Role>(self.clone(), cluster.to_string(), client.clone()));
        runtime.spawn(watch_kind::<RoleBinding>(self.clone(), cluster.to_string(), client.clone()));
        runtime.spawn(watch_kind::<ClusterRole>(self.clone(), cluster.to_string(), client.clone()));
        runtime.spawn(watch_kind::<ClusterRoleBinding>(self.clone(), cluster.to_string(), client));
    }

    fn rbac_changed(&self, cluster: &str) {
        let cluster = cluster.to_string();
        // Only fails when the cache was built without invalidation closures, which it is not.
        let _ = self.grants.invalidate_entries_if(move |key, _| key.0.cluster() == cluster);
        self.rbac_changes.send_modify(|n| *n += 1);
    }

    /// Whether `kind` in `cluster` is served from the shared cache.
    pub fn applies(&self, cluster: &str, kind: &Kind) -> bool {
        !kind.is_secret() && self.clusters.contains(cluster)
    }

    /// The audience the shared upstream watches of `cluster` run as.
    pub fn reader(&self, cluster: &str) -> Audience {
        Audience::shared_reader(cluster, &self.reader)
    }

    /// Ok when the user behind `check` may list and watch; 403 otherwise. `fresh` skips the cache.
    pub async fn authorize(&self, check: &AccessCheck, fresh: bool) -> Result<(), ApiError> {
        let key = (check.audience.clone(), check.group.clone(), check.plural.clone(), check.namespace.clone());
        let allowed = match self.grants.get(&key).filter(|_| !fresh) {
            Some(allowed) => allowed,
            None => {
                let allowed = review(check, "list").await? && review(check, "watch").await?;
                self.grants.insert(key, allowed);
                allowed
            }
        };
        if allowed {
            Ok(())
        } else {
            let scope = if check.namespace.is_empty() { "all namespaces".to_string() } else { check.namespace.clone() };
            Err(ApiError::Forbidden(format!("you may not list and watch {} in {scope}", check.plural)))
        }
    }
}

/// Watches one RBAC kind cluster-wide for as long as the server runs, from "now" (a
/// one-item list gives the resourceVersion), re-opening after timeouts and errors.
async fn watch_kind<K>(shared: Arc<SharedCache>, cluster: String, client: kube::Client)
where
    K: kube::Resource<DynamicType = ()> + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    let api: Api<K> = Api::all(client);
    let kind = K::kind(&());
    let mut backoff = Duration::from_secs(1);
    let mut rv = String::new();
    loop {
        if rv.is_empty() {
            match api.list_metadata(&ListParams::default().limit(1)).await {
                Ok(list) => rv = list.metadata.resource_version.unwrap_or_default(),
                Err(e) => {
                    tracing::warn!(cluster = %cluster, kind = %kind, error = %e, "shared cache: cannot watch RBAC; re-checks stay every 30 s");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(300));
                    continue;
                }
            }
        }
        let events = match api.watch(&WatchParams::default().timeout(290), &rv).await {
            Ok(events) => events,
            Err(_) => {
                rv.clear();
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        let mut events = std::pin::pin!(events);
        while let Some(event) = events.next().await {
            match event {
                Ok(WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o)) => {
                    backoff = Duration::from_secs(1);
                    rv = o.meta().resource_version.clone().unwrap_or_default();
                    shared.rbac_changed(&cluster);
                }
                Ok(WatchEvent::Bookmark(b)) => rv = b.metadata.resource_version,
                // 410 and friends: start again from "now"; a change in between is caught by
                // the 30 s re-check at worst.
                Ok(WatchEvent::Error(_)) | Err(_) => {
                    rv.clear();
                    break;
                }
            }
        }
    }
}

async fn review(check: &AccessCheck, verb: &str) -> Result<bool, ApiError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(check.group.clone()),
                resource: Some(check.plural.clone()),
                namespace: Some(check.namespace.clone()).filter(|ns| !ns.is_empty()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(check.client.clone());
    let created = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| ApiError::from_kube(check.audience.cluster(), e))?;
    Ok(created.status.is_some_and(|s| s.allowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_other_clusters_are_never_shared() {
        let shared = SharedCache::new("alpha, beta", "reader");
        let kind = |group: &str, plural: &str| Kind {
            api: kube::discovery::ApiResource {
                group: group.into(),
                version: "v1".into(),
                api_version: "v1".into(),
                kind: "X".into(),
                plural: plural.into(),
            },
            scope: crate::resources::kinds::Scope::Namespaced,
            spec: None,
            verbs: Vec::new(),
            printer: None,
        };
        assert!(shared.applies("alpha", &kind("", "configmaps")));
        assert!(shared.applies("beta", &kind("", "pods")));
        assert!(!shared.applies("alpha", &kind("", "secrets")));
        assert!(!shared.applies("gamma", &kind("", "pods")));
        assert!(!SharedCache::new("", "reader").applies("alpha", &kind("", "pods")));
    }
}
