//! `/api/agents…`: registration tokens (admins), agent registration (public: the token is the
//! credential) and the agents' status (admins).

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    agent::tunnel::AgentStatus,
    app::AppState,
    audit::{AuditContext, Outcome, ResourceRef, Verb},
    authz::AuditScope,
    error::ApiError,
    http::{authn::CurrentUser, body::JsonBody},
    identity::Identity,
};

fn require_admin(state: &AppState, user: &Identity) -> Result<(), ApiError> {
    if state.auth.authz.audit_scope(user) == AuditScope::All {
        Ok(())
    } else {
        Err(ApiError::Forbidden("managing agents needs an admin (the audit admins' groups, or the admin tier)".into()))
    }
}

fn agent_cluster(state: &AppState, cluster: &str) -> bool {
    state.agents.tunnels.is_agent_cluster(cluster) && state.registry.get(cluster).is_some()
}

fn resource(cluster: &str) -> ResourceRef {
    ResourceRef {
        group: None,
        version: None,
        resource: Some("agents".into()),
        namespace: None,
        name: Some(cluster.into()),
    }
}

/// The body of a token request.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub cluster: String,
}

/// A registration token for one agent.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentToken {
    pub token: String,
    pub cluster: String,
    pub expires_at: String,
}

/// `POST /api/agents/tokens` `{cluster}`: a single-use registration token (admins; audited).
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: AuditContext,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &user)?;
    crate::names::check_dns1123_label(&body.cluster)
        .map_err(|why| ApiError::bad(format!("cluster {:?}: {why}", body.cluster)))?;
    if !agent_cluster(&state, &body.cluster) {
        return Err(ApiError::bad(format!("cluster {:?} is not an agent cluster of the registry", body.cluster)));
    }
    let action =
        state.audit.begin(ctx, Verb::AgentTokenCreate, Some(&body.cluster), resource(&body.cluster), None).await?;
    let (token, expires) = state.agents.tokens.mint(&body.cluster, state.agents.token_ttl);
    let expires_at = jiff::Timestamp::try_from(expires).map(|t| t.to_string()).unwrap_or_default();
    state.audit.finish(&action, Outcome::Success, None, Some(json!({ "expiresAt": expires_at }))).await?;
    Ok(Json(AgentToken { token, cluster: body.cluster, expires_at }).into_response())
}

/// The body of a registration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    token: String,
    cluster: String,
    /// The agent's certificate signing request, PEM.
    csr: String,
}

/// `POST /api/agents/register` `{token, cluster, csr}` → `{cert, caBundle, expiresAt}`. Every
/// refusal is the same 401; the reason goes to the server log and the audit row only.
pub async fn register(
    State(state): State<AppState>,
    ctx: AuditContext,
    JsonBody(body): JsonBody<Registration>,
) -> Result<Response, ApiError> {
    let refused = || ApiError::Unauthenticated;
    let Some(ca) = state.agents.ca.as_ref() else { return Err(refused()) };
    let action =
        state.audit.begin(ctx, Verb::AgentRegister, Some(&body.cluster), resource(&body.cluster), None).await?;
    let signed = state
        .agents
        .tokens
        .redeem(&body.token, &body.cluster)
        .map_err(|e| e.to_string())
        .and_then(|()| if agent_cluster(&state, &body.cluster) { Ok(()) } else { Err("not an agent cluster".into()) })
        .and_then(|()| ca.sign_agent(&body.csr, &body.cluster, state.agents.cert_lifetime).map_err(|e| e.to_string()));
    match signed {
        Ok(signed) => {
            let expires_at = jiff::Timestamp::from_second(signed.not_after.unix_timestamp())
                .map(|t| t.to_string())
                .unwrap_or_default();
            state.audit.finish(&action, Outcome::Success, None, Some(json!({ "expiresAt": expires_at }))).await?;
            tracing::info!(cluster = %body.cluster, %expires_at, "agent registered");
            Ok(Json(json!({ "cert": signed.cert_pem, "caBundle": ca.cert_pem, "expiresAt": expires_at }))
                .into_response())
        }
        Err(reason) => {
            tracing::warn!(cluster = %body.cluster, %reason, "agent registration refused");
            state.audit.finish(&action, Outcome::Denied, Some(reason), None).await?;
            Err(refused())
        }
    }
}

/// Every agent cluster's tunnel.
#[derive(Debug, Serialize)]
pub struct AgentList {
    pub agents: Vec<AgentStatus>,
}

/// `GET /api/agents`: each agent cluster's tunnel state (admins).
pub async fn list(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Result<Response, ApiError> {
    require_admin(&state, &user)?;
    Ok(Json(AgentList { agents: state.agents.tunnels.statuses() }).into_response())
}
