//! `GET /api/clusters`: the registry as the SPA sees it.

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use serde::Serialize;
use ts_rs::TS;

use crate::{app::AppState, error::ApiError, http::authn::CurrentUser};

/// One cluster with the Go original's field names. Fields in alphabetical order: the order the
/// earlier `json!` answer had (serde_json sorts map keys), so the bytes stay the same.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClusterEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub arn: Option<String>,
    /// `kubeconfig`, `in-cluster`, `eks` or `agent`.
    pub backend: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub environment: Option<String>,
    pub exec_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kubeconfig_context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kubeconfig_path: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<_>", optional)]
    pub tags: BTreeMap<String, String>,
}

/// The answer of `/api/clusters`.
#[derive(Debug, Serialize, TS)]
pub struct ClusterList {
    pub clusters: Vec<ClusterEntry>,
}

/// Lists every configured cluster.
pub async fn list(State(state): State<AppState>, _user: CurrentUser) -> Result<Json<ClusterList>, ApiError> {
    let clusters = state
        .registry
        .all()
        .iter()
        .map(|c| {
            let cfg = &c.config;
            ClusterEntry {
                arn: cfg.arn.clone(),
                backend: cfg.backend.as_str(),
                environment: cfg.environment.clone(),
                exec_enabled: cfg.exec_enabled,
                kubeconfig_context: cfg.kubeconfig_context.clone(),
                kubeconfig_path: cfg.kubeconfig_path.as_ref().map(|p| p.display().to_string()),
                name: cfg.name.clone(),
                region: cfg.region.clone(),
                tags: cfg.tags.clone(),
            }
        })
        .collect();
    Ok(Json(ClusterList { clusters }))
}
