//! `GET /api/clusters`: the registry as the SPA sees it.

use axum::{Json, extract::State};
use serde_json::{Map, Value, json};

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser};

/// Lists every configured cluster with the Go original's field names.
pub async fn list(State(state): State<AppState>, _user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let clusters: Vec<Value> = state
        .registry
        .all()
        .iter()
        .map(|c| {
            let cfg = &c.config;
            let mut entry = Map::new();
            entry.insert("name".into(), json!(cfg.name));
            entry.insert("backend".into(), json!(cfg.backend.as_str()));
            let optional = [
                ("arn", cfg.arn.clone()),
                ("region", cfg.region.clone()),
                ("kubeconfigPath", cfg.kubeconfig_path.as_ref().map(|p| p.display().to_string())),
                ("kubeconfigContext", cfg.kubeconfig_context.clone()),
                ("environment", cfg.environment.clone()),
            ];
            for (key, value) in optional {
                if let Some(value) = value {
                    entry.insert(key.into(), json!(value));
                }
            }
            if !cfg.tags.is_empty() {
                entry.insert("tags".into(), json!(cfg.tags));
            }
            entry.insert("execEnabled".into(), json!(cfg.exec_enabled));
            Value::Object(entry)
        })
        .collect();
    Ok(Json(json!({ "clusters": clusters })))
}
