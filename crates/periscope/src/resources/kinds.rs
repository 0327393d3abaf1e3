//! The table of resource kinds Periscope serves. A kind is a row, not a handler: where it
//! lives in the API, how its list rows look, where the console shows it, its short names,
//! whether search looks through it and which one-click actions apply to it. The web app reads
//! this table from `GET /api/clusters/{c}/kinds` (routes/kinds.rs); it keeps no copy.

use kube::discovery::ApiResource;
use serde::Serialize;
use ts_rs::TS;

use crate::usage::UsageKind;

use super::{
    builtin,
    projection::{Column, Projection},
};

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// The section of the console's sidebar a kind is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum Category {
    Workloads,
    Networking,
    Storage,
    Config,
    #[serde(rename = "RBAC")]
    Rbac,
    Cluster,
    /// Kinds defined by a CustomResourceDefinition (not in this table).
    #[serde(rename = "Custom resources")]
    Custom,
}

/// A one-click action on one object (docs/api.md, Objects): its sub-path is its name, except
/// `delete`, which is `DELETE` of the object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Scale,
    Restart,
    Rollback,
    Cordon,
    Uncordon,
    Suspend,
    Resume,
    Trigger,
    Labels,
    Delete,
}

/// `(group, plural)` of the workloads that roll pods out from a template (restart, revisions,
/// roll back).
const WORKLOADS: &[(&str, &str)] = &[("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets")];
/// `(group, plural)` of the kinds with `spec.replicas` a user scales.
const SCALABLE: &[(&str, &str)] = &[("apps", "deployments"), ("apps", "statefulsets"), ("apps", "replicasets")];
/// Nodes (cordon, uncordon).
const NODES: &[(&str, &str)] = &[("", "nodes")];
/// CronJobs (suspend, resume, trigger).
const CRONJOBS: &[(&str, &str)] = &[("batch", "cronjobs")];
/// `(group, plural)` of the kinds whose logs the console streams: pods, and the kinds whose
/// pods a selector finds (a CronJob's through its latest Job).
pub const WITH_LOGS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "services"),
];

/// Whether the console streams logs of kind `group`/`plural`.
pub fn has_logs(group: &str, plural: &str) -> bool {
    WITH_LOGS.iter().any(|(g, p)| *g == group && *p == plural)
}

impl Action {
    /// Every action, in the order the console shows its buttons.
    pub const ALL: &'static [Action] = &[
        Action::Scale,
        Action::Restart,
        Action::Rollback,
        Action::Cordon,
        Action::Uncordon,
        Action::Suspend,
        Action::Resume,
        Action::Trigger,
        Action::Labels,
        Action::Delete,
    ];

    /// The `(group, plural)` kinds the action applies to; `None`: every kind.
    pub const fn kinds(self) -> Option<&'static [(&'static str, &'static str)]> {
        match self {
            Action::Scale => Some(SCALABLE),
            Action::Restart | Action::Rollback => Some(WORKLOADS),
            Action::Cordon | Action::Uncordon => Some(NODES),
            Action::Suspend | Action::Resume | Action::Trigger => Some(CRONJOBS),
            Action::Labels | Action::Delete => None,
        }
    }

    /// The RBAC verb the action needs: on the object's resource, except `trigger`, which
    /// creates a Job.
    pub const fn verb(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::Trigger => "create",
            _ => "patch",
        }
    }

    /// Whether the action applies to kind `group`/`plural` (`""` is the core group).
    pub fn applies_to(self, group: &str, plural: &str) -> bool {
        self.kinds().is_none_or(|kinds| kinds.iter().any(|(g, p)| *g == group && *p == plural))
    }

    /// The actions of kind `group`/`plural`.
    pub fn of_kind(group: &str, plural: &str) -> Vec<Action> {
        Action::ALL.iter().copied().filter(|a| a.applies_to(group, plural)).collect()
    }
}

/// One served kind: where it lives in the API, how its list rows look, how the console names it.
pub struct KindSpec {
    /// API group; `""` is the core group (written `core` in URLs).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Lowercase plural, as in the API path.
    pub plural: &'static str,
    pub scope: Scope,
    pub projection: Projection,
    /// The sidebar section.
    pub category: Category,
    /// What the sidebar and page titles call the kind (`Pods`, `HPAs`).
    pub label: &'static str,
    /// kubectl's short names, and a few k9s ones (`dp`, `rb`, `crb`).
    pub short_names: &'static [&'static str],
    /// Position in the Cmd+K search (ties are broken in this order); `None`: not searched.
    pub search_rank: Option<u8>,
    /// The metrics.k8s.io samples of this kind (pods, nodes): its lists gain usage columns.
    pub usage: Option<UsageKind>,
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

    /// The one-click actions of this kind.
    pub fn actions(&self) -> Vec<Action> {
        Action::of_kind(self.group, self.plural)
    }

    const fn short(mut self, names: &'static [&'static str]) -> Self {
        self.short_names = names;
        self
    }

    const fn searched(mut self, rank: u8) -> Self {
        self.search_rank = Some(rank);
        self
    }

    const fn metered(mut self, usage: UsageKind) -> Self {
        self.usage = Some(usage);
        self
    }
}

/// A row: `(category, label)` for the console, then the API's names, scope and projection.
const fn kind(
    (category, label): (Category, &'static str),
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    scope: Scope,
    projection: Projection,
) -> KindSpec {
    KindSpec {
        group,
        version,
        kind,
        plural,
        scope,
        projection,
        category,
        label,
        short_names: &[],
        search_rank: None,
        usage: None,
    }
}

use Category::{Cluster as ClusterWide, Config, Networking, Rbac, Storage, Workloads};
use Scope::{Cluster, Namespaced};

/// The built-in kinds: the Go original's thirty, events and CRDs, in sidebar order. Any other
/// served kind (custom resources, aggregated APIs) is found by discovery in `catalog.rs`.
pub static KINDS: &[KindSpec] = &[
    kind((Workloads, "Pods"), "", "v1", "Pod", "pods", Namespaced, builtin::POD)
        .short(&["po"])
        .searched(0)
        .metered(UsageKind::Pods),
    kind((Workloads, "Deployments"), "apps", "v1", "Deployment", "deployments", Namespaced, builtin::DEPLOYMENT)
        .short(&["deploy", "dp"])
        .searched(1),
    kind((Workloads, "StatefulSets"), "apps", "v1", "StatefulSet", "statefulsets", Namespaced, builtin::STATEFULSET)
        .short(&["sts"])
        .searched(2),
    kind((Workloads, "DaemonSets"), "apps", "v1", "DaemonSet", "daemonsets", Namespaced, builtin::DAEMONSET)
        .short(&["ds"])
        .searched(3),
    kind((Workloads, "ReplicaSets"), "apps", "v1", "ReplicaSet", "replicasets", Namespaced, builtin::REPLICASET)
        .short(&["rs"]),
    kind((Workloads, "Jobs"), "batch", "v1", "Job", "jobs", Namespaced, builtin::JOB).searched(7),
    kind((Workloads, "CronJobs"), "batch", "v1", "CronJob", "cronjobs", Namespaced, builtin::CRONJOB)
        .short(&["cj"])
        .searched(8),
    kind(
        (Workloads, "HPAs"),
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        Namespaced,
        builtin::HPA,
    )
    .short(&["hpa"]),
    kind((Workloads, "PDBs"), "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", Namespaced, builtin::PDB)
        .short(&["pdb"]),
    kind((Networking, "Services"), "", "v1", "Service", "services", Namespaced, builtin::SERVICE)
        .short(&["svc"])
        .searched(4),
    kind((Networking, "Ingresses"), "networking.k8s.io", "v1", "Ingress", "ingresses", Namespaced, builtin::INGRESS)
        .short(&["ing"])
        .searched(9),
    kind(
        (Networking, "IngressClasses"),
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        Cluster,
        builtin::INGRESSCLASS,
    ),
    kind(
        (Networking, "NetworkPolicies"),
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        Namespaced,
        builtin::NETWORKPOLICY,
    )
    .short(&["netpol"]),
    kind(
        (Networking, "EndpointSlices"),
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        Namespaced,
        builtin::ENDPOINTSLICE,
    ),
    kind((Storage, "PVCs"), "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", Namespaced, builtin::PVC)
        .short(&["pvc"]),
    kind((Storage, "PVs"), "", "v1", "PersistentVolume", "persistentvolumes", Cluster, builtin::PV).short(&["pv"]),
    kind(
        (Storage, "StorageClasses"),
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        Cluster,
        builtin::STORAGECLASS,
    )
    .short(&["sc"]),
    kind((Config, "ConfigMaps"), "", "v1", "ConfigMap", "configmaps", Namespaced, builtin::CONFIGMAP)
        .short(&["cm"])
        .searched(5),
    // Search lists Secrets as metadata only, like every kind: it never reads data.
    kind((Config, "Secrets"), "", "v1", "Secret", "secrets", Namespaced, builtin::SECRET).searched(6),
    kind(
        (Config, "ResourceQuotas"),
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        Namespaced,
        builtin::NAMESPACED_PLAIN,
    )
    .short(&["quota"]),
    kind((Config, "LimitRanges"), "", "v1", "LimitRange", "limitranges", Namespaced, builtin::NAMESPACED_PLAIN)
        .short(&["limits"]),
    kind((Rbac, "ServiceAccounts"), "", "v1", "ServiceAccount", "serviceaccounts", Namespaced, builtin::SERVICEACCOUNT)
        .short(&["sa"]),
    kind((Rbac, "Roles"), "rbac.authorization.k8s.io", "v1", "Role", "roles", Namespaced, builtin::ROLE),
    kind(
        (Rbac, "RoleBindings"),
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Namespaced,
        builtin::ROLEBINDING,
    )
    .short(&["rb"]),
    kind(
        (Rbac, "ClusterRoles"),
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        Cluster,
        builtin::CLUSTERROLE,
    ),
    kind(
        (Rbac, "ClusterRoleBindings"),
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        Cluster,
        builtin::CLUSTERROLEBINDING,
    )
    .short(&["crb"]),
    kind((ClusterWide, "Nodes"), "", "v1", "Node", "nodes", Cluster, builtin::NODE)
        .short(&["no"])
        .searched(10)
        .metered(UsageKind::Nodes),
    kind((ClusterWide, "Namespaces"), "", "v1", "Namespace", "namespaces", Cluster, builtin::NAMESPACE)
        .short(&["ns"])
        .searched(11),
    kind((ClusterWide, "Events"), "", "v1", "Event", "events", Namespaced, builtin::EVENT).short(&["ev"]),
    kind(
        (ClusterWide, "PriorityClasses"),
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        Cluster,
        builtin::PRIORITYCLASS,
    )
    .short(&["pc"]),
    kind(
        (ClusterWide, "RuntimeClasses"),
        "node.k8s.io",
        "v1",
        "RuntimeClass",
        "runtimeclasses",
        Cluster,
        builtin::RUNTIMECLASS,
    ),
    kind(
        (ClusterWide, "CRDs"),
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        Cluster,
        builtin::CRD,
    )
    .short(&["crd", "crds"]),
];

/// Finds a kind by its URL segments; `group` is `core` for the core group.
pub fn find_kind(group: &str, version: &str, plural: &str) -> Option<&'static KindSpec> {
    let group = if group == "core" { "" } else { group };
    KINDS.iter().find(|k| k.group == group && k.version == version && k.plural == plural)
}

/// The kinds Cmd+K searches, in their tie-break order.
pub fn searched_kinds() -> Vec<&'static KindSpec> {
    let mut kinds: Vec<&'static KindSpec> = KINDS.iter().filter(|k| k.search_rank.is_some()).collect();
    kinds.sort_by_key(|k| k.search_rank);
    kinds
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

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

    #[test]
    fn names_are_unique_and_rows_stay_grouped_by_category() {
        let mut names = HashSet::new();
        for kind in KINDS {
            assert!(names.insert(kind.plural), "plural {}", kind.plural);
            for short in kind.short_names {
                assert!(names.insert(short), "short name {short}");
            }
        }
        let mut seen: Vec<Category> = Vec::new();
        for kind in KINDS {
            if seen.last() != Some(&kind.category) {
                assert!(!seen.contains(&kind.category), "{} breaks up {:?}", kind.plural, kind.category);
                seen.push(kind.category);
            }
        }
        let ranks: Vec<Option<u8>> = searched_kinds().iter().map(|k| k.search_rank).collect();
        assert_eq!(ranks, (0..12).map(Some).collect::<Vec<_>>(), "search ranks are 0.. without gaps");
    }

    #[test]
    fn actions_are_decided_by_group_and_plural() {
        assert_eq!(
            find_kind("apps", "v1", "deployments").map(KindSpec::actions),
            Some(vec![Action::Scale, Action::Restart, Action::Rollback, Action::Labels, Action::Delete])
        );
        assert_eq!(Action::of_kind("apps", "replicasets"), vec![Action::Scale, Action::Labels, Action::Delete]);
        assert_eq!(
            Action::of_kind("", "nodes"),
            vec![Action::Cordon, Action::Uncordon, Action::Labels, Action::Delete]
        );
        assert_eq!(Action::of_kind("batch", "cronjobs")[..3], [Action::Suspend, Action::Resume, Action::Trigger]);
        // A custom resource that happens to be called `deployments` is not a Deployment.
        assert_eq!(Action::of_kind("example.com", "deployments"), vec![Action::Labels, Action::Delete]);
    }
}
