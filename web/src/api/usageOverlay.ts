// Keeps the usage cells (CPU, memory) of a pods or nodes list fresh: the list's answer carries
// them when metrics are available, the live stream does not (lib/liveRows.ts keeps them on a
// replaced row), so while the list shows usage columns the usage endpoint is polled for the
// list's scope and its values are laid over the rows the list holds.

import { type QueryKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import type { ListData } from '../lib/liveRows';
import { overlayUsage, USAGE_LIMIT, USAGE_POLL_MS, type UsageKind, type UsageQuery, usageSort } from '../lib/usage';
import { api } from './endpoints';
import { queryKeys } from './queryKeys';
import type { UsageList } from './types.gen';

/** In the cache before the first poll: the list's own answer has just brought usage. */
const NOTHING_YET: UsageList = { available: true, items: [] };

/**
 * Polls usage of `kind` in `namespace` (absent: all) every USAGE_POLL_MS while `enabled` (the
 * list's first answer had usage columns) and the page is visible (TanStack Query pauses
 * interval refetches in a hidden tab), and lays each answer over the list `listKey`. No request
 * at all while not enabled; the first one is due an interval after the list's answer.
 */
export function useUsageOverlay(cluster: string, kind: UsageKind | null, namespace: string | undefined, sort: string | undefined, listKey: QueryKey, enabled: boolean): void {
  const queryClient = useQueryClient();
  const query: UsageQuery = { namespace: kind === 'pods' ? namespace || undefined : undefined, sort: usageSort(sort), limit: USAGE_LIMIT };
  const usage = useQuery({
    queryKey: queryKeys.usage(cluster, kind ?? 'pods', query),
    queryFn: ({ signal }) => api.usage(cluster, kind ?? 'pods', query, signal),
    enabled: enabled && kind !== null,
    refetchInterval: USAGE_POLL_MS,
    initialData: NOTHING_YET,
    initialDataUpdatedAt: () => Date.now(),
    staleTime: USAGE_POLL_MS,
  });
  // Only answers read after this list was shown: one cached from an earlier visit is older
  // than the rows the list has just read.
  const [shownAt] = useState(() => Date.now());
  const applied = useRef(shownAt);
  // The latest list key, read when an answer arrives (it changes with filters and sort).
  const key = useRef(listKey);
  useEffect(() => {
    key.current = listKey;
  });
  const { data, dataUpdatedAt } = usage;
  useEffect(() => {
    if (!enabled || !data.available || dataUpdatedAt <= applied.current) return;
    applied.current = dataUpdatedAt;
    const list = queryClient.getQueryData<ListData>(key.current);
    const pages = list ? overlayUsage(list.pages, data.items) : null;
    if (list && pages) queryClient.setQueryData<ListData>(key.current, { ...list, pages });
  }, [enabled, data, dataUpdatedAt, queryClient]);
}
