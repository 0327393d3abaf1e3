// Reads the describe sections make beyond the object itself: other objects by name, lists by
// selector. Each is a react-query read keyed like the rest of the app, polled while shown.

import { useQueries, useQuery } from '@tanstack/react-query';

import { ApiError } from '../api/client';
import { api, type KubeObject } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import type { KindEntry } from '../lib/kinds';
import { type ListParams, objectPath } from '../lib/resources';
import { USAGE_POLL_MS, type UsageKind } from '../lib/usage';
import { POLL_INTERVAL_MS } from '../live';

/** The catalog's entry for `group/resource` (its served version), if listed. */
export function entryOf(catalog: KindEntry[], group: string, resource: string): KindEntry | undefined {
  return catalog.find((e) => e.group === group && e.resource === resource);
}

/** One page (up to `limit`) of rows of `group/resource`; disabled while the kind is unknown. */
export function useRows(cluster: string, catalog: KindEntry[], group: string, resource: string, params: ListParams, limit = 100) {
  const entry = entryOf(catalog, group, resource);
  const ref = entry ?? { group, version: 'v1', resource };
  return useQuery({
    queryKey: queryKeys.list(cluster, ref, { ...params, limit }, 'related'),
    queryFn: ({ signal }) => api.list(cluster, ref, { ...params, limit }, signal),
    enabled: entry !== undefined,
    refetchInterval: POLL_INTERVAL_MS,
  });
}

/** The objects `names` of `group/resource` in `namespace`: each the object, null when it does not exist, undefined while read. */
export function useObjects(cluster: string, catalog: KindEntry[], group: string, resource: string, namespace: string | undefined, names: string[]) {
  const entry = entryOf(catalog, group, resource);
  const results = useQueries({
    queries: names.map((name) => {
      const path = objectPath(cluster, entry ?? { group, version: 'v1', resource }, entry?.namespaced === false ? undefined : namespace, name);
      return {
        // Its own key: a missing object is null here, an error on its own page.
        queryKey: [...queryKeys.object(path), 'referenced'],
        queryFn: async ({ signal }: { signal: AbortSignal }): Promise<KubeObject | null> => {
          try {
            return await api.object(path, signal);
          } catch (e) {
            if (e instanceof ApiError && e.status === 404) return null;
            throw e;
          }
        },
        enabled: entry !== undefined,
        refetchInterval: POLL_INTERVAL_MS,
      };
    }),
  });
  return names.map((name, i) => ({ name, data: results[i]?.data, error: results[i]?.error ?? null }));
}

/**
 * One object's usage from metrics-server (`name` of `kind`), read again every USAGE_POLL_MS.
 * Undefined while read or when the read failed: usage is extra, never an error on the page.
 */
export function useUsage(cluster: string, kind: UsageKind, namespace: string | undefined, name: string) {
  const query = { namespace: kind === 'pods' ? namespace : undefined, name };
  const usage = useQuery({
    queryKey: queryKeys.usage(cluster, kind, query),
    queryFn: ({ signal }) => api.usage(cluster, kind, query, signal),
    refetchInterval: USAGE_POLL_MS,
    retry: 1,
  });
  return usage.data;
}
