// Queries shared by several components.

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import { BUILTINS, CRD_REF, customKinds, type KindEntry, NAMESPACES_REF } from '../lib/kinds';
import { listQuery, resourcePath } from '../lib/resources';
import { refetchInterval } from '../live';
import { getJson } from './client';
import type { ClusterEntry, ListPage, WhoAmI } from './types';

export function useWhoami() {
  return useQuery({ queryKey: ['whoami'], queryFn: ({ signal }) => getJson<WhoAmI>('/api/auth/whoami', signal), staleTime: 60_000 });
}

export function useClusters() {
  return useQuery({
    queryKey: ['clusters'],
    queryFn: ({ signal }) => getJson<{ clusters: ClusterEntry[] }>('/api/clusters', signal),
    staleTime: 60_000,
  });
}

/** The query of a cluster's CRDs (also fetched on demand, e.g. by `:ctx`). */
export function crdsQuery(cluster: string | undefined) {
  return {
    queryKey: ['crds', cluster],
    queryFn: ({ signal }: { signal: AbortSignal }) => getJson<ListPage>(`${resourcePath(cluster ?? '', CRD_REF)}${listQuery({ limit: 500 })}`, signal),
    staleTime: 30_000,
  };
}

/** The cluster's CRDs (for the custom-resources sidebar group and the command line). */
export function useCrds(cluster: string | undefined) {
  return useQuery({ ...crdsQuery(cluster), enabled: Boolean(cluster) });
}

/** Every kind of the cluster: the built-ins, then its custom resources. */
export function useKindCatalog(cluster: string | undefined): KindEntry[] {
  const crds = useCrds(cluster);
  const rows = crds.data?.items;
  return useMemo(() => [...BUILTINS, ...(rows ? customKinds(rows) : [])], [rows]);
}

/** Namespaces the user may list in the cluster (the namespace picker's choices). */
export function useNamespaces(cluster: string) {
  return useQuery({
    queryKey: ['namespaces', cluster],
    queryFn: ({ signal }) => getJson<ListPage>(`${resourcePath(cluster, NAMESPACES_REF)}${listQuery({ limit: 1000, sort: 'name' })}`, signal),
    staleTime: 30_000,
    refetchInterval: refetchInterval(),
  });
}
