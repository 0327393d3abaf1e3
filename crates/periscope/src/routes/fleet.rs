//! `GET /api/fleet`: every cluster probed concurrently as the user, each under a soft
//! deadline and all under one total budget, so one dead apiserver costs at most the budget.
//! Answers are cached per identity for a few seconds, failures included.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{Json, extract::State};
use futures::future::join_all;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;
use ts_rs::TS;

use super::{
    dashboard::{NodeCounts, node_counts, pod_counts},
    reason::{Failure, Reason},
};
use crate::{
    app::AppState, audience::Audience, clusters::Cluster, error::ApiError, http::authn::CurrentUser, identity::Identity,
};

/// Soft deadline of one cluster's probe.
pub const PER_CLUSTER_TIMEOUT: Duration = Duration::from_secs(3);
/// Deadline of the whole fleet answer, however many clusters there are.
pub const TOTAL_BUDGET: Duration = Duration::from_secs(5);

/// Fleet status of one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Degraded,
    Unreachable,
    Unknown,
    Denied,
}

impl Status {
    fn of(reason: Reason) -> Status {
        match reason {
            Reason::Denied => Status::Denied,
            // No answer in time is, for the person looking at the fleet, an unreachable cluster.
            Reason::AuthFailed | Reason::ApiserverUnreachable | Reason::AgentDisconnected | Reason::Timeout => {
                Status::Unreachable
            }
            Reason::Unknown => Status::Unknown,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unreachable => "unreachable",
            Status::Unknown => "unknown",
            Status::Denied => "denied",
        }
    }
}

/// Pod counts the fleet shows.
#[derive(Debug, Default, Clone, Serialize, TS)]
pub struct FleetPods {
    pub running: usize,
    pub pending: usize,
    pub failed: usize,
    pub total: usize,
}

/// A failing-pod reason and how many pods have it.
#[derive(Debug, Serialize, TS)]
pub struct HotSignal {
    pub kind: String,
    pub count: usize,
}

/// One cluster's entry.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FleetCluster {
    pub name: String,
    pub backend: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<_>", optional)]
    pub tags: BTreeMap<String, String>,
    pub status: Status,
    pub version: Option<String>,
    pub nodes: Option<NodeCounts>,
    pub pods: Option<FleetPods>,
    pub namespaces: Option<usize>,
    /// Pods failing (see the dashboard's rule).
    pub stuck_or_failed: Option<usize>,
    pub hot_signals: Vec<HotSignal>,
    /// When the apiserver last answered this probe (RFC 3339), absent when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<Failure>,
    pub elapsed_ms: u64,
}

/// Totals over every cluster of the fleet answer.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FleetRollup {
    pub total_clusters: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub by_environment: BTreeMap<String, usize>,
    pub nodes: NodeCounts,
    pub pods: usize,
    pub generated_at: String,
}

/// The answer of `/api/fleet`.
#[derive(Debug, Serialize, TS)]
pub struct Fleet {
    pub rollup: FleetRollup,
    pub clusters: Vec<FleetCluster>,
}

/// `GET /api/fleet`.
pub async fn fleet(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Result<Json<Value>, ApiError> {
    let audiences: Arc<[Audience]> =
        state.registry.all().iter().map(|c| Audience::of_user(&state.auth.authz, &c.name, &user)).collect();
    if let Some(hit) = state.caches.fleet.get(&audiences)
        && tunnels_as_cached(&state, &hit)
    {
        return Ok(Json((*hit).clone()));
    }
    let deadline = Instant::now() + TOTAL_BUDGET;
    let clusters = join_all(state.registry.all().iter().map(|c| probe_cluster(&state, &user, c, deadline))).await;

    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_environment: BTreeMap<String, usize> = BTreeMap::new();
    let (mut nodes_ready, mut nodes_total, mut pods_total) = (0, 0, 0);
    for c in &clusters {
        *by_status.entry(c.status.as_str()).or_default() += 1;
        let env = c.environment.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| "other".into());
        *by_environment.entry(env).or_default() += 1;
        if let Some(n) = &c.nodes {
            nodes_ready += n.ready;
            nodes_total += n.total;
        }
        pods_total += c.pods.as_ref().map_or(0, |p| p.total);
    }
    let rollup = FleetRollup {
        total_clusters: clusters.len(),
        by_status,
        by_environment,
        nodes: NodeCounts { ready: nodes_ready, total: nodes_total },
        pods: pods_total,
        generated_at: jiff::Timestamp::now().to_string(),
    };
    // Cached as JSON (keys sorted, as the answer always was).
    let body = serde_json::to_value(Fleet { rollup, clusters })
        .map_err(|e| ApiError::Internal(format!("fleet answer to JSON: {e}")))?;
    let body = Arc::new(body);
    state.caches.fleet.insert(audiences, body.clone());
    Ok(Json((*body).clone()))
}

/// Whether every agent cluster's tunnel is as connected as the cached answer says: an agent
/// that comes or goes shows at once, not after the cache's lifetime.
fn tunnels_as_cached(state: &AppState, cached: &Value) -> bool {
    let tunnels = &state.agents.tunnels;
    cached["clusters"].as_array().into_iter().flatten().all(|c| {
        let name = c["name"].as_str().unwrap_or_default();
        !tunnels.is_agent_cluster(name)
            || tunnels.connected(name) != (c["error"]["code"] == Reason::AgentDisconnected.as_str())
    })
}

async fn probe_cluster(state: &AppState, user: &Identity, cluster: &Cluster, deadline: Instant) -> FleetCluster {
    let started = Instant::now();
    let config = &cluster.config;
    let mut entry = FleetCluster {
        name: config.name.clone(),
        backend: config.backend.as_str(),
        environment: config.environment.clone(),
        region: config.region.clone(),
        tags: config.tags.clone(),
        status: Status::Unknown,
        version: None,
        nodes: None,
        pods: None,
        namespaces: None,
        stuck_or_failed: None,
        hot_signals: Vec::new(),
        last_contact: None,
        error: None,
        elapsed_ms: 0,
    };
    let limit = PER_CLUSTER_TIMEOUT.min(deadline.saturating_duration_since(started));
    let outcome = match state.client_for(&config.name, user) {
        Err(err) => Err(Failure::from_api_error(&err)),
        Ok(client) => match tokio::time::timeout(limit, probe(client, &mut entry)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::timeout(limit)),
        },
    };
    match outcome {
        Ok(status) => entry.status = status,
        Err(failure) => {
            entry.status = Status::of(failure.code);
            entry.error = Some(failure);
        }
    }
    entry.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    entry
}

/// Fills `entry` as answers arrive (so a timeout keeps what came in) and derives the status.
async fn probe(client: kube::Client, entry: &mut FleetCluster) -> Result<Status, Failure> {
    let version = client.apiserver_version().await.map_err(|e| Failure::from_kube(&e))?;
    entry.version = Some(version.git_version);
    entry.last_contact = Some(jiff::Timestamp::now().to_string());

    let lp = ListParams::default();
    let nodes_api = Api::<Node>::all(client.clone());
    let pods_api = Api::<Pod>::all(client.clone());
    let ns_api = Api::<Namespace>::all(client);
    let (nodes, pods, namespaces) = tokio::join!(nodes_api.list(&lp), pods_api.list(&lp), ns_api.list_metadata(&lp));
    entry.namespaces = namespaces.ok().map(|l| l.items.len());
    let nodes = nodes.map_err(|e| Failure::from_kube(&e));
    let pods = pods.map_err(|e| Failure::from_kube(&e));
    if let Ok(nodes) = &nodes {
        entry.nodes = Some(node_counts(&nodes.items));
    }
    if let Ok(pods) = &pods {
        let (counts, failing) = pod_counts(&pods.items, jiff::Timestamp::now());
        let phase = |p: &str| counts.by_phase.get(p).copied().unwrap_or(0);
        entry.pods = Some(FleetPods {
            running: phase("Running"),
            pending: phase("Pending"),
            failed: phase("Failed"),
            total: counts.total,
        });
        entry.stuck_or_failed = Some(counts.failing);
        let mut signals: BTreeMap<String, usize> = BTreeMap::new();
        for pod in failing {
            *signals.entry(pod.reason).or_default() += 1;
        }
        let mut signals: Vec<HotSignal> = signals.into_iter().map(|(kind, count)| HotSignal { kind, count }).collect();
        signals.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
        entry.hot_signals = signals;
    }
    // Health needs both nodes and pods; without either the first failure decides.
    nodes?;
    pods?;
    let all_ready = entry.nodes.as_ref().is_some_and(|n| n.ready == n.total);
    Ok(if all_ready && entry.stuck_or_failed == Some(0) { Status::Healthy } else { Status::Degraded })
}
