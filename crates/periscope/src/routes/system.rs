//! Process-level routes: liveness and feature discovery.

use axum::{Json, extract::State};
use serde::Serialize;
use ts_rs::TS;

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser, resources::kinds::KINDS};

/// `GET /healthz`: process liveness.
pub async fn healthz() -> &'static str {
    "ok"
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
