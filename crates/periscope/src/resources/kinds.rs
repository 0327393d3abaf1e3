//! The table of resource kinds Periscope serves. A kind is a row, not a handler.

use kube::discovery::ApiResource;

use super::{
    builtin,
    projection::{Column, Projection},
};

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// One served kind: where it lives in the API and how its list rows look.
pub struct KindSpec {
    /// API group; `""` is the core group (written `core` in URLs).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Lowercase plural, as in the API path.
    pub plural: &'static str,
    pub scope: Scope,
    pub projection: Projection,
}

impl KindSpec {
    /// The kube-rs description of this kind for dynamic calls.
    pub fn api_resource(&self) -> ApiResource {
        let api_version =
            if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) };
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version,
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }

    /// The list columns of this kind.
    pub fn columns(&self) -> &'static [Column] {
        self.projection.columns
    }
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    scope: Scope,
    projection: Projection,
) -> KindSpec {
    KindSpec { group, version, kind, plural, scope, projection }
}

/// The built-in kinds: the Go original's thirty, events and CRDs. Any other served kind
/// (custom resources, aggregated APIs) is found by discovery in `catalog.rs`.
pub static KINDS: &[KindSpec] = &[
    kind("", "v1", "Node", "nodes", Scope::Cluster, builtin::NODE),
    kind("", "v1", "Namespace", "namespaces", Scope::Cluster, builtin::NAMESPACE),
    kind("", "v1", "Pod", "pods", Scope::Namespaced, builtin::POD),
    kind("apps", "v1", "Deployment", "deployments", Scope::Namespaced, builtin::DEPLOYMENT),
    kind("apps", "v1", "StatefulSet", "statefulsets", Scope::Namespaced, builtin::STATEFULSET),
    kind("apps", "v1", "DaemonSet", "daemonsets", Scope::Namespaced, builtin::DAEMONSET),
    kind("apps", "v1", "ReplicaSet", "replicasets", Scope::Namespaced, builtin::REPLICASET),
    kind("", "v1", "Service", "services", Scope::Namespaced, builtin::SERVICE),
    kind("networking.k8s.io", "v1", "Ingress", "ingresses", Scope::Namespaced, builtin::INGRESS),
    kind("", "v1", "ConfigMap", "configmaps", Scope::Namespaced, builtin::CONFIGMAP),
    kind("", "v1", "Secret", "secrets", Scope::Namespaced, builtin::SECRET),
    kind("batch", "v1", "Job", "jobs", Scope::Namespaced, builtin::JOB),
    kind("batch", "v1", "CronJob", "cronjobs", Scope::Namespaced, builtin::CRONJOB),
    kind("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", Scope::Namespaced, builtin::PVC),
    kind("", "v1", "PersistentVolume", "persistentvolumes", Scope::Cluster, builtin::PV),
    kind("storage.k8s.io", "v1", "StorageClass", "storageclasses", Scope::Cluster, builtin::STORAGECLASS),
    kind("rbac.authorization.k8s.io", "v1", "Role", "roles", Scope::Namespaced, builtin::ROLE),
    kind("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", Scope::Cluster, builtin::CLUSTERROLE),
    kind("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", Scope::Namespaced, builtin::ROLEBINDING),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        Scope::Cluster,
        builtin::CLUSTERROLEBINDING,
    ),
    kind("", "v1", "ServiceAccount", "serviceaccounts", Scope::Namespaced, builtin::SERVICEACCOUNT),
    kind("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", Scope::Namespaced, builtin::HPA),
    kind("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", Scope::Namespaced, builtin::PDB),
    kind("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", Scope::Namespaced, builtin::NETWORKPOLICY),
    kind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", Scope::Namespaced, builtin::ENDPOINTSLICE),
    kind("", "v1", "ResourceQuota", "resourcequotas", Scope::Namespaced, builtin::NAMESPACED_PLAIN),
    kind("", "v1", "LimitRange", "limitranges", Scope::Namespaced, builtin::NAMESPACED_PLAIN),
    kind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", Scope::Cluster, builtin::INGRESSCLASS),
    kind("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", Scope::Cluster, builtin::PRIORITYCLASS),
    kind("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", Scope::Cluster, builtin::RUNTIMECLASS),
    kind("", "v1", "Event", "events", Scope::Namespaced, builtin::EVENT),
    kind(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        Scope::Cluster,
        builtin::CRD,
    ),
];

/// Finds a kind by its URL segments; `group` is `core` for the core group.
pub fn find_kind(group: &str, version: &str, plural: &str) -> Option<&'static KindSpec> {
    let group = if group == "core" { "" } else { group };
    KINDS.iter().find(|k| k.group == group && k.version == version && k.plural == plural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_scoped_kinds_show_no_namespace_column_and_namespaced_ones_do() {
        for kind in KINDS {
            let has_namespace = kind.columns().iter().any(|c| c.key == "namespace");
            assert_eq!(has_namespace, kind.scope == Scope::Namespaced, "{}", kind.plural);
        }
    }

    #[test]
    fn core_is_the_empty_group() {
        let pods = find_kind("core", "v1", "pods").expect("pods");
        assert_eq!(pods.api_resource().api_version, "v1");
        assert!(find_kind("", "v1", "pods").is_some());
        assert!(find_kind("core", "v2", "pods").is_none());
        assert!(find_kind("apps", "v1", "pods").is_none());
    }
}
