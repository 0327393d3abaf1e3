// The sidebar: built-in kinds in groups, plus custom resources found through the CRD list.

import type { Row } from '../api/types';
import type { KindRef } from './resources';

export interface KindEntry extends KindRef {
  kind: string;
  label: string;
  namespaced: boolean;
  /** A CRD's own short names (`spec.names.shortNames`); built-ins use SHORT_NAMES. */
  shortNames?: string[];
}

export interface KindGroup {
  title: string;
  kinds: KindEntry[];
}

const k = (group: string, version: string, resource: string, kind: string, label: string, namespaced = true): KindEntry => ({
  group,
  version,
  resource,
  kind,
  label,
  namespaced,
});

export const BUILTIN_GROUPS: KindGroup[] = [
  {
    title: 'Workloads',
    kinds: [
      k('core', 'v1', 'pods', 'Pod', 'Pods'),
      k('apps', 'v1', 'deployments', 'Deployment', 'Deployments'),
      k('apps', 'v1', 'statefulsets', 'StatefulSet', 'StatefulSets'),
      k('apps', 'v1', 'daemonsets', 'DaemonSet', 'DaemonSets'),
      k('apps', 'v1', 'replicasets', 'ReplicaSet', 'ReplicaSets'),
      k('batch', 'v1', 'jobs', 'Job', 'Jobs'),
      k('batch', 'v1', 'cronjobs', 'CronJob', 'CronJobs'),
      k('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'HPAs'),
      k('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', 'PDBs'),
    ],
  },
  {
    title: 'Networking',
    kinds: [
      k('core', 'v1', 'services', 'Service', 'Services'),
      k('networking.k8s.io', 'v1', 'ingresses', 'Ingress', 'Ingresses'),
      k('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', 'IngressClasses', false),
      k('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', 'NetworkPolicies'),
      k('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', 'EndpointSlices'),
    ],
  },
  {
    title: 'Storage',
    kinds: [
      k('core', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', 'PVCs'),
      k('core', 'v1', 'persistentvolumes', 'PersistentVolume', 'PVs', false),
      k('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', 'StorageClasses', false),
    ],
  },
  {
    title: 'Config',
    kinds: [
      k('core', 'v1', 'configmaps', 'ConfigMap', 'ConfigMaps'),
      k('core', 'v1', 'secrets', 'Secret', 'Secrets'),
      k('core', 'v1', 'resourcequotas', 'ResourceQuota', 'ResourceQuotas'),
      k('core', 'v1', 'limitranges', 'LimitRange', 'LimitRanges'),
    ],
  },
  {
    title: 'RBAC',
    kinds: [
      k('core', 'v1', 'serviceaccounts', 'ServiceAccount', 'ServiceAccounts'),
      k('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', 'Roles'),
      k('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', 'RoleBindings'),
      k('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', 'ClusterRoles', false),
      k('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', 'ClusterRoleBindings', false),
    ],
  },
  {
    title: 'Cluster',
    kinds: [
      k('core', 'v1', 'nodes', 'Node', 'Nodes', false),
      k('core', 'v1', 'namespaces', 'Namespace', 'Namespaces', false),
      k('core', 'v1', 'events', 'Event', 'Events'),
      k('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', 'PriorityClasses', false),
      k('node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', 'RuntimeClasses', false),
      k('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', 'CRDs', false),
    ],
  },
];

export const BUILTINS: KindEntry[] = BUILTIN_GROUPS.flatMap((g) => g.kinds);

export const CRD_REF: KindRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
export const NAMESPACES_REF: KindRef = { group: 'core', version: 'v1', resource: 'namespaces' };
export const PODS_REF: KindRef = { group: 'core', version: 'v1', resource: 'pods' };

/** The built-in entry for a group/version/resource, if it is one. */
export function findBuiltin(ref: KindRef): KindEntry | undefined {
  return BUILTINS.find((b) => b.group === ref.group && b.version === ref.version && b.resource === ref.resource);
}

/** The built-in entry for an object kind name (owner references carry kind names). */
export function builtinByKind(apiVersion: string, kind: string): KindEntry | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : 'core';
  return BUILTINS.find((b) => b.kind === kind && b.group === group);
}

/** Custom resources from rows of the CRD list (`name` is `plural.group`; `versions` a comma list). */
export function customKinds(rows: Row[]): KindEntry[] {
  const out: KindEntry[] = [];
  for (const row of rows) {
    const group = typeof row.group === 'string' ? row.group : row.name.split('.').slice(1).join('.');
    const resource = row.name.split('.')[0] ?? '';
    const versions = typeof row.versions === 'string' ? row.versions : '';
    const version = versions.split(',')[0]?.trim() ?? '';
    if (!group || !resource || !version) continue;
    const kind = typeof row.kind === 'string' ? row.kind : resource;
    const entry: KindEntry = { group, version, resource, kind, label: kind, namespaced: row.scope !== 'Cluster' };
    const shortNames = typeof row.shortNames === 'string' ? row.shortNames.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (shortNames.length) entry.shortNames = shortNames;
    out.push(entry);
  }
  return out.sort((a, b) => a.label.localeCompare(b.label) || a.group.localeCompare(b.group));
}
