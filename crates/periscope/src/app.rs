//! The route table — the index of every URL Periscope answers — and the shared state.

use std::sync::Arc;

use axum::{
    Router,
    http::{Method, Uri},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::{
    clusters::Registry,
    config::auth::AuthConfig,
    error::ApiError,
    http::{authn, impersonation_guard, request_id},
    identity::Identity,
    kube::ClientFactory,
    routes::{clusters, resources, session, system},
};

/// Version information compiled into the binary.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    pub version: &'static str,
    pub commit: &'static str,
}

impl BuildInfo {
    /// This binary's build.
    pub fn current() -> Self {
        BuildInfo { version: env!("CARGO_PKG_VERSION"), commit: option_env!("PERISCOPE_COMMIT").unwrap_or("unknown") }
    }

    /// `stable` for a plain release version, `prerelease` for `x.y.z-…`, `dev` for an unknown commit.
    pub fn channel(&self) -> &'static str {
        if self.commit == "unknown" {
            "dev"
        } else if self.version.contains('-') {
            "prerelease"
        } else {
            "stable"
        }
    }
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub clients: Arc<ClientFactory>,
    pub auth: Arc<AuthConfig>,
    pub build: BuildInfo,
    /// Whether an audit sink is configured (the audit issue wires one).
    pub audit_enabled: bool,
}

impl AppState {
    /// The cached client for `cluster` acting as `user` under the configured authz mode.
    pub fn client_for(&self, cluster: &str, user: &Identity) -> Result<kube::Client, ApiError> {
        let entry = self.registry.get(cluster).ok_or_else(|| ApiError::ClusterNotFound(cluster.to_string()))?;
        let as_user = self.auth.authz.impersonation(user);
        self.clients
            .client(&entry.name, &entry.connection, as_user.as_ref())
            .map_err(|e| ApiError::Internal(format!("client for {cluster}: {e}")))
    }
}

/// Builds the whole HTTP application.
pub fn router(state: AppState) -> Router {
    let authenticator = authn::Authenticator::new(state.auth.mode, state.auth.dev_identity.clone());
    let api = Router::new()
        .route("/auth/config", get(session::auth_config))
        .route("/auth/whoami", get(session::auth_whoami))
        .route("/whoami", get(session::whoami))
        .route("/features", get(system::features))
        .route("/clusters", get(clusters::list))
        .route("/clusters/{cluster}/resources/{group}/{version}/{resource}", get(resources::list))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);

    Router::new()
        .route("/healthz", get(system::healthz))
        .nest("/api", api)
        .fallback(api_not_found)
        .with_state(state)
        // Outermost first: ids and access logs see everything, panics become envelopes,
        // impersonation headers are gone before authentication and routing.
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(request_id::layer))
                .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
                .layer(middleware::from_fn(impersonation_guard::layer))
                .layer(middleware::from_fn_with_state(authenticator, authn::layer)),
        )
}

async fn api_not_found(uri: Uri) -> Response {
    ApiError::RouteNotFound(uri.path().to_string()).into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    ApiError::MethodNotAllowed(method.to_string()).into_response()
}
