//! `GET /api/clusters/{cluster}/dashboard`: one cluster's overview, fetched as the user.
//! Every part is fetched concurrently; a part the user cannot read is reported in
//! `accessibility`/`errors` and left null, never failing the whole answer. Capacity
//! (`capacity.rs`) comes from the node and pod lists; warnings (`events.rs`) from the Warning
//! events.

mod capacity;
mod events;

use std::{collections::BTreeMap, time::Duration};

use axum::{Json, extract::State};
use k8s_openapi::api::{
    apps::v1::{DaemonSet, Deployment, StatefulSet},
    batch::v1::Job,
    core::v1::{Event, Namespace, Node, PersistentVolumeClaim, Pod},
};
use kube::api::{Api, ListParams};
use serde::Serialize;
use ts_rs::TS;

pub use self::{
    capacity::{Allotment, Capacity, NodeCapacity},
    events::{WarnedObject, WarningGroup, Warnings},
};
use super::{
    podhealth::failing_reason,
    reason::{Failure, within},
};
use crate::{
    app::AppState,
    error::ApiError,
    http::{authn::CurrentUser, extract::Path},
};

/// Deadline of each part.
const PART_TIMEOUT: Duration = Duration::from_secs(8);
/// Failing pods listed by name; the count covers all of them.
pub const MAX_FAILING_PODS: usize = 50;

/// Ready and total nodes.
#[derive(Debug, Serialize, TS)]
pub struct NodeCounts {
    pub ready: usize,
    pub total: usize,
}

/// Pods by phase, plus how many are failing.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PodCounts {
    pub total: usize,
    pub by_phase: BTreeMap<String, usize>,
    pub failing: usize,
}

/// A pod that needs attention.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FailingPod {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub reason: String,
    pub restarts: i32,
    pub node: Option<String>,
}

/// Desired vs ready for one workload kind.
#[derive(Debug, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadCounts {
    pub total: usize,
    /// Workloads whose ready replicas are fewer than desired.
    pub not_ready: usize,
    pub desired: i64,
    pub ready: i64,
}

/// Jobs: running, finished and failed (condition `Failed`).
#[derive(Debug, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JobCounts {
    pub total: usize,
    pub active: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// PersistentVolumeClaims by what needs a look: still `Pending`, or `Lost` their volume.
#[derive(Debug, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClaimCounts {
    pub total: usize,
    pub pending: usize,
    pub lost: usize,
}

/// The dashboard answer.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub cluster: String,
    pub kubernetes_version: Option<String>,
    /// Per part: `ok` or the failure code (`denied`, `timeout`, …).
    pub accessibility: BTreeMap<&'static str, String>,
    pub errors: BTreeMap<&'static str, Failure>,
    pub nodes: Option<NodeCounts>,
    pub namespaces: Option<usize>,
    pub pods: Option<PodCounts>,
    pub failing_pods: Vec<FailingPod>,
    pub failing_pods_truncated: bool,
    pub workloads: BTreeMap<&'static str, WorkloadCounts>,
    /// Allocatable against requested CPU and memory, per node and in total (needs nodes and pods).
    pub capacity: Option<Capacity>,
    pub jobs: Option<JobCounts>,
    pub claims: Option<ClaimCounts>,
    /// Warning events grouped by reason, newest first.
    pub warnings: Option<Warnings>,
    pub generated_at: String,
}

impl Dashboard {
    fn record<T>(&mut self, part: &'static str, result: Result<T, Failure>) -> Option<T> {
        match result {
            Ok(value) => {
                self.accessibility.insert(part, "ok".into());
                Some(value)
            }
            Err(failure) => {
                self.accessibility.insert(part, failure.code.as_str().into());
                self.errors.insert(part, failure);
                None
            }
        }
    }
}

/// `GET /api/clusters/{cluster}/dashboard`.
pub async fn dashboard(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(cluster): Path<String>,
) -> Result<Json<Dashboard>, ApiError> {
    let client = state.client_for(&cluster, &user)?;
    let lp = ListParams::default();
    let (node_api, ns_api, pod_api) =
        (Api::<Node>::all(client.clone()), Api::<Namespace>::all(client.clone()), Api::<Pod>::all(client.clone()));
    let (deploy_api, sts_api, ds_api) = (
        Api::<Deployment>::all(client.clone()),
        Api::<StatefulSet>::all(client.clone()),
        Api::<DaemonSet>::all(client.clone()),
    );
    let (job_api, claim_api, event_api) = (
        Api::<Job>::all(client.clone()),
        Api::<PersistentVolumeClaim>::all(client.clone()),
        Api::<Event>::all(client.clone()),
    );
    let warnings_only = ListParams::default().fields("type=Warning");
    let (version, nodes, namespaces, pods, deployments, statefulsets, daemonsets, jobs, claims, events) = tokio::join!(
        within(PART_TIMEOUT, client.apiserver_version()),
        within(PART_TIMEOUT, node_api.list(&lp)),
        within(PART_TIMEOUT, ns_api.list_metadata(&lp)),
        within(PART_TIMEOUT, pod_api.list(&lp)),
        within(PART_TIMEOUT, deploy_api.list(&lp)),
        within(PART_TIMEOUT, sts_api.list(&lp)),
        within(PART_TIMEOUT, ds_api.list(&lp)),
        within(PART_TIMEOUT, job_api.list(&lp)),
        within(PART_TIMEOUT, claim_api.list(&lp)),
        within(PART_TIMEOUT, event_api.list(&warnings_only)),
    );
    let now = jiff::Timestamp::now();
    let mut out = Dashboard {
        cluster,
        kubernetes_version: None,
        accessibility: BTreeMap::new(),
        errors: BTreeMap::new(),
        nodes: None,
        namespaces: None,
        pods: None,
        failing_pods: Vec::new(),
        failing_pods_truncated: false,
        workloads: BTreeMap::new(),
        capacity: None,
        jobs: None,
        claims: None,
        warnings: None,
        generated_at: now.to_string(),
    };
    out.kubernetes_version = out.record("version", version).map(|v| v.git_version);
    let nodes = out.record("nodes", nodes);
    out.nodes = nodes.as_ref().map(|list| node_counts(&list.items));
    out.namespaces = out.record("namespaces", namespaces).map(|list| list.items.len());
    let pods = out.record("pods", pods);
    if let Some(list) = &pods {
        let (counts, failing) = pod_counts(&list.items, now);
        out.failing_pods_truncated = failing.len() > MAX_FAILING_PODS;
        out.failing_pods = failing.into_iter().take(MAX_FAILING_PODS).collect();
        out.pods = Some(counts);
    }
    if let (Some(nodes), Some(pods)) = (&nodes, &pods) {
        out.capacity = Some(capacity::capacity(&nodes.items, &pods.items));
    }
    out.jobs = out.record("jobs", jobs).map(|list| job_counts(&list.items));
    out.claims = out.record("claims", claims).map(|list| claim_counts(&list.items));
    out.warnings = out.record("events", events).map(|list| events::warnings(&list.items));
    if let Some(list) = out.record("deployments", deployments) {
        let counts = workload_counts(list.items.iter().map(|d| {
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = d.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
            (desired, ready)
        }));
        out.workloads.insert("deployments", counts);
    }
    if let Some(list) = out.record("statefulsets", statefulsets) {
        let counts = workload_counts(list.items.iter().map(|s| {
            let desired = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = s.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
            (desired, ready)
        }));
        out.workloads.insert("statefulsets", counts);
    }
    if let Some(list) = out.record("daemonsets", daemonsets) {
        let counts = workload_counts(list.items.iter().map(|d| {
            let status = d.status.as_ref();
            (status.map_or(0, |s| s.desired_number_scheduled), status.map_or(0, |s| s.number_ready))
        }));
        out.workloads.insert("daemonsets", counts);
    }
    Ok(Json(out))
}

/// Ready/total of `nodes` (ready = condition `Ready` is `True`).
pub fn node_counts(nodes: &[Node]) -> NodeCounts {
    let ready = nodes
        .iter()
        .filter(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .count();
    NodeCounts { ready, total: nodes.len() }
}

/// Counts by phase and the failing pods (sorted by namespace, name).
pub fn pod_counts(pods: &[Pod], now: jiff::Timestamp) -> (PodCounts, Vec<FailingPod>) {
    let mut by_phase = BTreeMap::new();
    let mut failing = Vec::new();
    for pod in pods {
        let status = pod.status.as_ref();
        let phase = status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into());
        *by_phase.entry(phase.clone()).or_insert(0) += 1;
        if let Some(reason) = failing_reason(pod, now) {
            let restarts = status
                .and_then(|s| s.container_statuses.as_ref())
                .map_or(0, |cs| cs.iter().map(|c| c.restart_count).sum());
            failing.push(FailingPod {
                namespace: pod.metadata.namespace.clone().unwrap_or_default(),
                name: pod.metadata.name.clone().unwrap_or_default(),
                phase,
                reason,
                restarts,
                node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            });
        }
    }
    failing.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    (PodCounts { total: pods.len(), by_phase, failing: failing.len() }, failing)
}

/// Jobs active (pods running), succeeded and failed (their `Complete` / `Failed` condition).
fn job_counts(jobs: &[Job]) -> JobCounts {
    let mut counts = JobCounts { total: jobs.len(), ..JobCounts::default() };
    for job in jobs {
        let status = job.status.as_ref();
        let condition = |kind: &str| {
            status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
        };
        if condition("Failed") {
            counts.failed += 1;
        } else if condition("Complete") {
            counts.succeeded += 1;
        } else if status.and_then(|s| s.active).unwrap_or(0) > 0 {
            counts.active += 1;
        }
    }
    counts
}

/// Claims still waiting for a volume (`Pending`) or whose volume is gone (`Lost`).
fn claim_counts(claims: &[PersistentVolumeClaim]) -> ClaimCounts {
    let phase = |c: &PersistentVolumeClaim| c.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    ClaimCounts {
        total: claims.len(),
        pending: claims.iter().filter(|c| phase(c) == "Pending").count(),
        lost: claims.iter().filter(|c| phase(c) == "Lost").count(),
    }
}

fn workload_counts(items: impl Iterator<Item = (i32, i32)>) -> WorkloadCounts {
    let mut counts = WorkloadCounts::default();
    for (desired, ready) in items {
        counts.total += 1;
        counts.desired += i64::from(desired);
        counts.ready += i64::from(ready);
        if ready < desired {
            counts.not_ready += 1;
        }
    }
    counts
}
