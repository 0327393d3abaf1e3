//! The client factory: the load-bearing seam between "who is asking" and "which cluster".
//! Clients are cached per (cluster, impersonated user, sorted groups) and never built per request.

use std::{sync::Arc, time::Duration};

use moka::sync::Cache;

use super::connection::{ClusterConnection, ConnectionError, Pool};
use crate::authz::Impersonation;

/// Cache key: cluster name, the impersonated identity (`None` = the backend's own credential)
/// and the connection pool.
type Key = (Arc<str>, Option<Impersonation>, Pool);

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

    /// The client for `cluster` acting as `as_user`; built on first use, then shared.
    pub fn client(
        &self,
        cluster: &Arc<str>,
        connection: &ClusterConnection,
        as_user: Option<&Impersonation>,
    ) -> Result<kube::Client, ConnectionError> {
        self.client_over(cluster, connection, as_user, Pool::Requests)
    }

    /// Like `client`, over the given connection pool.
    pub fn client_over(
        &self,
        cluster: &Arc<str>,
        connection: &ClusterConnection,
        as_user: Option<&Impersonation>,
        pool: Pool,
    ) -> Result<kube::Client, ConnectionError> {
        let key = (cluster.clone(), as_user.cloned(), pool);
        self.clients
            .entry(key)
            .or_try_insert_with(|| connection.client_for(as_user, pool))
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

    fn who(user: &str, groups: &[&str]) -> Impersonation {
        Impersonation { user: user.into(), groups: groups.iter().map(|g| g.to_string()).collect() }
    }

    #[tokio::test]
    async fn one_client_per_identity_and_cluster() {
        let config = kube::Config::new("https://127.0.0.1:1".parse().expect("uri"));
        let connection = ClusterConnection::new("alpha", config).expect("connection");
        let factory = ClientFactory::default();
        let alpha: Arc<str> = Arc::from("alpha");
        let beta: Arc<str> = Arc::from("beta");
        for _ in 0..3 {
            factory.client(&alpha, &connection, Some(&who("alice", &["periscope-tier:read"]))).expect("client");
        }
        assert_eq!(factory.cached_clients(), 1);
        factory.client(&alpha, &connection, Some(&who("alice", &["periscope-tier:write"]))).expect("client");
        factory.client(&alpha, &connection, Some(&who("bob", &["periscope-tier:read"]))).expect("client");
        factory.client(&alpha, &connection, None).expect("client");
        factory.client(&beta, &connection, None).expect("client");
        assert_eq!(factory.cached_clients(), 5);
        factory.client_over(&beta, &connection, None, Pool::Watches).expect("client");
        assert_eq!(factory.cached_clients(), 6, "watches get their own client");
    }
}
