// The audit table's rows: pages of `GET /api/audit` (offset, 200 a page), with the live tail's
// rows merged on top as they are committed, over the tab's stream (never by polling). A gap in
// the tail (more rows than one event carries, or the stream was down) reads the first page again.

import { keepPreviousData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';

import { errorMessage } from '../api/client';
import { auditKey, type AuditLiveEvent, fromAuditKey, liveStreams } from '../live';
import { type AuditView, inRange, liveFilter, liveTail } from './filters';
import { type AuditData, firstPageOnly, loadedRows, withLiveRows } from './pages';
import { auditRowsQuery } from './rowsQuery';
import type { AuditItem } from './types';

/** Live rows are merged again into whatever a fetch answers for this long (a fetch may have read before they were committed). */
const REMERGE_MS = 30_000;

export type TailState = 'off' | 'connecting' | 'live' | 'refused';

/** The rows of `view` (`rowsKey` names it); `now` decides whether the tail still runs; `onLiveRows` hears what the tail brings. */
export function useAuditRows(view: AuditView, rowsKey: string, now: number, onLiveRows: (items: AuditItem[]) => void) {
  const queryClient = useQueryClient();
  const rowsQuery = auditRowsQuery(view, rowsKey);
  const { queryKey } = rowsQuery;
  const tail = liveTail(view, now);
  const query = useInfiniteQuery({
    ...rowsQuery,
    placeholderData: keepPreviousData,
    // The tail keeps the rows fresh; without it the page stays as read until asked.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

  const current = useRef({ queryKey, view, onLiveRows });
  useEffect(() => {
    current.current = { queryKey, view, onLiveRows };
  });
  // Rows the tail brought lately, merged again after each fetch (see REMERGE_MS).
  const recent = useRef<{ at: number; item: AuditItem }[]>([]);
  const merge = (items: AuditItem[]) => {
    const { queryKey: key } = current.current;
    const before = queryClient.getQueryData<AuditData>(key);
    const after = withLiveRows(before, items);
    if (after !== before) queryClient.setQueryData<AuditData>(key, after);
  };
  const mergeRef = useRef(merge);
  useEffect(() => {
    mergeRef.current = merge;
  });
  const { dataUpdatedAt } = query;
  useEffect(() => {
    const now = Date.now();
    recent.current = recent.current.filter((r) => now - r.at < REMERGE_MS);
    if (recent.current.length > 0) mergeRef.current(recent.current.map((r) => r.item));
  }, [dataUpdatedAt]);

  const subscription = tail ? auditKey(liveFilter(view)) : null;
  // Whether the stream carries the subscription named `key` (or why the server refused it).
  const [carried, setCarried] = useState<{ key: string; live: boolean; refused?: string } | null>(null);
  useEffect(() => {
    recent.current = [];
    if (!subscription) return;
    const reread = () => {
      const { queryKey: key } = current.current;
      queryClient.setQueryData<AuditData>(key, (data) => firstPageOnly(data));
      void queryClient.invalidateQueries({ queryKey: key, exact: true });
    };
    const off = liveStreams().subscribeAudit(fromAuditKey(subscription), {
      // Rows committed before the subscription took hold are read again once it has.
      onLive: (live) => {
        setCarried({ key: subscription, live });
        if (live) reread();
      },
      onRefused: (error) => setCarried({ key: subscription, live: false, refused: errorMessage(error) }),
      onEvents: (events: AuditLiveEvent[]) => {
        if (events.some((e) => e.type === 'gap')) reread();
        const now = Date.now();
        const items = events.flatMap((e) => (e.type === 'rows' ? e.items : [])).filter((i) => inRange(current.current.view.range, i.timestamp, now));
        if (items.length === 0) return;
        recent.current.push(...items.map((item) => ({ at: now, item })));
        mergeRef.current(items);
        current.current.onLiveRows(items);
      },
    });
    return () => {
      off();
      setCarried(null);
    };
  }, [subscription, queryClient]);

  const data = query.data as AuditData | undefined;
  const rows = useMemo(() => loadedRows(data), [data]);
  const mine = carried?.key === subscription ? carried : null;
  const tailState: TailState = !subscription ? 'off' : mine?.live ? 'live' : mine?.refused ? 'refused' : 'connecting';
  return { query, rows, first: data?.pages[0], tail: tailState, refusal: mine?.refused };
}
