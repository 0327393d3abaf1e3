// The audit routes' answers (docs/audit.md "Reading the trail"). The server builds them with
// `json!`, so their types are written here by hand, in the server's field names.

import type { JsonValue } from '../api/types.gen';

export type AuditOutcome = 'success' | 'failure' | 'denied';
export type AuditPhase = 'intent' | 'outcome';

/** The Kubernetes object an action touched (every part optional). */
export interface AuditResource {
  group?: string;
  version?: string;
  /** The plural, e.g. `deployments`. */
  resource?: string;
  namespace?: string;
  name?: string;
}

/** One audit row as `GET /api/audit` answers it. */
export interface AuditItem {
  id: number;
  /** RFC 3339. */
  timestamp: string;
  requestId: string;
  route: string | null;
  phase: AuditPhase;
  verb: string;
  outcome: AuditOutcome | null;
  actor: { sub: string; email?: string; groups: string[] };
  cluster: string | null;
  resource: AuditResource;
  reason: string | null;
  extra: JsonValue | null;
}

/** `GET /api/audit`: one page, newest first; `total` counts up to 10,000 (`totalCapped` beyond). */
export interface AuditPage {
  items: AuditItem[];
  total: number;
  totalCapped: boolean;
  limit: number;
  offset: number;
}

/** One stretch of the density timeline. */
export interface AuditBucket {
  /** RFC 3339. */
  start: string;
  total: number;
  denied: number;
  failed: number;
}

/** `GET /api/audit/timeline`. */
export interface AuditTimeline {
  from: string;
  to: string;
  bucketSeconds: number;
  buckets: AuditBucket[];
}

/** The first broken row of one writer's chain. */
export interface ChainProblem {
  writerId: string;
  rowId: number;
  seq: number;
  reason: string;
  /** Present when the server names the broken row's request (links to its rows). */
  requestId?: string;
}

/** `GET /api/audit/chain` (audit admins). */
export interface ChainReport {
  ok: boolean;
  rows: number;
  chains: number;
  problems: ChainProblem[];
  store: string;
  checkedAt: string;
  elapsedMs: number;
}
