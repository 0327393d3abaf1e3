// Generated from the server's Rust types by crates/periscope/src/api_types.rs (ts-rs).
// Do not edit: `PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib api_types` rewrites it.

import type { KindInfo } from '../api/types.gen';

/** The built-in kinds as `GET /api/clusters/{c}/kinds` lists them first. */
export const BUILTIN_KINDS: KindInfo[] = [
  {
    "group": "",
    "version": "v1",
    "kind": "Pod",
    "plural": "pods",
    "scope": "Namespaced",
    "label": "Pods",
    "shortNames": [
      "po"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "apps",
    "version": "v1",
    "kind": "Deployment",
    "plural": "deployments",
    "scope": "Namespaced",
    "label": "Deployments",
    "shortNames": [
      "deploy",
      "dp"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "scale",
      "restart",
      "rollback",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "apps",
    "version": "v1",
    "kind": "StatefulSet",
    "plural": "statefulsets",
    "scope": "Namespaced",
    "label": "StatefulSets",
    "shortNames": [
      "sts"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "scale",
      "restart",
      "rollback",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "apps",
    "version": "v1",
    "kind": "DaemonSet",
    "plural": "daemonsets",
    "scope": "Namespaced",
    "label": "DaemonSets",
    "shortNames": [
      "ds"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "restart",
      "rollback",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "apps",
    "version": "v1",
    "kind": "ReplicaSet",
    "plural": "replicasets",
    "scope": "Namespaced",
    "label": "ReplicaSets",
    "shortNames": [
      "rs"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "scale",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "batch",
    "version": "v1",
    "kind": "Job",
    "plural": "jobs",
    "scope": "Namespaced",
    "label": "Jobs",
    "shortNames": [],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "batch",
    "version": "v1",
    "kind": "CronJob",
    "plural": "cronjobs",
    "scope": "Namespaced",
    "label": "CronJobs",
    "shortNames": [
      "cj"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "suspend",
      "resume",
      "trigger",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "autoscaling",
    "version": "v2",
    "kind": "HorizontalPodAutoscaler",
    "plural": "horizontalpodautoscalers",
    "scope": "Namespaced",
    "label": "HPAs",
    "shortNames": [
      "hpa"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "policy",
    "version": "v1",
    "kind": "PodDisruptionBudget",
    "plural": "poddisruptionbudgets",
    "scope": "Namespaced",
    "label": "PDBs",
    "shortNames": [
      "pdb"
    ],
    "category": "Workloads",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "Service",
    "plural": "services",
    "scope": "Namespaced",
    "label": "Services",
    "shortNames": [
      "svc"
    ],
    "category": "Networking",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": true
  },
  {
    "group": "networking.k8s.io",
    "version": "v1",
    "kind": "Ingress",
    "plural": "ingresses",
    "scope": "Namespaced",
    "label": "Ingresses",
    "shortNames": [
      "ing"
    ],
    "category": "Networking",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "networking.k8s.io",
    "version": "v1",
    "kind": "IngressClass",
    "plural": "ingressclasses",
    "scope": "Cluster",
    "label": "IngressClasses",
    "shortNames": [],
    "category": "Networking",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "networking.k8s.io",
    "version": "v1",
    "kind": "NetworkPolicy",
    "plural": "networkpolicies",
    "scope": "Namespaced",
    "label": "NetworkPolicies",
    "shortNames": [
      "netpol"
    ],
    "category": "Networking",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "discovery.k8s.io",
    "version": "v1",
    "kind": "EndpointSlice",
    "plural": "endpointslices",
    "scope": "Namespaced",
    "label": "EndpointSlices",
    "shortNames": [],
    "category": "Networking",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "PersistentVolumeClaim",
    "plural": "persistentvolumeclaims",
    "scope": "Namespaced",
    "label": "PVCs",
    "shortNames": [
      "pvc"
    ],
    "category": "Storage",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "PersistentVolume",
    "plural": "persistentvolumes",
    "scope": "Cluster",
    "label": "PVs",
    "shortNames": [
      "pv"
    ],
    "category": "Storage",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "storage.k8s.io",
    "version": "v1",
    "kind": "StorageClass",
    "plural": "storageclasses",
    "scope": "Cluster",
    "label": "StorageClasses",
    "shortNames": [
      "sc"
    ],
    "category": "Storage",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "ConfigMap",
    "plural": "configmaps",
    "scope": "Namespaced",
    "label": "ConfigMaps",
    "shortNames": [
      "cm"
    ],
    "category": "Config",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "Secret",
    "plural": "secrets",
    "scope": "Namespaced",
    "label": "Secrets",
    "shortNames": [],
    "category": "Config",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "ResourceQuota",
    "plural": "resourcequotas",
    "scope": "Namespaced",
    "label": "ResourceQuotas",
    "shortNames": [
      "quota"
    ],
    "category": "Config",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "LimitRange",
    "plural": "limitranges",
    "scope": "Namespaced",
    "label": "LimitRanges",
    "shortNames": [
      "limits"
    ],
    "category": "Config",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "ServiceAccount",
    "plural": "serviceaccounts",
    "scope": "Namespaced",
    "label": "ServiceAccounts",
    "shortNames": [
      "sa"
    ],
    "category": "RBAC",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "rbac.authorization.k8s.io",
    "version": "v1",
    "kind": "Role",
    "plural": "roles",
    "scope": "Namespaced",
    "label": "Roles",
    "shortNames": [],
    "category": "RBAC",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "rbac.authorization.k8s.io",
    "version": "v1",
    "kind": "RoleBinding",
    "plural": "rolebindings",
    "scope": "Namespaced",
    "label": "RoleBindings",
    "shortNames": [
      "rb"
    ],
    "category": "RBAC",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "rbac.authorization.k8s.io",
    "version": "v1",
    "kind": "ClusterRole",
    "plural": "clusterroles",
    "scope": "Cluster",
    "label": "ClusterRoles",
    "shortNames": [],
    "category": "RBAC",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "rbac.authorization.k8s.io",
    "version": "v1",
    "kind": "ClusterRoleBinding",
    "plural": "clusterrolebindings",
    "scope": "Cluster",
    "label": "ClusterRoleBindings",
    "shortNames": [
      "crb"
    ],
    "category": "RBAC",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "Node",
    "plural": "nodes",
    "scope": "Cluster",
    "label": "Nodes",
    "shortNames": [
      "no"
    ],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "cordon",
      "uncordon",
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "Namespace",
    "plural": "namespaces",
    "scope": "Cluster",
    "label": "Namespaces",
    "shortNames": [
      "ns"
    ],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "",
    "version": "v1",
    "kind": "Event",
    "plural": "events",
    "scope": "Namespaced",
    "label": "Events",
    "shortNames": [
      "ev"
    ],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "scheduling.k8s.io",
    "version": "v1",
    "kind": "PriorityClass",
    "plural": "priorityclasses",
    "scope": "Cluster",
    "label": "PriorityClasses",
    "shortNames": [
      "pc"
    ],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "node.k8s.io",
    "version": "v1",
    "kind": "RuntimeClass",
    "plural": "runtimeclasses",
    "scope": "Cluster",
    "label": "RuntimeClasses",
    "shortNames": [],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  },
  {
    "group": "apiextensions.k8s.io",
    "version": "v1",
    "kind": "CustomResourceDefinition",
    "plural": "customresourcedefinitions",
    "scope": "Cluster",
    "label": "CRDs",
    "shortNames": [
      "crd",
      "crds"
    ],
    "category": "Cluster",
    "builtin": true,
    "actions": [
      "labels",
      "delete"
    ],
    "live": true,
    "logs": false
  }
];
