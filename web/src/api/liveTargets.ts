// Pages that are not lists (detail, overview, fleet) listen to the tab's live stream too: they
// subscribe the kinds they show and refetch (or patch) when a delta concerns them.

import { useCallback, useEffect, useRef, useState } from 'react';

import { fromTargetKey, type ListTarget, type LiveEvent, liveStreams, targetKey } from '../live';
import { type Throttled, throttle } from '../lib/throttle';

/**
 * Subscribes every target while mounted and hands each batch to `onEvents`. Returns whether all
 * of them are live (the page may stop polling), false for no targets.
 */
export function useLiveTargets(targets: ListTarget[], onEvents: (target: ListTarget, events: LiveEvent[]) => void): boolean {
  const handler = useRef(onEvents);
  useEffect(() => {
    handler.current = onEvents;
  });
  const joined = JSON.stringify(targets.map(targetKey));
  const [live, setLive] = useState<{ keys: string; all: boolean }>({ keys: joined, all: false });
  useEffect(() => {
    const keys = JSON.parse(joined) as string[];
    const state = new Map<string, boolean>();
    const update = () => setLive({ keys: joined, all: keys.length > 0 && keys.every((k) => state.get(k) === true) });
    const offs = keys.map((key) => {
      const target = fromTargetKey(key);
      return liveStreams().subscribe(target, {
        onLive: (l) => {
          state.set(key, l);
          update();
        },
        onEvents: (events) => handler.current(target, events),
      });
    });
    return () => offs.forEach((off) => off());
  }, [joined]);
  return live.keys === joined && live.all;
}

/** A stable function that runs `fn` at most once per `ms` (first call at once); cancelled on unmount. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  const holder = useRef<Throttled | null>(null);
  useEffect(() => {
    const t = throttle(() => latest.current(), ms);
    holder.current = t;
    return () => {
      t.cancel();
      holder.current = null;
    };
  }, [ms]);
  return useCallback(() => holder.current?.(), []);
}

/** Whether a batch changes anything beyond a snapshot of what the page just read. */
export function snapshotIsNews(events: LiveEvent[], dataUpdatedAt: number, now: number = Date.now()): boolean {
  // The first snapshot of a subscription arrives right after the page's own read: only a later
  // one (a relist, or a reconnect without resume) can bring something the page has not seen.
  return events.some((e) => e.type === 'snapshot') && now - dataUpdatedAt > FRESH_MS;
}

/** How old a page's read may be for a subscription's first snapshot to add nothing to it. */
export const FRESH_MS = 2000;
