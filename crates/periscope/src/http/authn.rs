//! Authentication: decides who the caller is and plants their [`Identity`] in the request.
//! Dev mode gives every request the configured dev identity; OIDC mode resolves the session
//! cookie. Unauthenticated callers of anything but the public allow-list are answered here:
//! a browser navigation is sent to sign in (and back), an API call gets 401 in the envelope.

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, Method, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::cookies::read_cookie;
use crate::{
    auth::{sessions::Sessions, tokens::Tokens},
    config::auth::AuthMode,
    error::ApiError,
    identity::Identity,
};

/// What the authentication layer needs to know.
#[derive(Clone)]
pub struct Authenticator {
    mode: AuthMode,
    dev_identity: Arc<Identity>,
    sessions: Option<Arc<Sessions>>,
    tokens: Option<Arc<Tokens>>,
}

impl Authenticator {
    /// An authenticator for the configured mode; `sessions` is required in OIDC mode.
    pub fn new(mode: AuthMode, dev_identity: Identity, sessions: Option<Arc<Sessions>>) -> Self {
        Authenticator { mode, dev_identity: Arc::new(dev_identity), sessions, tokens: None }
    }

    /// Also accepts personal access tokens on the Kubernetes API proxy.
    pub fn with_tokens(mut self, tokens: Arc<Tokens>) -> Self {
        self.tokens = Some(tokens);
        self
    }
}

/// The cluster of a Kubernetes API proxy path (`/api/clusters/{c}/k8s/…`), the one place a
/// personal access token is accepted.
pub fn proxy_cluster(path: &str) -> Option<&str> {
    let mut segments = path.strip_prefix("/api/clusters/")?.splitn(3, '/');
    let cluster = segments.next().filter(|c| !c.is_empty())?;
    (segments.next() == Some("k8s")).then_some(cluster)
}

/// The bearer credential of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller a personal access token names: `Ok(None)` without one, an error when the token
/// is unknown, expired, revoked or not for `cluster`.
async fn token_caller(tokens: &Tokens, cluster: &str, secret: &str) -> Result<Arc<Identity>, ApiError> {
    let token = tokens
        .resolve(secret)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .ok_or(ApiError::Unauthenticated)?;
    if !token.allows(cluster) {
        return Err(ApiError::Forbidden(format!("this token is not for cluster {cluster}")));
    }
    Ok(Arc::new(token.identity()))
}

/// Paths that answer without a signed-in user. Every other `/api` path requires one.
pub const PUBLIC_PATHS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/api/auth/config",
    "/api/auth/login",
    "/api/auth/callback",
    "/api/auth/loggedout",
    "/api/auth/logout",
    "/api/auth/logout/everywhere",
    // The registration token in the body is the credential.
    "/api/agents/register",
];

/// Whether `path` is on the public allow-list.
pub fn is_public(path: &str) -> bool {
    PUBLIC_PATHS.contains(&path)
}

/// A top-level page load by a browser (as opposed to `fetch` from the app).
fn is_browser_navigation(method: &Method, headers: &HeaderMap) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    header("sec-fetch-mode") == "navigate" || header(header::ACCEPT.as_str()).contains("text/html")
}

/// Middleware: attaches the caller's identity, or answers for an unauthenticated caller.
pub async fn layer(State(auth): State<Authenticator>, mut request: Request, next: Next) -> Response {
    // A token counts only on the proxy (`/api/clusters/{c}/k8s/…`); elsewhere it means nothing.
    // Owned copies: a request body is not `Sync`, so nothing borrowed from it crosses the await.
    let token = auth.tokens.as_ref().and_then(|tokens| {
        let cluster = proxy_cluster(request.uri().path())?;
        Some((tokens.clone(), cluster.to_string(), bearer(request.headers())?.to_string()))
    });
    if let Some((tokens, cluster, secret)) = token {
        match token_caller(&tokens, &cluster, &secret).await {
            Ok(identity) => {
                request.extensions_mut().insert(CurrentUser(identity));
                return next.run(request).await;
            }
            Err(e) => return e.into_response(),
        }
    }
    let mut signed_in = false;
    match (auth.mode, &auth.sessions) {
        (AuthMode::Dev, _) => {
            request.extensions_mut().insert(CurrentUser(auth.dev_identity.clone()));
            signed_in = true;
        }
        (AuthMode::Oidc, Some(sessions)) => {
            if let Some(cookie) = read_cookie(request.headers(), &sessions.settings.cookie_name) {
                match sessions.resolve(cookie).await {
                    Ok(Some(view)) => {
                        request.extensions_mut().insert(CurrentUser(Arc::new(view.identity.clone())));
                        request.extensions_mut().insert(SessionInfo { expires_at: view.expires_at });
                        signed_in = true;
                    }
                    Ok(None) => {}
                    Err(e) => return ApiError::from(e).into_response(),
                }
            }
        }
        (AuthMode::Oidc, None) => {}
    }
    let path = request.uri().path();
    if !signed_in && !is_public(path) {
        if is_browser_navigation(request.method(), request.headers()) {
            let here = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            let target: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            return Redirect::to(&format!("/api/auth/login?returnTo={target}")).into_response();
        }
        if path.starts_with("/api/") || path == "/api" || path.starts_with("/debug") {
            return ApiError::Unauthenticated.into_response();
        }
    }
    next.run(request).await
}

/// The signed-in caller. Extracting it on a route makes that route authenticated.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Arc<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// Facts about the caller's session (absent in dev mode).
#[derive(Debug, Clone, Copy)]
pub struct SessionInfo {
    /// Absolute expiry, unix seconds.
    pub expires_at: i64,
}
