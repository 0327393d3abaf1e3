// The audit page (`/audit`): who did what, filtered (URL state), on a density timeline, in a
// virtualized table kept live by the tab's stream, with one event's rows in a side panel.

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { useLocation } from 'react-router';

import { useWhoami } from '../api/hooks';
import { queryKeys } from '../api/queryKeys';
import { useThrottled } from '../api/liveTargets';
import { ErrorBox } from '../components/ErrorBox';
import { useNow } from '../lib/useNow';
import { useCursor } from '../pages/list/useCursor';
import { useVirtualRows } from '../pages/list/useVirtualRows';
import { AuditFilters } from './AuditFilters';
import { auditRowKey, ROW_HEIGHT } from './AuditRow';
import { AuditTable } from './AuditTable';
import { AuditToolbar } from './AuditToolbar';
import { ChainPanel } from './ChainPanel';
import { EventDetail } from './EventDetail';
import { DEFAULT_PRESET, withFilters } from './filters';
import { countText } from './pages';
import { Timeline } from './Timeline';
import type { Span } from './timelineMath';
import type { AuditItem } from './types';
import { useAuditRows } from './useAuditRows';
import { useAuditView } from './useAuditView';

/** The timeline is read again at most this often while live rows arrive. */
const TIMELINE_REFRESH_MS = 3000;

function AuditView({ scope }: { scope: 'self' | 'all' }) {
  const { view, rowsKey, setView } = useAuditView();
  const queryClient = useQueryClient();
  const refreshTimeline = useThrottled(() => void queryClient.invalidateQueries({ queryKey: queryKeys.auditTimeline(rowsKey) }), TIMELINE_REFRESH_MS);
  // "Now" for what a render decides with it: the live switch, a preset's start in the export links.
  const now = useNow(10_000);
  const onLiveRows = (items: AuditItem[]) => {
    refreshTimeline();
    // The open event's outcome (or a later row of its request) came in: show it in the detail.
    const open = view.event;
    if (open && items.some((i) => i.requestId === open)) void queryClient.invalidateQueries({ queryKey: queryKeys.auditRequest(open) });
  };
  const { query, rows, first, tail, refusal } = useAuditRows(view, rowsKey, now, onLiveRows);

  const { scroller, virtual } = useVirtualRows(rows.length, ROW_HEIGHT, query);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;

  const location = useLocation();
  const open = (row: AuditItem) => setView({ ...view, event: row.requestId });
  const close = () => {
    if (!view.event) return false;
    setView({ ...view, event: undefined });
    return true;
  };
  const { cursorIndex, highlighted, pick } = useCursor(location.pathname + '?' + rowsKey, rows, virtual, open, () => undefined, { keyOf: auditRowKey, onClear: close });
  // Memoized rows get stable handlers; they read the latest rows and view.
  const latest = useRef({ rows, open, view, setView });
  useEffect(() => {
    latest.current = { rows, open, view, setView };
  });
  const onPick = useCallback(
    (index: number) => {
      pick(index);
      const row = latest.current.rows[index];
      if (row) latest.current.open(row);
    },
    [pick],
  );
  const onActor = useCallback((sub: string) => latest.current.setView(withFilters(latest.current.view, { actor: sub })), []);
  const zoom = (span: Span) =>
    setView({ ...view, range: { kind: 'custom', from: new Date(span.from).toISOString(), ...(span.to < Date.now() ? { to: new Date(span.to).toISOString() } : {}) } });

  return (
    <div
      id="audit-page"
      className="flex h-full flex-col"
      data-rows-key={rowsKey}
      data-state={query.isPending || query.isPlaceholderData ? 'loading' : query.isFetching ? 'refreshing' : 'current'}
      data-tail={tail}
      data-cursor={highlighted ? String(highlighted.id) : ''}
    >
      <AuditToolbar
        view={view}
        setView={setView}
        now={now}
        scope={scope}
        tail={tail}
        refusal={refusal}
        count={countText(rows.length, first)}
        refreshing={query.isFetching}
        onRefresh={() => {
          void query.refetch();
          refreshTimeline();
        }}
      />
      <AuditFilters view={view} setView={setView} self={scope === 'self'} />
      <Timeline
        view={view}
        rowsKey={rowsKey}
        rowsRead={!query.isPending && !query.isPlaceholderData}
        onZoom={zoom}
        onReset={() => setView({ ...view, range: { kind: 'preset', preset: DEFAULT_PRESET } })}
      />
      {scope === 'all' && <ChainPanel />}
      {query.isError && <ErrorBox error={query.error} />}
      <div className="flex min-h-0 flex-1">
        {query.isPending ? (
          <p className="flex-1 p-4 text-sm text-slate-500">Loading…</p>
        ) : (
          <AuditTable
            scroller={scroller}
            virtual={virtual}
            rows={rows}
            total={first?.total ?? 0}
            cursorIndex={cursorIndex}
            openRequest={view.event}
            onPick={onPick}
            onActor={scope === 'all' ? onActor : undefined}
            more={{ hasNextPage, isFetchingNextPage, fetchNextPage: () => void fetchNextPage() }}
          />
        )}
        {view.event && <EventDetail key={view.event} requestId={view.event} onClose={close} />}
      </div>
    </div>
  );
}

/** The audit page: what the signed-in user may read of the trail (their own rows, or everyone's). */
export default function AuditPage() {
  const me = useWhoami();
  if (me.isError) return <ErrorBox error={me.error} />;
  if (!me.data) return <p className="p-6 text-sm text-slate-500">Loading…</p>;
  if (!me.data.auditEnabled) {
    return (
      <div id="audit-page" className="p-6 text-sm" data-state="off">
        <h1 className="mb-2 text-lg font-semibold">Audit trail</h1>
        <p className="text-slate-600 dark:text-slate-400">This server keeps no durable audit trail (no SQLite or PostgreSQL store), so there is nothing to read here.</p>
      </div>
    );
  }
  return <AuditView scope={me.data.auditScope} />;
}
