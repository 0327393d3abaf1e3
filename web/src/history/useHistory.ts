// The History tab's reads and keys: the pages of `GET {obj}/history` as one infinite query
// under the object's key (so whatever refreshes the object refreshes its history), and the
// highlighted entry, kept by id so entries arriving on top do not move it.

import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { queryKeys } from '../api/queryKeys';
import { usePageKeys } from '../components/pageKeys';
import { POLL_INTERVAL_MS } from '../live';
import { moveCursor } from './model';
import { historyQuery } from './query';

/**
 * How often the history is read while the page is live anyway: a delta of the object refreshes
 * it, but its Events are another kind and come without one.
 */
export const LIVE_POLL_MS = 30_000;

/** The object's history, newest first, a page at a time ("Load older" asks for the next). */
export function useHistory(path: string, live: boolean) {
  return useInfiniteQuery({ ...historyQuery(path), refetchInterval: live ? LIVE_POLL_MS : POLL_INTERVAL_MS });
}

/**
 * The watch engine hands a delta to the page and the change to its store writer at the same
 * time, so the read a delta starts may come before the change is committed: one more read
 * this long after the last delta finds it.
 */
export const RECORD_LAG_MS = 1000;

/**
 * Reads the history again `RECORD_LAG_MS` after the page saw a delta of the object (`changes`
 * counts them), and when the page turns live while the tab is open: a read made before the
 * page's own subscription held may say the object's changes are not being recorded.
 */
export function useHistoryFreshness(path: string, live: boolean, changes: number) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (changes === 0) return;
    const timer = window.setTimeout(() => void queryClient.invalidateQueries({ queryKey: queryKeys.objectPart(path, 'history') }), RECORD_LAG_MS);
    return () => window.clearTimeout(timer);
  }, [changes, path, queryClient]);
  const wasLive = useRef(live);
  useEffect(() => {
    if (live && !wasLive.current) void queryClient.invalidateQueries({ queryKey: queryKeys.objectPart(path, 'history') });
    wasLive.current = live;
  }, [live, path, queryClient]);
}

/** The highlighted entry (j/k/arrows), Enter runs `open` on it, Esc drops it. */
export function useEntryCursor(ids: readonly string[], open: (id: string) => void) {
  const [cursor, setCursor] = useState<string | null>(null);
  usePageKeys((key) => {
    if (key === 'clear') {
      if (cursor === null) return false;
      setCursor(null);
      return true;
    }
    if (key === 'select' || ids.length === 0) return false;
    if (key === 'open') {
      if (cursor === null || !ids.includes(cursor)) return false;
      open(cursor);
      return true;
    }
    setCursor(moveCursor(ids, cursor, key === 'down' ? 1 : -1));
    return true;
  });
  return { cursor, setCursor };
}
