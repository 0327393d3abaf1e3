//! Where sessions and pending logins live: a trait with an in-memory implementation (the
//! single-replica default) and a PostgreSQL one (sessions shared by replicas, surviving restarts).
//! Stores are dumb: ids arrive hashed and tokens arrive sealed.

use std::{collections::HashMap, sync::Mutex};

use async_trait::async_trait;

/// A signed-in session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    pub subject: String,
    pub email: String,
    pub groups: Vec<String>,
    /// Sealed ID token, kept as `id_token_hint` for RP-initiated logout.
    pub id_token: Option<String>,
    /// Sealed refresh token.
    pub refresh_token: Option<String>,
    /// When the IdP's access token expires (unix seconds); refresh happens before it.
    pub access_expires_at: Option<i64>,
    /// The access token's lifetime at issuance, in seconds (bounds the refresh lead time).
    pub access_lifetime: i64,
    pub created_at: i64,
    pub absolute_expires_at: i64,
    pub last_seen_at: i64,
}

/// A login between `/api/auth/login` and `/api/auth/callback`. Single use.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingLogin {
    /// SHA-256 of the login cookie value.
    pub id_hash: String,
    pub state: String,
    pub nonce: String,
    /// Sealed PKCE verifier.
    pub verifier: String,
    /// Same-origin path to return to after sign-in.
    pub return_to: String,
    pub expires_at: i64,
}

/// Refreshed token material for a session.
#[derive(Debug, Clone)]
pub struct TokenUpdate {
    pub groups: Vec<String>,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub access_expires_at: Option<i64>,
    pub access_lifetime: i64,
}

/// A store failure (the database is down, a row is malformed).
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(pub String);

/// Persistence for sessions and pending logins.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Saves a new session.
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// Loads a session by hashed id.
    async fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Records activity.
    async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError>;
    /// Stores refreshed tokens and releases the refresh claim.
    async fn update_tokens(&self, id_hash: &str, update: &TokenUpdate) -> Result<(), StoreError>;
    /// Ends one session.
    async fn delete(&self, id_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a subject; returns how many.
    async fn delete_subject(&self, subject: &str) -> Result<u64, StoreError>;
    /// Claims the right to refresh a session until `until`; false if someone else holds it.
    async fn try_claim_refresh(&self, id_hash: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Saves a pending login.
    async fn put_login(&self, login: &PendingLogin) -> Result<(), StoreError>;
    /// Removes and returns a pending login (atomically: a second take finds nothing).
    async fn take_login(&self, id_hash: &str) -> Result<Option<PendingLogin>, StoreError>;
    /// Deletes sessions and logins past their absolute expiry; returns how many rows went.
    async fn sweep(&self, now: i64) -> Result<u64, StoreError>;
}

/// Sessions in process memory: lost on restart, single replica only.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    sessions: HashMap<String, SessionRecord>,
    refresh_claims: HashMap<String, i64>,
    logins: HashMap<String, PendingLogin>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A poisoned lock only means another request panicked mid-update of plain maps.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.lock().sessions.insert(session.id_hash.clone(), session.clone());
        Ok(())
    }

    async fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.lock().sessions.get(id_hash).cloned())
    }

    async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        if let Some(s) = self.lock().sessions.get_mut(id_hash) {
            s.last_seen_at = now;
        }
        Ok(())
    }

    async fn update_tokens(&self, id_hash: &str, update: &TokenUpdate) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(s) = inner.sessions.get_mut(id_hash) {
            s.groups = update.groups.clone();
            if update.id_token.is_some() {
                s.id_token = update.id_token.clone();
            }
            if update.refresh_token.is_some() {
                s.refresh_token = update.refresh_token.clone();
            }
            s.access_expires_at = update.access_expires_at;
            s.access_lifetime = update.access_lifetime;
        }
        inner.refresh_claims.remove(id_hash);
        Ok(())
    }

    async fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.sessions.remove(id_hash);
        inner.refresh_claims.remove(id_hash);
        Ok(())
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.sessions.len();
        inner.sessions.retain(|_, s| s.subject != subject);
        Ok((before - inner.sessions.len()) as u64)
    }

    async fn try_claim_refresh(&self, id_hash: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match inner.refresh_claims.get(id_hash) {
            Some(&held_until) if held_until > now => Ok(false),
            _ => {
                inner.refresh_claims.insert(id_hash.to_string(), until);
                Ok(true)
            }
        }
    }

    async fn put_login(&self, login: &PendingLogin) -> Result<(), StoreError> {
        self.lock().logins.insert(login.id_hash.clone(), login.clone());
        Ok(())
    }

    async fn take_login(&self, id_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
        Ok(self.lock().logins.remove(id_hash))
    }

    async fn sweep(&self, now: i64) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.sessions.len() + inner.logins.len();
        inner.sessions.retain(|_, s| s.absolute_expires_at > now);
        inner.logins.retain(|_, l| l.expires_at > now);
        inner.refresh_claims.retain(|_, until| *until > now);
        Ok((before - inner.sessions.len() - inner.logins.len()) as u64)
    }
}

static STORE_SECONDS: crate::telemetry::HistogramVec<2> = crate::telemetry::HistogramVec::new(
    "periscope_session_store_seconds",
    "Time of session store calls, by operation and result.",
    ["op", "result"],
    crate::telemetry::LATENCY_BUCKETS,
);

/// A store that measures every call of the store it wraps (`periscope_session_store_seconds`).
pub struct TimedStore(pub std::sync::Arc<dyn SessionStore>);

async fn timed<T>(
    op: &'static str,
    call: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = std::time::Instant::now();
    let result = call.await;
    STORE_SECONDS.observe([op, if result.is_ok() { "ok" } else { "error" }], started.elapsed());
    result
}

#[async_trait]
impl SessionStore for TimedStore {
    async fn insert(&self, session: &SessionRecord) -> Result<(), StoreError> {
        timed("insert", self.0.insert(session)).await
    }
    async fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        timed("get", self.0.get(id_hash)).await
    }
    async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        timed("touch", self.0.touch(id_hash, now)).await
    }
    async fn update_tokens(&self, id_hash: &str, update: &TokenUpdate) -> Result<(), StoreError> {
        timed("update_tokens", self.0.update_tokens(id_hash, update)).await
    }
    async fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        timed("delete", self.0.delete(id_hash)).await
    }
    async fn delete_subject(&self, subject: &str) -> Result<u64, StoreError> {
        timed("delete_subject", self.0.delete_subject(subject)).await
    }
    async fn try_claim_refresh(&self, id_hash: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        timed("try_claim_refresh", self.0.try_claim_refresh(id_hash, now, until)).await
    }
    async fn put_login(&self, login: &PendingLogin) -> Result<(), StoreError> {
        timed("put_login", self.0.put_login(login)).await
    }
    async fn take_login(&self, id_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
        timed("take_login", self.0.take_login(id_hash)).await
    }
    async fn sweep(&self, now: i64) -> Result<u64, StoreError> {
        timed("sweep", self.0.sweep(now)).await
    }
}
