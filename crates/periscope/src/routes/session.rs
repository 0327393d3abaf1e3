//! Who-am-I routes: the pre-login auth config and the signed-in user's resolved identity.
//!
//! Answer fields are declared in alphabetical order: the order the earlier `json!` answers had
//! (serde_json sorts map keys), so the bytes on the wire stay the same.

use axum::{Extension, Json, extract::State, http::header, response::IntoResponse};
use serde::Serialize;
use ts_rs::TS;

use crate::{
    app::AppState,
    authz::AuditScope,
    error::ApiError,
    http::authn::{CurrentUser, SessionInfo},
};

/// The answer of `/api/auth/config`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthConfigAnswer {
    /// `dev` or `oidc`.
    pub auth_mode: &'static str,
    pub provider_name: String,
}

/// `GET /api/auth/config` (public): how the sign-in page should behave.
pub async fn auth_config(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(AuthConfigAnswer { auth_mode: state.auth.mode.as_str(), provider_name: state.auth.provider_name() }),
    )
}

/// The answer of `/api/auth/whoami`: the full identity the SPA paints first.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthWhoAmI {
    pub audit_enabled: bool,
    pub audit_scope: AuditScope,
    /// `shared`, `tier` or `raw`.
    pub authz_mode: &'static str,
    pub email: String,
    /// Unix seconds of the session's absolute expiry; null in dev mode (no session).
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    pub groups: Vec<String>,
    /// `dev` or `oidc`.
    pub mode: &'static str,
    pub subject: String,
    /// The user's tier in tier mode, else null.
    pub tier: Option<&'static str>,
}

/// `GET /api/auth/whoami`.
pub async fn auth_whoami(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Option<Extension<SessionInfo>>,
) -> Result<Json<AuthWhoAmI>, ApiError> {
    let authz = &state.auth.authz;
    let (audit_scope, tier) = (authz.audit_scope(&user), authz.tier_for(&user).map(|t| t.as_str()));
    Ok(Json(AuthWhoAmI {
        audit_enabled: state.audit.query_store().is_some(),
        audit_scope,
        authz_mode: authz.mode.as_str(),
        email: user.email.clone(),
        expires_at: session.map(|Extension(s)| s.expires_at),
        groups: user.groups.clone(),
        mode: state.auth.mode.as_str(),
        subject: user.subject.clone(),
        tier,
    }))
}

/// The answer of `/api/whoami`: the short form.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    pub actor: String,
    pub audit_enabled: bool,
    pub audit_scope: AuditScope,
    pub mode: &'static str,
    pub tier: Option<&'static str>,
}

/// `GET /api/whoami`: the short form (actor, audit scope, mode, tier).
pub async fn whoami(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Result<Json<WhoAmI>, ApiError> {
    let authz = &state.auth.authz;
    let (audit_scope, tier) = (authz.audit_scope(&user), authz.tier_for(&user).map(|t| t.as_str()));
    Ok(Json(WhoAmI {
        actor: user.subject.clone(),
        audit_enabled: state.audit.query_store().is_some(),
        audit_scope,
        mode: state.auth.mode.as_str(),
        tier,
    }))
}
