//! Who-am-I routes: the pre-login auth config and the signed-in user's resolved identity.

use axum::{Extension, Json, extract::State, http::header, response::IntoResponse};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    error::ApiError,
    http::authn::{CurrentUser, SessionInfo},
};

/// `GET /api/auth/config` (public): how the sign-in page should behave.
pub async fn auth_config(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(json!({ "authMode": state.auth.mode.as_str(), "providerName": state.auth.provider_name() })),
    )
}

/// `GET /api/auth/whoami`: the full identity the SPA paints first.
pub async fn auth_whoami(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Option<Extension<SessionInfo>>,
) -> Result<Json<Value>, ApiError> {
    let authz = &state.auth.authz;
    let tier = authz.tier_for(&user).map(|t| t.as_str());
    Ok(Json(json!({
        "subject": user.subject,
        "email": user.email,
        "groups": user.groups,
        "mode": state.auth.mode.as_str(),
        "authzMode": authz.mode.as_str(),
        "tier": tier,
        "auditEnabled": state.audit.query_store().is_some(),
        "auditScope": authz.audit_scope(&user),
        // Unix seconds of the session's absolute expiry; null in dev mode (no session).
        "expiresAt": session.map(|Extension(s)| s.expires_at),
    })))
}

/// `GET /api/whoami`: the short form (actor, audit scope, mode, tier).
pub async fn whoami(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Result<Json<Value>, ApiError> {
    let authz = &state.auth.authz;
    Ok(Json(json!({
        "actor": user.subject,
        "auditEnabled": state.audit.query_store().is_some(),
        "auditScope": authz.audit_scope(&user),
        "mode": state.auth.mode.as_str(),
        "tier": authz.tier_for(&user).map(|t| t.as_str()),
    })))
}
