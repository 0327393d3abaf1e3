//! Process-level routes: liveness and feature discovery.

use axum::{Json, extract::State};
use serde_json::{Value, json};

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser};

/// `GET /healthz`: process liveness.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /api/features`: which live streams exist, and the build.
pub async fn features(State(state): State<AppState>, _user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let build = &state.build;
    // No watch streams are served yet; the list is the contract the SPA reads to decide.
    Ok(Json(json!({
        "watchStreams": Vec::<String>::new(),
        "version": build.version,
        "commit": build.commit,
        "channel": build.channel(),
    })))
}
