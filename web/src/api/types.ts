// Shapes of the API answers the console reads (docs/api.md).

export interface WhoAmI {
  subject: string;
  email: string;
  groups: string[];
  mode: string;
  tier: string | null;
  expiresAt: number | null;
}

export interface ClusterEntry {
  name: string;
  backend: string;
  environment?: string;
}

export interface Column {
  key: string;
  label: string;
}

export type Row = Record<string, unknown> & { name: string; namespace?: string; uid?: string; createdAt?: string };

export interface ListPage {
  items: Row[];
  columns: Column[];
  continue?: string;
  total?: number;
  resourceVersion?: string;
}

export interface Reason {
  code: string;
  message?: string;
}

export interface FleetCluster {
  name: string;
  environment?: string;
  region?: string;
  status: string;
  version: string | null;
  nodes: { ready: number; total: number } | null;
  pods: { running: number; pending: number; failed: number; total: number } | null;
  namespaces?: number | null;
  stuckOrFailed?: number;
  hotSignals?: { kind: string; count: number }[];
  error?: Reason;
}

export interface Fleet {
  rollup: { totalClusters: number; byStatus: Record<string, number>; pods: number };
  clusters: FleetCluster[];
}

export interface WorkloadCounts {
  total: number;
  notReady: number;
  desired: number;
  ready: number;
}

export interface FailingPod {
  namespace: string;
  name: string;
  phase: string;
  reason: string;
  restarts: number;
  node?: string;
}

export interface Dashboard {
  cluster: string;
  kubernetesVersion: string | null;
  accessibility: Record<string, string>;
  errors?: Record<string, Reason>;
  nodes: { ready: number; total: number } | null;
  namespaces: number | null;
  pods: { total: number; byPhase: Record<string, number>; failing: number } | null;
  failingPods: FailingPod[] | null;
  failingPodsTruncated?: boolean;
  workloads: Record<string, WorkloadCounts | null> | null;
  generatedAt: string;
}

export interface SearchHit {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface SearchAnswer {
  results: SearchHit[];
  total: number;
  partial?: boolean;
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  metadata?: { creationTimestamp?: string };
}
