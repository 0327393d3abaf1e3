//! One cluster's connection: its base credentials, TLS settings and a single HTTP connection
//! pool that every identity's client shares.

use std::{sync::Arc, time::Duration};

use hyper_util::{
    client::legacy::{Client as HyperClient, connect::HttpConnector},
    rt::TokioExecutor,
};
use kube::client::{Body, ClientBuilder, ConfigExt, middleware::AuthLayer};
use tower::{ServiceBuilder, ServiceExt, layer::Layer};

use super::{bearer::BearerLayer, dialer::Dialer, eks::EksTokens, metrics::ApiserverMetricsLayer};
use crate::{agent::tunnel::Tunnels, authz::Impersonation};

type Https = hyper_rustls::HttpsConnector<Dialer>;

/// Why a cluster's connection could not be prepared.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectionError(String);

impl ConnectionError {
    pub(crate) fn from_message(message: String) -> Self {
        ConnectionError(message)
    }
}

/// Which connection pool a client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// Requests made while serving HTTP.
    Requests,
    /// Long-lived upstream watches. Kept apart so their connections are opened, and read, on
    /// the watch engine's own runtime (`watch::hub`), never by a task of the busy HTTP one.
    Watches,
}

/// How requests prove the backend's identity.
enum Credential {
    /// TLS client certificates only: nothing to add to requests.
    None,
    /// What the kube config names: a token, a token file, an exec plugin.
    Kube(Arc<AuthLayer>),
    /// Minted EKS tokens.
    Eks(BearerLayer),
}

/// The shared, per-cluster part of every client: base config, credentials, connection pools.
pub struct ClusterConnection {
    config: kube::Config,
    /// The backend's own credential. Built once so token refresh state is shared by every identity.
    auth: Credential,
    pool: HyperClient<Https, Body>,
    watch_pool: HyperClient<Https, Body>,
    /// Records every request's latency and outcome under the cluster's name.
    metrics: ApiserverMetricsLayer,
}

impl ClusterConnection {
    /// Prepares the pools for cluster `name`'s base config. No network traffic happens here.
    /// With `tunnels`, every connection is a stream through the cluster's agent tunnel; with
    /// `eks`, requests carry its tokens instead of what `config` names.
    pub fn new(
        name: &str,
        config: kube::Config,
        tunnels: Option<Arc<Tunnels>>,
        eks: Option<Arc<EksTokens>>,
    ) -> Result<Self, ConnectionError> {
        let dialer = match tunnels {
            Some(tunnels) => Dialer::Tunnel { cluster: Arc::from(name), tunnels },
            None => {
                let mut http = HttpConnector::new();
                http.enforce_http(false);
                http.set_connect_timeout(config.connect_timeout.or(Some(Duration::from_secs(10))));
                http.set_nodelay(true);
                Dialer::Tcp(http)
            }
        };
        let https = config
            .rustls_https_connector_with_connector(dialer)
            .map_err(|e| ConnectionError(format!("TLS setup failed: {e}")))?;
        let pool =
            |https| HyperClient::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(https);
        let auth = match eks {
            Some(tokens) => Credential::Eks(BearerLayer::new(tokens)),
            None => match config.auth_layer().map_err(|e| ConnectionError(format!("credentials: {e}")))? {
                Some(layer) => Credential::Kube(Arc::new(layer)),
                None => Credential::None,
            },
        };
        let metrics = ApiserverMetricsLayer::new(name);
        Ok(ClusterConnection { config, auth, pool: pool(https.clone()), watch_pool: pool(https), metrics })
    }

    /// The apiserver URL.
    pub fn server_url(&self) -> String {
        self.config.cluster_url.to_string()
    }

    /// Builds a client acting as `as_user` (or as the backend itself for `None`) over the
    /// shared `pool`. Each call spawns the client's worker task, so callers cache the result.
    pub fn client_for(&self, as_user: Option<&Impersonation>, pool: Pool) -> Result<kube::Client, ConnectionError> {
        let mut config = self.config.clone();
        config.auth_info.impersonate = as_user.map(|i| i.user.clone());
        config.auth_info.impersonate_groups = as_user.map(|i| i.groups.clone()).filter(|g| !g.is_empty());
        let headers =
            config.extra_headers_layer().map_err(|e| ConnectionError(format!("impersonation headers: {e}")))?;
        let inner = ServiceBuilder::new()
            .layer(config.base_uri_layer())
            .layer(headers)
            .layer(self.metrics.clone())
            .service(match pool {
                Pool::Requests => self.pool.clone(),
                Pool::Watches => self.watch_pool.clone(),
            })
            .map_err(tower::BoxError::from);
        let client = match &self.auth {
            Credential::Kube(auth) => {
                ClientBuilder::new(auth.layer(inner).map_err(tower::BoxError::from).boxed(), "default").build()
            }
            Credential::Eks(bearer) => ClientBuilder::new(bearer.layer(inner).boxed(), "default").build(),
            Credential::None => ClientBuilder::new(inner.boxed(), "default").build(),
        };
        Ok(client)
    }
}
