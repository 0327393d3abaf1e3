//! The client factory: the load-bearing seam between "who is asking" and "which cluster".
//! Clients are cached per `Audience` (cluster and impersonated identity) and connection pool,
//! and never built per request.

use std::{sync::Arc, time::Duration};

use moka::sync::Cache;

use super::connection::{ClusterConnection, ConnectionError, Pool};
use crate::audience::Audience;

/// Cache key: who the client acts as, where, and over which connection pool.
type Key = (Audience, Pool);

/// Hands out impersonating clients, built once per identity and reused.
pub struct ClientFactory {
    clients: Cache<Key, kube::Client>,
}

impl Default for ClientFactory {
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(10 * 60))
    }
}

impl ClientFactory {
    /// A factory keeping at most `capacity` clients, each dropped after `idle` without use.
    pub fn new(capacity: u64, idle: Duration) -> Self {
        ClientFactory { clients: Cache::builder().max_capacity(capacity).time_to_idle(idle).build() }
    }

    /// The client acting as `audience` over `connection` (its cluster's) and `pool`; built on
    /// first use, then shared.
    pub fn client(
        &self,
        audience: &Audience,
        connection: &ClusterConnection,
        pool: Pool,
    ) -> Result<kube::Client, ConnectionError> {
        self.clients
            .entry((audience.clone(), pool))
            .or_try_insert_with(|| connection.client_for(audience.impersonation(), pool))
            .map(|e| e.into_value())
            .map_err(|e: Arc<ConnectionError>| ConnectionError::from_message(e.to_string()))
    }

    /// How many clients are cached now (for tests and metrics).
    pub fn cached_clients(&self) -> u64 {
        self.clients.run_pending_tasks();
        self.clients.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_client_per_identity_and_cluster() {
        let config = kube::Config::new("https://127.0.0.1:1".parse().expect("uri"));
        let connection = ClusterConnection::new("alpha", config, None, None).expect("connection");
        let factory = ClientFactory::default();
        let get = |audience: Audience, pool| factory.client(&audience, &connection, pool).expect("client");
        for _ in 0..3 {
            get(Audience::for_test("alpha", "alice", &["periscope-tier:read"]), Pool::Requests);
        }
        assert_eq!(factory.cached_clients(), 1);
        get(Audience::for_test("alpha", "alice", &["periscope-tier:write"]), Pool::Requests);
        get(Audience::for_test("alpha", "alice", &["periscope-tier:write", "periscope-x"]), Pool::Requests);
        get(Audience::for_test("alpha", "bob", &["periscope-tier:read"]), Pool::Requests);
        get(Audience::shared_reader("alpha", "alice"), Pool::Requests);
        get(Audience::for_test("beta", "alice", &["periscope-tier:read"]), Pool::Requests);
        assert_eq!(factory.cached_clients(), 6, "audiences differing in one group never share a client");
        get(Audience::for_test("beta", "alice", &["periscope-tier:read"]), Pool::Watches);
        assert_eq!(factory.cached_clients(), 7, "watches get their own client");
    }
}
