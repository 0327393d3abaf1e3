//! Process-level routes: liveness, readiness and feature discovery.

use axum::{Json, extract::State};
use serde::Serialize;
use ts_rs::TS;

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser, resources::kinds::KINDS};

/// `GET /healthz`: process liveness.
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long a readiness probe waits for the session store.
const READY_STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /readyz`: whether this replica can serve users now. The server listens only once its
/// clusters, audit trail and stores are set up, so what is left to check is what can fail
/// later: the audit writer and the session store. An unreachable cluster does not make the
/// replica unready: every replica would be, and the console still serves the other clusters.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    if let Some(why) = state.audit.unavailable() {
        return Err(ApiError::Unavailable(format!("not ready: {why}")));
    }
    if let Some(sessions) = &state.sessions {
        match tokio::time::timeout(READY_STORE_TIMEOUT, sessions.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ApiError::Unavailable(format!("not ready: {e}"))),
            Err(_) => return Err(ApiError::Unavailable("not ready: the session store did not answer in 2 s".into())),
        }
    }
    Ok(Json(serde_json::json!({ "ready": true })))
}

/// The answer of `/api/features`. Fields in alphabetical order, the order the earlier `json!`
/// answer had (serde_json sorts map keys), so the bytes stay the same.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    /// `stable`, `prerelease` or `dev`.
    pub channel: &'static str,
    pub commit: &'static str,
    pub version: &'static str,
    /// Plurals of the built-in kinds the live stream serves (all of them). Discovered kinds
    /// whose discovery lists `watch` are served too: `/api/clusters/{c}/kinds` says, per cluster.
    pub watch_streams: Vec<&'static str>,
    /// Whether Helm writes (rollback, uninstall) are available: this server has the helm binary.
    pub helm_writes: bool,
}

/// `GET /api/features`: which live streams exist, and the build.
pub async fn features(State(state): State<AppState>, _user: CurrentUser) -> Result<Json<Features>, ApiError> {
    let build = &state.build;
    Ok(Json(Features {
        channel: build.channel(),
        commit: build.commit,
        version: build.version,
        watch_streams: KINDS.iter().map(|k| k.plural).collect(),
        helm_writes: crate::helm::runner::helm_binary().is_some(),
    }))
}
