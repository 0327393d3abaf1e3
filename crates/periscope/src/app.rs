//! The route table — the index of every URL Periscope answers — and the shared state.

use std::sync::Arc;

use axum::{
    Router,
    handler::Handler,
    http::{Method, Uri},
    middleware,
    response::{IntoResponse, Response},
    routing::{MethodFilter, MethodRouter, get, on},
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer, CompressionLevel,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
};

use crate::{
    audience::Audience,
    auth::sessions::Sessions,
    clusters::Registry,
    config::auth::AuthConfig,
    error::ApiError,
    http::{
        authn, impersonation_guard, metrics, origin_guard, request_id,
        timeouts::{self, Timeouts},
    },
    identity::Identity,
    kube::{ClientFactory, Pool},
    routes::{audit, auth as auth_routes, clusters, console, object_ops::ObjectOp, resources, session, system},
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
    /// The audit trail every privileged action writes to.
    pub audit: Arc<crate::audit::Audit>,
    /// Signed-in sessions (OIDC mode only).
    pub sessions: Option<Arc<Sessions>>,
    /// Origins accepted for mutations besides the request's own host.
    pub allowed_origins: Arc<Vec<String>>,
    /// Resolves `group/version/resource` URL segments to kinds, per cluster (built-ins and discovery).
    pub kinds: Arc<crate::resources::catalog::KindCatalog>,
    /// Caches of the aggregating routes (can-i, OpenAPI, fleet).
    pub caches: Arc<crate::routes::cache::OverviewCaches>,
    /// Snapshots of full lists that sorted, searched and paged lists are served from.
    pub lists: Arc<crate::resources::list::ListSnapshots>,
    /// metrics-server usage read as the caller, held a few seconds (usage route, list columns).
    pub usage: Arc<crate::usage::UsageCache>,
    /// The watch engine: shared upstream watches and their stores behind the live streams.
    pub watch: Arc<crate::watch::Hub>,
    /// Shared upstream log follow streams and their limits.
    pub logs: Arc<crate::logs::LogHub>,
    /// Exec sessions: settings, the open sessions, recordings.
    pub exec: Arc<crate::exec::Exec>,
    /// Personal access tokens for the Kubernetes API proxy.
    pub tokens: Arc<crate::auth::tokens::Tokens>,
    /// The Kubernetes API proxy's limits.
    pub proxy: crate::proxy::ProxySettings,
    /// The agent tunnel: CA, registration tokens, open tunnels.
    pub agents: Arc<crate::agent::Agents>,
    /// Fetches Helm charts from repositories, behind the SSRF guard.
    pub charts: crate::helm::repo::Fetcher,
    /// This server's own address (`http://127.0.0.1:port`) once it listens: Helm writes run the
    /// helm binary against the proxy here.
    pub self_url: Arc<String>,
}

impl AppState {
    /// The audience `user` acts as in `cluster` under the configured authz mode; 404 for an
    /// unknown cluster. The one place handlers get the key of what a user may see.
    pub fn audience(&self, cluster: &str, user: &Identity) -> Result<Audience, ApiError> {
        let entry = self.registry.get(cluster).ok_or_else(|| ApiError::ClusterNotFound(cluster.to_string()))?;
        Ok(Audience::of_user(&self.auth.authz, &entry.name, user))
    }

    /// The cached client acting as `audience` over `pool`.
    pub fn client(&self, audience: &Audience, pool: Pool) -> Result<kube::Client, ApiError> {
        let cluster = audience.cluster();
        let entry = self.registry.get(cluster).ok_or_else(|| ApiError::ClusterNotFound(cluster.to_string()))?;
        self.clients
            .client(audience, &entry.connection, pool)
            .map_err(|e| ApiError::Internal(format!("client for {cluster}: {e}")))
    }

    /// The cached client for `cluster` acting as `user` under the configured authz mode.
    pub fn client_for(&self, cluster: &str, user: &Identity) -> Result<kube::Client, ApiError> {
        self.client(&self.audience(cluster, user)?, Pool::Requests)
    }

    /// The kind at `group/version/resource` in `cluster` plus a client acting as `user` there.
    pub async fn kind_and_client(
        &self,
        cluster: &str,
        user: &Identity,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Result<(crate::resources::catalog::Kind, kube::Client), ApiError> {
        self.kind_and_client_as(&self.audience(cluster, user)?, group, version, resource).await
    }

    /// The kind at `group/version/resource` for `audience` plus a client acting as it.
    pub async fn kind_and_client_as(
        &self,
        audience: &Audience,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Result<(crate::resources::catalog::Kind, kube::Client), ApiError> {
        let client = self.client(audience, Pool::Requests)?;
        let kind = self.kinds.resolve(audience, &client, group, version, resource).await?;
        Ok((kind, client))
    }
}

/// One `/api` route: its path (relative to `/api`), the methods it answers, its handler.
pub struct ApiRoute {
    pub path: &'static str,
    pub methods: Vec<Method>,
    pub handler: MethodRouter<AppState>,
}

fn api<H, T>(path: &'static str, methods: &[Method], handler: H) -> ApiRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = methods
        .iter()
        // The table below is static; a method axum cannot route is a typo worth crashing for.
        .map(|m| {
            MethodFilter::try_from(m.clone()).unwrap_or_else(|_| panic!("unroutable method {m} in the route table"))
        })
        .reduce(MethodFilter::or)
        .expect("every route has a method");
    ApiRoute { path, methods: methods.to_vec(), handler: on(filter, handler) }
}

/// **The route table**: every `/api` URL Periscope answers. Authentication is enforced for all
/// of them by `http::authn` except the public allow-list there; tests enumerate this table.
pub fn api_routes() -> Vec<ApiRoute> {
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const DELETE: Method = Method::DELETE;
    vec![
        api("/auth/config", &[GET], session::auth_config),
        api("/auth/login", &[GET], auth_routes::login),
        api("/auth/callback", &[GET], auth_routes::callback),
        api("/auth/logout", &[GET, POST], auth_routes::logout),
        api("/auth/logout/everywhere", &[GET, POST], auth_routes::logout_everywhere),
        api("/auth/loggedout", &[GET], auth_routes::logged_out),
        api("/auth/whoami", &[GET], session::auth_whoami),
        api("/whoami", &[GET], session::whoami),
        api("/features", &[GET], system::features),
        api("/clusters", &[GET], clusters::list),
        api("/clusters/{cluster}/resources/{group}/{version}/{resource}", &[GET], resources::list),
        // One handler per segment count: `{a}/{b}` is a namespaced object or a cluster-scoped
        // object's sub-path, told apart by the kind's scope (see routes::objects). Their methods
        // are those of the operations with that many sub-path segments (routes::object_ops).
        api(
            "/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}",
            &ObjectOp::methods(&[0]),
            crate::routes::objects::object,
        ),
        api(
            "/clusters/{cluster}/resources/{group}/{version}/{resource}/{a}/{b}",
            &ObjectOp::methods(&[0, 1]),
            crate::routes::objects::object_or_sub,
        ),
        api(
            "/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/{sub}",
            &ObjectOp::methods(&[1]),
            crate::routes::objects::namespaced_sub,
        ),
        api(
            "/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/{sub}/{key}",
            &ObjectOp::methods(&[2]),
            crate::routes::objects::secret_key,
        ),
        api("/audit", &[GET], audit::list),
        api("/audit/timeline", &[GET], audit::timeline),
        api("/audit/export", &[GET], audit::export),
        api("/audit/chain", &[GET], audit::chain),
        api("/fleet", &[GET], crate::routes::fleet::fleet),
        api("/search", &[GET], crate::routes::search::fleet_search),
        api("/clusters/{cluster}/can-i", &[POST], crate::routes::cani::can_i),
        api("/clusters/{cluster}/audit/bulk-download", &[POST], crate::routes::bulk_download::bulk_download),
        api("/clusters/{cluster}/dashboard", &[GET], crate::routes::dashboard::dashboard),
        api("/clusters/{cluster}/usage/{kind}", &[GET], crate::routes::usage::usage),
        api("/clusters/{cluster}/kinds", &[GET], crate::routes::kinds::kinds),
        api("/clusters/{cluster}/search", &[GET], crate::routes::search::cluster_search),
        api("/clusters/{cluster}/openapi/v3", &[GET], crate::routes::openapi::index),
        api("/clusters/{cluster}/openapi/v3/{*path}", &[GET], crate::routes::openapi::document),
        // Live lists (docs/watch.md). Not under `…/resources/…/{resource}/watch`: that path is
        // the cluster-scoped object route.
        api("/clusters/{cluster}/watch/{group}/{version}/{resource}", &[GET], crate::routes::watch::watch),
        api("/streams", &[GET], crate::routes::streams::open),
        api("/streams/{stream}/subscriptions", &[POST], crate::routes::streams::subscribe),
        api("/streams/{stream}/subscriptions/{subscription}", &[DELETE], crate::routes::streams::unsubscribe),
        api("/debug/streams", &[GET], crate::routes::watch::debug_streams),
        // Exec sessions (docs/api.md, Exec); the terminal itself is the pod's `exec` sub-path.
        api("/exec/sessions", &[GET], crate::routes::exec::sessions),
        api("/exec/sessions/{id}", &[DELETE], crate::routes::exec::terminate),
        api("/exec/recordings", &[GET], crate::routes::exec::recordings),
        api("/exec/recordings/{id}", &[GET], crate::routes::exec::recording),
        api("/metrics", &[GET], crate::routes::metrics::metrics),
        // The Kubernetes API proxy (docs/api.md, Proxy): every method kubectl may send.
        api(
            "/clusters/{cluster}/k8s/{*path}",
            &[GET, POST, Method::PUT, Method::PATCH, DELETE, Method::HEAD, Method::OPTIONS],
            crate::routes::proxy::proxy,
        ),
        ApiRoute {
            path: "/tokens",
            methods: vec![GET, POST],
            handler: get(crate::routes::tokens::list).post(crate::routes::tokens::create),
        },
        api("/tokens/{id}", &[DELETE], crate::routes::tokens::revoke),
        // The agent tunnel (docs/api.md, Agents).
        api("/agents", &[GET], crate::routes::agents::list),
        api("/agents/tokens", &[POST], crate::routes::agents::create_token),
        api("/agents/register", &[POST], crate::routes::agents::register),
        // Helm releases, read as the user (docs/api.md, Helm).
        api("/clusters/{cluster}/helm/releases", &[GET], crate::routes::helm::list),
        ApiRoute {
            path: "/clusters/{cluster}/helm/releases/{namespace}/{name}",
            methods: vec![GET, DELETE],
            handler: get(crate::routes::helm::detail).delete(crate::routes::helm_write::uninstall),
        },
        api(
            "/clusters/{cluster}/helm/releases/{namespace}/{name}/rollback",
            &[POST],
            crate::routes::helm_write::rollback,
        ),
        api(
            "/clusters/{cluster}/helm/releases/{namespace}/{name}/upgrade",
            &[POST],
            crate::routes::helm_write::upgrade,
        ),
        api(
            "/clusters/{cluster}/helm/releases/{namespace}/{name}/upgrade-preview",
            &[POST],
            crate::routes::helm_write::upgrade_preview,
        ),
        api("/clusters/{cluster}/helm/install", &[POST], crate::routes::helm_write::install),
        api("/clusters/{cluster}/helm/install-preview", &[POST], crate::routes::helm_write::install_preview),
        api("/clusters/{cluster}/helm/charts/versions", &[GET], crate::routes::helm_write::chart_versions),
        api("/clusters/{cluster}/helm/charts/values", &[GET], crate::routes::helm_write::chart_values),
        api("/clusters/{cluster}/helm/releases/{namespace}/{name}/history", &[GET], crate::routes::helm::history),
        api("/clusters/{cluster}/helm/releases/{namespace}/{name}/diff", &[GET], crate::routes::helm::diff),
        api("/clusters/{cluster}/helm/releases/{namespace}/{name}/drift", &[GET], crate::routes::helm::drift),
        api("/kubeconfig", &[GET], crate::routes::tokens::kubeconfig),
    ]
}

/// Builds the whole HTTP application, with `timeouts` for every route but event streams.
pub fn router(state: AppState, timeouts: Timeouts) -> Router {
    let authenticator =
        authn::Authenticator::new(state.auth.mode, state.auth.dev_identity.clone(), state.sessions.clone())
            .with_tokens(state.tokens.clone());
    let origins = origin_guard::AllowedOrigins(state.allowed_origins.clone());
    let mut api_router = Router::new();
    for route in api_routes() {
        api_router = api_router.route(route.path, route.handler);
    }
    let api_router = api_router.fallback(api_not_found).method_not_allowed_fallback(method_not_allowed);

    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .nest("/api", api_router)
        .fallback(console::shell)
        .with_state(state)
        // Outermost first: ids and access logs see everything, so do the request metrics
        // (labelled by the route template: `Router::layer` runs after routing), responses are
        // gzipped for clients that ask (fastest level: lists are large and mostly repeated keys;
        // the default predicate leaves event streams and tiny bodies alone), panics become
        // envelopes, requests get their deadlines (authentication included: it may wait on the
        // session store), impersonation headers are gone and cross-origin mutations refused
        // before authentication and routing.
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(request_id::layer))
                .layer(middleware::from_fn(metrics::layer))
                .layer(
                    CompressionLayer::new()
                        .gzip(true)
                        .quality(CompressionLevel::Fastest)
                        // Gzip log downloads are compressed already.
                        .compress_when(
                            DefaultPredicate::new()
                                .and(NotForContentType::const_new("application/gzip"))
                                .and(NotProxied),
                        ),
                )
                .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
                .layer(middleware::from_fn_with_state(timeouts, timeouts::layer))
                .layer(middleware::from_fn(impersonation_guard::layer))
                .layer(middleware::from_fn_with_state(origins, origin_guard::layer))
                .layer(middleware::from_fn_with_state(authenticator, authn::layer)),
        )
}

/// Leaves the Kubernetes API proxy's answers as the apiserver sent them (a watch would stall
/// in the compressor).
#[derive(Clone, Copy)]
struct NotProxied;

impl Predicate for NotProxied {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<crate::proxy::forward::Uncompressed>().is_none()
    }
}

/// Answers an unknown `/api` path.
pub async fn api_not_found(uri: Uri) -> Response {
    ApiError::RouteNotFound(uri.path().to_string()).into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    ApiError::MethodNotAllowed(method.to_string()).into_response()
}
