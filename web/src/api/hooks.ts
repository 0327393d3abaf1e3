// Queries shared by several components.

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import { type KindEntry, NAMESPACES_REF, toEntries } from '../lib/kinds';
import { refetchInterval } from '../live';
import { api } from './endpoints';
import { queryKeys } from './queryKeys';

export function useWhoami() {
  return useQuery({ queryKey: queryKeys.whoami(), queryFn: ({ signal }) => api.whoami(signal), staleTime: 60_000 });
}

export function useClusters() {
  return useQuery({ queryKey: queryKeys.clusters(), queryFn: ({ signal }) => api.clusters(signal), staleTime: 60_000 });
}

/** The query of a cluster's kinds (also fetched on demand, e.g. by `:ctx`). */
export function kindsQuery(cluster: string) {
  return {
    queryKey: queryKeys.kinds(cluster),
    queryFn: ({ signal }: { signal: AbortSignal }) => api.kinds(cluster, signal),
    // The server re-reads discovery every 15 s; a new CRD shows up within a minute.
    staleTime: 30_000,
  };
}

/** Every kind of the cluster as the server lists them (built-ins first), and the query's state. */
export function useKinds(cluster: string | undefined) {
  const query = useQuery({ ...kindsQuery(cluster ?? ''), enabled: Boolean(cluster) });
  const kinds = query.data?.kinds;
  const entries: KindEntry[] = useMemo(() => (kinds ? toEntries(kinds) : []), [kinds]);
  return { query, entries };
}

/** Namespaces the user may list in the cluster (the namespace picker's choices). */
export function useNamespaces(cluster: string) {
  const params = { limit: 1000, sort: 'name' };
  return useQuery({
    queryKey: queryKeys.list(cluster, NAMESPACES_REF, params, 'picker'),
    queryFn: ({ signal }) => api.list(cluster, NAMESPACES_REF, params, signal),
    staleTime: 30_000,
    refetchInterval: refetchInterval(),
  });
}
