//! The [`AuditContext`] of a request as an extractor: its request id, route template and the
//! signed-in caller (anonymous when none). The audit module itself knows nothing of HTTP.

use axum::{
    extract::{FromRequestParts, MatchedPath},
    http::request::Parts,
};

use super::{authn::CurrentUser, request_id::RequestId};
use crate::{audit::AuditContext, error::ApiError};

impl<S: Send + Sync> FromRequestParts<S> for AuditContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let route = parts.extensions.get::<MatchedPath>().map(|p| p.as_str().to_string());
        let user = parts.extensions.get::<CurrentUser>().map(|CurrentUser(identity)| identity.as_ref());
        Ok(AuditContext::new(request_id, route, user))
    }
}
