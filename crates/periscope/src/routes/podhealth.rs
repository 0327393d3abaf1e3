//! Whether a pod is failing, and why: the rule the dashboard and the fleet share.

use std::time::Duration;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// Container reasons that mean the pod is not going to work without someone acting.
const FAILING_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "OOMKilled",
    "DeadlineExceeded",
    "Evicted",
    "Error",
];

/// A pod pending longer than this counts as stuck (scheduling or image trouble).
pub const PENDING_TOO_LONG: Duration = Duration::from_secs(5 * 60);

/// Why a pod is failing, or `None` when it is not.
pub fn failing_reason(pod: &Pod, now: jiff::Timestamp) -> Option<String> {
    let status = pod.status.as_ref()?;
    let phase = status.phase.as_deref().unwrap_or("Unknown");
    if phase == "Succeeded" {
        return None;
    }
    // Regular containers first: they are what the user runs; init containers second.
    let containers = status.container_statuses.iter().flatten();
    let inits = status.init_container_statuses.iter().flatten();
    if let Some(reason) = containers.chain(inits).find_map(container_reason) {
        return Some(reason);
    }
    if phase == "Failed" {
        return Some(status.reason.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "Failed".into()));
    }
    if phase == "Pending" {
        let created = pod.metadata.creation_timestamp.as_ref()?.0;
        let age = now.duration_since(created);
        if age.as_secs() >= PENDING_TOO_LONG.as_secs() as i64 {
            let unschedulable = status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
                .and_then(|c| c.reason.clone());
            return Some(unschedulable.unwrap_or_else(|| "PendingTooLong".into()));
        }
    }
    None
}

fn container_reason(c: &ContainerStatus) -> Option<String> {
    let state = c.state.as_ref();
    if let Some(reason) = state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref())
        && FAILING_REASONS.contains(&reason)
    {
        return Some(reason.to_string());
    }
    if let Some(t) = state.and_then(|s| s.terminated.as_ref())
        && t.exit_code != 0
    {
        return Some(t.reason.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "Error".into()));
    }
    // A container that died last time and is not ready again yet (e.g. OOMKilled, restarting).
    if !c.ready
        && let Some(reason) =
            c.last_state.as_ref().and_then(|s| s.terminated.as_ref()).and_then(|t| t.reason.as_deref())
        && FAILING_REASONS.contains(&reason)
    {
        return Some(reason.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).expect("valid pod")
    }

    #[test]
    fn classifies_common_failures() {
        let now = jiff::Timestamp::now();
        let crash = pod(serde_json::json!({"status": {"phase": "Running", "containerStatuses": [
            {"name": "a", "image": "i", "imageID": "", "ready": false, "restartCount": 3,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}));
        assert_eq!(failing_reason(&crash, now).as_deref(), Some("CrashLoopBackOff"));

        let fine = pod(serde_json::json!({"status": {"phase": "Running", "containerStatuses": [
            {"name": "a", "image": "i", "imageID": "", "ready": true, "restartCount": 0,
             "state": {"running": {}}}]}}));
        assert_eq!(failing_reason(&fine, now), None);

        let old = (now - jiff::SignedDuration::from_secs(3600)).to_string();
        let stuck = pod(serde_json::json!({"metadata": {"creationTimestamp": old}, "status": {"phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}));
        assert_eq!(failing_reason(&stuck, now).as_deref(), Some("Unschedulable"));

        let young = now.to_string();
        let pending =
            pod(serde_json::json!({"metadata": {"creationTimestamp": young}, "status": {"phase": "Pending"}}));
        assert_eq!(failing_reason(&pending, now), None);
    }
}
