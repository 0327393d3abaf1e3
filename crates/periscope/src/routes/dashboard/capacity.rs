//! Capacity on the overview: each node's allocatable CPU and memory against what the pods
//! scheduled on it request, as `kubectl describe node` counts it, and the cluster's totals.
//! Computed from the node and pod lists the dashboard already reads: no request of its own.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Node, Pod};
use serde::Serialize;
use ts_rs::TS;

use crate::usage::quantity;

/// Allocatable against requested, of CPU (millicores) or memory (bytes).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Allotment {
    pub allocatable: u64,
    pub requested: u64,
}

impl Allotment {
    fn add(&mut self, other: Allotment) {
        self.allocatable += other.allocatable;
        self.requested += other.requested;
    }
}

/// One node's capacity and the pods that hold it.
#[derive(Debug, Serialize, TS)]
pub struct NodeCapacity {
    pub name: String,
    pub cpu: Allotment,
    pub memory: Allotment,
    /// Pods scheduled on the node that still hold their requests (not Succeeded or Failed).
    pub pods: usize,
}

/// The cluster's capacity: totals over its nodes, and each node (busiest CPU first).
#[derive(Debug, Serialize, TS)]
pub struct Capacity {
    pub cpu: Allotment,
    pub memory: Allotment,
    pub nodes: Vec<NodeCapacity>,
}

/// A pod's effective requests in millicores and bytes, as the scheduler counts them: the larger
/// of its containers' sum and its largest init container, plus its overhead.
fn pod_requests(pod: &Pod) -> (u64, u64) {
    let Some(spec) = pod.spec.as_ref() else { return (0, 0) };
    let request = |c: &Container, name: &str, parse: fn(&str) -> Option<u64>| {
        c.resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get(name))
            .and_then(|q| parse(&q.0))
            .unwrap_or(0)
    };
    let of = |name: &str, parse: fn(&str) -> Option<u64>| {
        let sum: u64 = spec.containers.iter().map(|c| request(c, name, parse)).sum();
        let init = spec.init_containers.iter().flatten().map(|c| request(c, name, parse)).max().unwrap_or(0);
        let overhead = spec.overhead.as_ref().and_then(|o| o.get(name)).and_then(|q| parse(&q.0)).unwrap_or(0);
        sum.max(init) + overhead
    };
    (of("cpu", quantity::millicores), of("memory", quantity::bytes))
}

/// Whether a pod still holds its node's resources (a finished pod does not).
fn holds_resources(pod: &Pod) -> bool {
    !matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed"))
}

/// The capacity of `nodes` with the requests of `pods` scheduled on them.
pub fn capacity(nodes: &[Node], pods: &[Pod]) -> Capacity {
    let mut by_node: BTreeMap<&str, NodeCapacity> = nodes
        .iter()
        .filter_map(|n| {
            let name = n.metadata.name.as_deref()?;
            let allocatable = n.status.as_ref().and_then(|s| s.allocatable.as_ref());
            let amount = |key: &str, parse: fn(&str) -> Option<u64>| {
                allocatable.and_then(|a| a.get(key)).and_then(|q| parse(&q.0)).unwrap_or(0)
            };
            let node = NodeCapacity {
                name: name.to_string(),
                cpu: Allotment { allocatable: amount("cpu", quantity::millicores), requested: 0 },
                memory: Allotment { allocatable: amount("memory", quantity::bytes), requested: 0 },
                pods: 0,
            };
            Some((name, node))
        })
        .collect();
    for pod in pods.iter().filter(|p| holds_resources(p)) {
        let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).and_then(|n| by_node.get_mut(n)) else {
            continue;
        };
        let (cpu, memory) = pod_requests(pod);
        node.cpu.requested += cpu;
        node.memory.requested += memory;
        node.pods += 1;
    }
    let mut nodes: Vec<NodeCapacity> = by_node.into_values().collect();
    let (mut cpu, mut memory) = (Allotment::default(), Allotment::default());
    for node in &nodes {
        cpu.add(node.cpu);
        memory.add(node.memory);
    }
    let share = |r: &Allotment| if r.allocatable == 0 { 0.0 } else { r.requested as f64 / r.allocatable as f64 };
    nodes.sort_by(|a, b| share(&b.cpu).total_cmp(&share(&a.cpu)).then_with(|| a.name.cmp(&b.name)));
    Capacity { cpu, memory, nodes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, cpu: &str, memory: &str) -> Node {
        serde_json::from_value(
            json!({"metadata": {"name": name}, "status": {"allocatable": {"cpu": cpu, "memory": memory}}}),
        )
        .expect("node")
    }

    fn pod(node: &str, phase: &str, containers: serde_json::Value, init: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"nodeName": node, "containers": containers, "initContainers": init},
            "status": {"phase": phase}
        }))
        .expect("pod")
    }

    fn requests(cpu: &str, memory: &str) -> serde_json::Value {
        json!({"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}})
    }

    #[test]
    fn requests_count_containers_or_the_largest_init_container_and_skip_finished_pods() {
        let nodes = [node("a", "2", "4Gi"), node("b", "4", "8Gi")];
        let pods = [
            // Per resource the larger: CPU of the containers (750m > 500m), memory of the init
            // container (512Mi > 192Mi).
            pod(
                "a",
                "Running",
                json!([requests("250m", "64Mi"), requests("500m", "128Mi")]),
                json!([requests("500m", "512Mi")]),
            ),
            pod("a", "Succeeded", json!([requests("1", "1Gi")]), json!([])),
            pod("b", "Pending", json!([requests("100m", "1Gi")]), json!([])),
            // Not scheduled, or on a node not listed: counted nowhere.
            pod("", "Pending", json!([requests("1", "1Gi")]), json!([])),
            pod("gone", "Running", json!([requests("1", "1Gi")]), json!([])),
        ];
        let c = capacity(&nodes, &pods);
        assert_eq!(c.nodes[0].name, "a", "busiest CPU first");
        assert_eq!(c.nodes[0].cpu, Allotment { allocatable: 2000, requested: 750 });
        assert_eq!(c.nodes[0].memory, Allotment { allocatable: 4 << 30, requested: 512 << 20 });
        assert_eq!(c.nodes[0].pods, 1);
        assert_eq!(c.nodes[1].cpu, Allotment { allocatable: 4000, requested: 100 });
        assert_eq!(c.cpu, Allotment { allocatable: 6000, requested: 850 });
        assert_eq!(c.memory, Allotment { allocatable: 12 << 30, requested: (512 << 20) + (1 << 30) });
    }
}
