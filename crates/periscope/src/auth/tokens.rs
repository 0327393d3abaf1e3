//! Personal access tokens for the Kubernetes API proxy: issued to a signed-in user for some
//! clusters and a bounded time, shown once, stored only as a hash. A token carries the identity
//! its user had when it was issued and authenticates nothing but `/api/clusters/{c}/k8s/…` of
//! its clusters.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use serde::Serialize;

use super::{
    crypto::{random_token, sha256_hex},
    store::StoreError,
};
use crate::identity::Identity;

/// What every token's secret starts with (recognisable in logs and by secret scanners).
pub const TOKEN_PREFIX: &str = "pst_";
/// Longest token name.
const MAX_NAME: usize = 100;
/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A token as stored and listed (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    /// Public id (for listing and revoking).
    pub id: String,
    /// SHA-256 of the secret.
    #[serde(skip)]
    pub hash: String,
    pub name: String,
    pub subject: String,
    pub email: String,
    pub groups: Vec<String>,
    pub clusters: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

impl TokenRecord {
    /// The identity the token acts as.
    pub fn identity(&self) -> Identity {
        Identity { subject: self.subject.clone(), email: self.email.clone(), groups: self.groups.clone() }
    }

    /// Whether it may be used on `cluster`.
    pub fn allows(&self, cluster: &str) -> bool {
        self.clusters.iter().any(|c| c == cluster)
    }
}

/// Where tokens live: beside the sessions (memory, or PostgreSQL shared by replicas).
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Tokens of `subject`, or every token for `None`.
    async fn list_tokens(&self, subject: Option<&str>) -> Result<Vec<TokenRecord>, StoreError>;
    /// Deletes token `id` (only if it is `subject`'s, unless `None`); whether one was deleted.
    async fn delete_token(&self, id: &str, subject: Option<&str>) -> Result<bool, StoreError>;
    async fn delete_subject_tokens(&self, subject: &str) -> Result<u64, StoreError>;
    async fn touch_token(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// Deletes expired tokens.
    async fn sweep_tokens(&self, now: i64) -> Result<u64, StoreError>;
}

/// The single-replica token store.
#[derive(Default)]
pub struct MemoryTokens(Mutex<HashMap<String, TokenRecord>>);

impl MemoryTokens {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenRecord>> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryTokens {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.lock().insert(token.hash.clone(), token.clone());
        Ok(())
    }
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.lock().get(hash).cloned())
    }
    async fn list_tokens(&self, subject: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let mut tokens: Vec<TokenRecord> =
            self.lock().values().filter(|t| subject.is_none_or(|s| t.subject == s)).cloned().collect();
        tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        Ok(tokens)
    }
    async fn delete_token(&self, id: &str, subject: Option<&str>) -> Result<bool, StoreError> {
        let mut tokens = self.lock();
        let before = tokens.len();
        tokens.retain(|_, t| !(t.id == id && subject.is_none_or(|s| t.subject == s)));
        Ok(tokens.len() < before)
    }
    async fn delete_subject_tokens(&self, subject: &str) -> Result<u64, StoreError> {
        let mut tokens = self.lock();
        let before = tokens.len();
        tokens.retain(|_, t| t.subject != subject);
        Ok((before - tokens.len()) as u64)
    }
    async fn touch_token(&self, id: &str, now: i64) -> Result<(), StoreError> {
        if let Some(t) = self.lock().values_mut().find(|t| t.id == id) {
            t.last_used_at = Some(now);
        }
        Ok(())
    }
    async fn sweep_tokens(&self, now: i64) -> Result<u64, StoreError> {
        let mut tokens = self.lock();
        let before = tokens.len();
        tokens.retain(|_, t| t.expires_at > now);
        Ok((before - tokens.len()) as u64)
    }
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Issuing, resolving and revoking tokens.
pub struct Tokens {
    store: std::sync::Arc<dyn TokenStore>,
    /// The longest lifetime a token may ask for (and the default).
    pub max_ttl: Duration,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Tokens {
    /// Tokens in `store`, living at most `max_ttl`.
    pub fn new(store: std::sync::Arc<dyn TokenStore>, max_ttl: Duration) -> Self {
        Tokens { store, max_ttl }
    }

    /// A new token for `user` on `clusters` (known cluster names, checked by the caller):
    /// its secret (shown once) and its record.
    pub async fn issue(
        &self,
        user: &Identity,
        name: &str,
        clusters: Vec<String>,
        ttl: Option<Duration>,
    ) -> Result<(String, TokenRecord), IssueError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            return Err(IssueError::Invalid(format!("name must be 1–{MAX_NAME} printable characters")));
        }
        if clusters.is_empty() {
            return Err(IssueError::Invalid("clusters must name at least one cluster".into()));
        }
        let ttl = ttl.unwrap_or(self.max_ttl);
        if ttl.is_zero() || ttl > self.max_ttl {
            return Err(IssueError::Invalid(format!(
                "ttlSeconds must be between 1 and {} (the configured maximum)",
                self.max_ttl.as_secs()
            )));
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_token(32));
        let created_at = now();
        let record = TokenRecord {
            id: random_token(9),
            hash: sha256_hex(&secret),
            name: name.to_string(),
            subject: user.subject.clone(),
            email: user.email.clone(),
            groups: user.groups.clone(),
            clusters,
            created_at,
            expires_at: created_at + ttl.as_secs() as i64,
            last_used_at: None,
        };
        self.store.insert_token(&record).await?;
        Ok((secret, record))
    }

    /// The live token whose secret is `secret` (expired and unknown ones are `None`).
    pub async fn resolve(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some(token) = self.store.token_by_hash(&sha256_hex(secret)).await? else { return Ok(None) };
        let now = now();
        if token.expires_at <= now {
            return Ok(None);
        }
        if token.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_SECONDS) {
            self.store.touch_token(&token.id, now).await?;
        }
        Ok(Some(token))
    }

    /// Live tokens of `subject` (every user's for `None`).
    pub async fn list(&self, subject: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let now = now();
        Ok(self.store.list_tokens(subject).await?.into_iter().filter(|t| t.expires_at > now).collect())
    }

    /// Revokes token `id` (of `subject` only, unless `None`).
    pub async fn revoke(&self, id: &str, subject: Option<&str>) -> Result<bool, StoreError> {
        self.store.delete_token(id, subject).await
    }

    /// Revokes every token of `subject` (sign out everywhere).
    pub async fn revoke_all(&self, subject: &str) -> Result<u64, StoreError> {
        self.store.delete_subject_tokens(subject).await
    }

    /// Deletes expired tokens.
    pub async fn sweep(&self) -> Result<u64, StoreError> {
        self.store.sweep_tokens(now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Identity {
        Identity { subject: "alice".into(), email: "a@x".into(), groups: vec!["dev".into()] }
    }

    #[tokio::test]
    async fn a_token_resolves_by_its_secret_only_until_revoked() {
        let tokens = Tokens::new(std::sync::Arc::new(MemoryTokens::default()), Duration::from_secs(3600));
        let (secret, record) = tokens.issue(&alice(), "laptop", vec!["alpha".into()], None).await.expect("issued");
        assert!(secret.starts_with(TOKEN_PREFIX));
        assert_ne!(record.hash, secret, "only the hash is kept");
        assert_eq!(record.expires_at - record.created_at, 3600);
        let found = tokens.resolve(&secret).await.expect("store").expect("live");
        assert_eq!(found.identity(), alice());
        assert!(found.allows("alpha") && !found.allows("beta"));
        assert!(tokens.resolve("pst_nope").await.expect("store").is_none());
        assert!(tokens.resolve("nope").await.expect("store").is_none());
        assert!(!tokens.revoke(&record.id, Some("bob")).await.expect("store"), "only its owner");
        assert!(tokens.revoke(&record.id, Some("alice")).await.expect("store"));
        assert!(tokens.resolve(&secret).await.expect("store").is_none());
    }

    #[tokio::test]
    async fn bad_requests_are_refused_and_ttls_are_bounded() {
        let tokens = Tokens::new(std::sync::Arc::new(MemoryTokens::default()), Duration::from_secs(60));
        let issue = |name: &'static str, clusters: Vec<String>, ttl: Option<u64>| {
            let tokens = &tokens;
            async move { tokens.issue(&alice(), name, clusters, ttl.map(Duration::from_secs)).await }
        };
        assert!(matches!(issue("", vec!["a".into()], None).await, Err(IssueError::Invalid(_))));
        assert!(matches!(issue("x", vec![], None).await, Err(IssueError::Invalid(_))));
        assert!(matches!(issue("x", vec!["a".into()], Some(61)).await, Err(IssueError::Invalid(_))));
        assert!(matches!(issue("x", vec!["a".into()], Some(0)).await, Err(IssueError::Invalid(_))));
        assert!(issue("x", vec!["a".into()], Some(60)).await.is_ok());
        assert_eq!(tokens.revoke_all("alice").await.expect("store"), 1);
    }
}
