//! Shared cache mode (opt-in per cluster): one upstream watch per (cluster, kind, namespace,
//! selector) under a dedicated reader identity, shared by every user. A user is served from it
//! only while a SelfSubjectAccessReview — made with the user's own impersonating client, so
//! the apiserver decides — says they may `list` and `watch` that kind in that scope. Answers
//! are cached 30 s; open streams re-check every 30 s and close with `error` `E_FORBIDDEN`
//! when access is gone. Secrets are never served from the shared cache.

use std::{collections::HashSet, time::Duration};

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, PostParams};
use moka::sync::Cache;

use crate::{authz::Impersonation, error::ApiError, resources::catalog::Kind};

/// How long an access answer is trusted, and how often open streams ask again.
pub const RECHECK: Duration = Duration::from_secs(30);
/// The identity part of a hub key for shared stores (never a real user's key: it has a NUL first).
pub const SHARED_IDENTITY: &str = "\u{0}shared-cache-reader";

/// (identity key, cluster, group, plural, namespace).
type GrantKey = (String, String, String, String, String);

/// Which clusters serve from the shared cache, as whom, and the cached access answers.
pub struct SharedCache {
    clusters: HashSet<String>,
    reader: String,
    grants: Cache<GrantKey, bool>,
}

/// What a stream served from the shared cache re-checks.
#[derive(Clone)]
pub struct AccessCheck {
    pub identity: String,
    pub client: kube::Client,
    pub cluster: String,
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
            grants: Cache::builder().max_capacity(100_000).time_to_live(RECHECK).build(),
        }
    }

    /// Whether `kind` in `cluster` is served from the shared cache.
    pub fn applies(&self, cluster: &str, kind: &Kind) -> bool {
        let secrets = kind.api.group.is_empty() && kind.api.plural == "secrets";
        !secrets && self.clusters.contains(cluster)
    }

    /// The identity the shared upstream watches impersonate.
    pub fn reader(&self) -> Impersonation {
        Impersonation { user: self.reader.clone(), groups: Vec::new() }
    }

    /// Ok when the user behind `check` may list and watch; 403 otherwise. `fresh` skips the cache.
    pub async fn authorize(&self, check: &AccessCheck, fresh: bool) -> Result<(), ApiError> {
        let key = (
            check.identity.clone(),
            check.cluster.clone(),
            check.group.clone(),
            check.plural.clone(),
            check.namespace.clone(),
        );
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
    let created =
        api.create(&PostParams::default(), &review).await.map_err(|e| ApiError::from_kube(&check.cluster, e))?;
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
