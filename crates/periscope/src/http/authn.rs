//! Authentication: decides who the caller is and plants their [`Identity`] in the request.
//! Dev mode gives every request the configured dev identity; OIDC sessions slot in here.

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::Response,
};

use crate::{config::auth::AuthMode, error::ApiError, identity::Identity};

/// What the authentication layer needs to know.
#[derive(Clone)]
pub struct Authenticator {
    mode: AuthMode,
    dev_identity: Arc<Identity>,
}

impl Authenticator {
    /// An authenticator for the configured mode.
    pub fn new(mode: AuthMode, dev_identity: Identity) -> Self {
        Authenticator { mode, dev_identity: Arc::new(dev_identity) }
    }
}

/// Paths that answer without a signed-in user. Every other `/api` path requires one.
pub const PUBLIC_PATHS: &[&str] = &[
    "/healthz",
    "/api/auth/config",
    "/api/auth/login",
    "/api/auth/callback",
    "/api/auth/loggedout",
    "/api/auth/logout",
    "/api/auth/logout/everywhere",
];

/// Middleware: attaches the caller's identity when there is one. Routes that need one ask
/// for [`CurrentUser`], which answers 401 in the envelope otherwise.
pub async fn layer(State(auth): State<Authenticator>, mut request: Request, next: Next) -> Response {
    let identity = match auth.mode {
        AuthMode::Dev => Some(auth.dev_identity.clone()),
        // OIDC sessions arrive with the sign-in issue; until then nobody is signed in.
        AuthMode::Oidc => None,
    };
    if let Some(identity) = identity {
        request.extensions_mut().insert(CurrentUser(identity));
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
