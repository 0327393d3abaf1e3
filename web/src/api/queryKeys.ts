// Every query key of the app, from one factory, so a query and whatever invalidates it cannot
// drift apart. Keys are hierarchical: invalidating `object(path)` reaches that object's
// detail, YAML, events, revisions and history; `lists(cluster)` every list of the cluster.

import type { QueryKey } from '@tanstack/react-query';

import { apiGroup, type KindRef, type ListParams } from '../lib/resources';
import type { UsageKind, UsageQuery } from '../lib/usage';
import type { SearchScope } from './endpoints';
import type { Check } from './types.gen';

/** What one object's page reads. */
export type ObjectPart = 'detail' | 'yaml' | 'events' | 'revisions' | 'history';

/** What one Helm release's page reads. */
export type HelmPart = 'detail' | 'history' | 'diff' | 'drift';

export const queryKeys = {
  whoami: () => ['whoami'] as const,
  features: () => ['features'] as const,
  clusters: () => ['clusters'] as const,
  kinds: (cluster: string) => ['kinds', cluster] as const,
  fleet: () => ['fleet'] as const,
  dashboard: (cluster: string) => ['dashboard', cluster] as const,
  /** Usage from metrics-server: every usage read of a cluster (no kind), or one read. */
  usage: (cluster: string, kind?: UsageKind, query?: UsageQuery) =>
    kind === undefined ? (['usage', cluster] as const) : (['usage', cluster, kind, query ?? {}] as const),
  search: (scope: SearchScope | 'all', cluster?: string, q?: string) =>
    scope === 'all' ? (['search'] as const) : (['search', scope, cluster ?? '*', q ?? ''] as const),
  canI: (cluster: string, checks: Check[]) => ['can-i', cluster, checks] as const,
  /** Every list of a cluster. */
  lists: (cluster: string) => ['list', cluster] as const,
  /** Every list of one kind in a cluster (`''` and `core` are the same group). */
  kindLists: (cluster: string, ref: KindRef) => ['list', cluster, apiGroup(ref.group), ref.version, ref.resource] as const,
  /** One list view; `use` tells apart views of the same query shown differently (related pods, the namespace picker). */
  list: (cluster: string, ref: KindRef, params: ListParams, use?: 'related' | 'picker' | 'exec-pods') =>
    [...queryKeys.kindLists(cluster, ref), params, ...(use ? [use] : [])] as const,
  /** Everything read about one object (its API path). */
  object: (path: string) => ['object', path] as const,
  objectPart: (path: string, part: ObjectPart) => ['object', path, part] as const,
  /** Helm releases of a cluster (a list of the cluster: a write anywhere in it refreshes it). */
  helmReleases: (cluster: string, namespace?: string) => ['list', cluster, 'helm', namespace ?? ''] as const,
  /** What one release's page reads (`path` from `releasePath`: under `object(path)`, so `changedBy` reaches it). */
  helmRelease: (path: string, part: HelmPart, ...args: (string | number)[]) => ['object', path, `helm-${part}`, ...args] as const,
  /** A chart repository's versions of a chart (no version), or one version's default values. */
  chart: (cluster: string, repo: string, chart: string, version?: string) =>
    version === undefined ? (['chart', cluster, repo, chart, 'versions'] as const) : (['chart', cluster, repo, chart, 'values', version] as const),
  /** A cluster's OpenAPI v3 document for one group/version (`api/v1`, `apis/apps/v1`): the editor's schemas. */
  openapi: (cluster: string, apiPath: string) => ['openapi', cluster, apiPath] as const,
  /** Open terminal sessions (the caller's, or everyone's for audit admins). */
  execSessions: () => ['exec', 'sessions'] as const,
  recordings: () => ['exec', 'recordings'] as const,
  /** The audit rows of a view (its filters and range as in its URL; a preset's start is resolved when read), paged. */
  auditRows: (view: string) => ['audit', 'rows', view] as const,
  /** The density timeline of a view (its filters and range, not the resolved times). */
  auditTimeline: (view: string) => ['audit', 'timeline', view] as const,
  /** The rows of one request (the event detail). */
  auditRequest: (requestId: string) => ['audit', 'request', requestId] as const,
  /** Personal access tokens: the caller's (`mine`) or everyone's (audit admins); no scope: both. */
  tokens: (scope?: 'mine' | 'all') => (scope ? (['tokens', scope] as const) : (['tokens'] as const)),
};

/** The object a mutation acted on. */
export interface Mutated {
  cluster: string;
  /** The object's API path. */
  path: string;
}

/**
 * What a mutation of one object may change: the object (detail, YAML, events, revisions, history),
 * every list of its cluster (its kind's, and the kinds it owns or creates: a rollout's pods, a
 * triggered Job), the cluster's overview, the fleet's counts and search results. Queries not
 * on screen are only marked stale.
 */
export function changedBy(target: Mutated): QueryKey[] {
  return [
    queryKeys.object(target.path),
    queryKeys.lists(target.cluster),
    queryKeys.dashboard(target.cluster),
    queryKeys.fleet(),
    queryKeys.search('all'),
  ];
}
