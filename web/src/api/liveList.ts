// Keeps one list's query cache fresh from the tab's live stream (live.ts).

import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { type ListData, planLive, type View } from '../lib/liveRows';
import { fromTargetKey, type ListTarget, liveStreams, targetKey } from '../live';

/** A sorted or searched list refetches at most this often while deltas arrive. */
export const REFETCH_THROTTLE_MS = 1000;

/**
 * Subscribes `target` while the component is mounted and applies its events to the infinite
 * query `queryKey`. Returns whether the stream keeps that list fresh (if not, poll). A kind the
 * stream does not serve (`streamed` false, from the kinds list) is not subscribed.
 */
export function useLiveList(target: ListTarget, queryKey: QueryKey, view: View, streamed = true): boolean {
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  // The latest key and view, read when a batch arrives (they change without resubscribing).
  const current = useRef({ queryKey, view });
  useEffect(() => {
    current.current = { queryKey, view };
  });
  const key = streamed ? targetKey(target) : null;
  useEffect(() => {
    if (key === null) return;
    let lastRefetch = 0;
    let pending: number | undefined;
    const refetch = () => {
      const wait = lastRefetch + REFETCH_THROTTLE_MS - Date.now();
      if (wait > 0) {
        pending ??= window.setTimeout(() => {
          pending = undefined;
          refetch();
        }, wait);
        return;
      }
      lastRefetch = Date.now();
      void queryClient.invalidateQueries({ queryKey: current.current.queryKey, exact: true });
    };
    const unsubscribe = liveStreams().subscribe(
      fromTargetKey(key),
      {
        onLive: setLive,
        onEvents: (events) => {
          const { queryKey: qk, view: v } = current.current;
          const plan = planLive(queryClient.getQueryData<ListData>(qk), events, v);
          if (plan.kind === 'set') queryClient.setQueryData<ListData>(qk, plan.data);
          else if (plan.kind === 'refetch') refetch();
        },
      },
    );
    return () => {
      unsubscribe();
      if (pending !== undefined) window.clearTimeout(pending);
      setLive(false);
    };
  }, [key, queryClient]);
  return key !== null && live;
}
