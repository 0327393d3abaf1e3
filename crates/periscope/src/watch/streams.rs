//! Open SSE streams: the per-user limit, and what `/api/debug/streams` lists.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::hub::{Start, Subscription};
use crate::error::ApiError;

/// One open stream as `/api/debug/streams` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfo {
    pub id: String,
    pub user: String,
    /// `kind` for a per-kind stream, `multiplexed` for `/api/streams`.
    pub kind: &'static str,
    /// `cluster/group/version/resource[?namespace][&labelSelector]` per subscription.
    pub subscriptions: Vec<String>,
    pub opened_at: String,
}

/// A subscription on its way to a multiplexed stream's task.
pub struct NewSubscription {
    pub id: String,
    pub sub: Subscription,
    pub start: Start,
    pub permit: Permit,
    pub label: String,
    /// Shared cache mode: the access to re-check while the subscription lives.
    pub access: Option<super::shared::AccessCheck>,
}

/// A subscription whose frames come from elsewhere than the watch engine (the audit trail's
/// live tail): they are sent as they come, under the stream's own rules (budget, removal).
pub struct NewFeed {
    pub id: String,
    pub frames: futures::stream::BoxStream<'static, Vec<bytes::Bytes>>,
    pub permit: Permit,
    pub label: String,
}

/// A request to the task of a multiplexed stream.
pub enum Control {
    Add(Box<NewSubscription>),
    AddFeed(Box<NewFeed>),
    /// Answers whether the subscription existed.
    Remove {
        id: String,
        done: oneshot::Sender<bool>,
    },
}

/// The handle through which subscription requests reach a multiplexed stream.
#[derive(Clone)]
pub struct MuxHandle {
    pub owner: String,
    pub control: mpsc::Sender<Control>,
}

#[derive(Default)]
struct Inner {
    per_user: HashMap<String, usize>,
    streams: HashMap<String, StreamInfo>,
    mux: HashMap<String, MuxHandle>,
}

/// The registry of open streams.
pub struct OpenStreams {
    inner: Mutex<Inner>,
    limit: usize,
}

/// One unit of a user's stream budget; returned on drop.
pub struct Permit {
    streams: Arc<OpenStreams>,
    user: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut inner = self.streams.lock();
        if let Some(n) = inner.per_user.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.per_user.remove(&self.user);
            }
        }
    }
}

/// A registered stream; unregistered on drop.
pub struct Ticket {
    streams: Arc<OpenStreams>,
    id: String,
}

impl Ticket {
    /// The stream's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Records the subscriptions the stream now has.
    pub fn set_subscriptions(&self, subscriptions: Vec<String>) {
        if let Some(info) = self.streams.lock().streams.get_mut(&self.id) {
            info.subscriptions = subscriptions;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.streams.lock();
        inner.streams.remove(&self.id);
        inner.mux.remove(&self.id);
    }
}

impl OpenStreams {
    /// A registry allowing `limit` permits per user (0: unlimited).
    pub fn new(limit: usize) -> Self {
        OpenStreams { inner: Mutex::default(), limit }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update is a single map operation, so a poisoned map is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one unit of `user`'s budget, or refuses with 429.
    pub fn acquire(self: &Arc<Self>, user: &str) -> Result<Permit, ApiError> {
        let mut inner = self.lock();
        let n = inner.per_user.entry(user.to_string()).or_default();
        if self.limit > 0 && *n >= self.limit {
            return Err(ApiError::TooManyRequests(format!(
                "at most {} live streams and subscriptions per user; close some first",
                self.limit
            )));
        }
        *n += 1;
        Ok(Permit { streams: self.clone(), user: user.to_string() })
    }

    /// Registers an open stream (and, for a multiplexed one, its control handle).
    pub fn register(self: &Arc<Self>, info: StreamInfo, mux: Option<MuxHandle>) -> Ticket {
        let mut inner = self.lock();
        let id = info.id.clone();
        if let Some(handle) = mux {
            inner.mux.insert(id.clone(), handle);
        }
        inner.streams.insert(id.clone(), info);
        Ticket { streams: self.clone(), id }
    }

    /// The multiplexed stream `id`, if it is open and owned by `user`.
    pub fn mux(&self, id: &str, user: &str) -> Option<MuxHandle> {
        self.lock().mux.get(id).filter(|h| h.owner == user).cloned()
    }

    /// Every open stream, oldest first.
    pub fn list(&self) -> Vec<StreamInfo> {
        let mut all: Vec<StreamInfo> = self.lock().streams.values().cloned().collect();
        all.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then_with(|| a.id.cmp(&b.id)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_limited_per_user_and_returned_on_drop() {
        let streams = Arc::new(OpenStreams::new(2));
        let a = streams.acquire("ann").expect("first");
        let _b = streams.acquire("ann").expect("second");
        let err = streams.acquire("ann").err().expect("third is refused");
        assert_eq!(err.code(), "E_TOO_MANY_REQUESTS");
        let _other = streams.acquire("bob").expect("another user has their own budget");
        drop(a);
        streams.acquire("ann").expect("a returned permit can be taken again");
    }

    #[test]
    fn zero_means_unlimited() {
        let streams = Arc::new(OpenStreams::new(0));
        let permits: Vec<_> = (0..100).map(|_| streams.acquire("ann").expect("unlimited")).collect();
        assert_eq!(permits.len(), 100);
    }
}
