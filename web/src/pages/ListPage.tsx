import { keepPreviousData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';

import { api } from '../api/endpoints';
import { useLiveList } from '../api/liveList';
import { useUsageOverlay } from '../api/usageOverlay';
import { queryKeys } from '../api/queryKeys';
import type { Row } from '../api/types.gen';
import { ErrorBox } from '../components/ErrorBox';
import { NamespacePicker } from '../components/NamespacePicker';
import type { KindEntry } from '../lib/kinds';
import { detailRoute, type ListParams } from '../lib/resources';
import { listHasUsage, usageKind } from '../lib/usage';
import { preloadDescribeWhenIdle } from './detail/lazyDescribe';
import { POLL_INTERVAL_MS } from '../live';
import { FilterBox } from './list/FilterBox';
import { useListParams } from './list/listParams';
import { ROW_HEIGHT, rowKey } from './list/ListRow';
import { readRowAhead } from './list/objectRead';
import { ListTable } from './list/ListTable';
import { Resizer } from './list/Resizer';
import { MAX_SELECTED, useSelection } from './list/selection';
import { useSplit } from './list/split';
import { useCursor } from './list/useCursor';
import { useVirtualRows } from './list/useVirtualRows';

// Loaded on first use: the YAML parser it needs stays out of the initial bundle.
const BulkDownloadDialog = lazy(() => import('../bulk/BulkDownloadDialog'));
// Loaded when the split layout is first shown: the describe views stay out of the list's bundle.
const ObjectPane = lazy(() => import('./list/ObjectPane'));

const PAGE_SIZE = 200;

/** What the toolbar shows of the selection. */
interface SelectionBar {
  size: number;
  onDownload: () => void;
  onClear: () => void;
}

/** The title, namespace picker, filter boxes, selection and row count above a list. */
function ListToolbar(props: { cluster: string; entry: KindEntry; params: ListParams; update: (patch: Partial<ListParams>) => void; count: string; selection: SelectionBar; split: { on: boolean; toggle: () => void } }) {
  const { cluster, entry, params, update, count, selection, split } = props;
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
      <h1 className="mr-2 text-lg font-semibold">{entry.label}</h1>
      {entry.namespaced && (
        <NamespacePicker cluster={cluster} value={params.namespace ?? ''} onChange={(namespace) => update({ namespace, continue: undefined })} />
      )}
      <FilterBox id="list-search" search value={params.q ?? ''} onCommit={(q) => update({ q })} placeholder="Filter by name  ( / )" />
      <FilterBox id="label-selector" value={params.labelSelector ?? ''} onCommit={(labelSelector) => update({ labelSelector })} placeholder="Label selector, e.g. app=web" />
      <span className="flex-1" />
      {selection.size > 0 && (
        <span className="flex items-center gap-2 text-sm" id="list-selection" data-count={selection.size}>
          <span className="text-slate-500">
            {selection.size} selected{selection.size >= MAX_SELECTED ? ` (the most: ${MAX_SELECTED})` : ''}
          </span>
          <button type="button" id="bulk-download-button" className="rounded border px-2 py-0.5" onClick={selection.onDownload}>
            Download YAML
          </button>
          <button type="button" className="rounded px-2 py-0.5 text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800" onClick={selection.onClear}>
            Clear
          </button>
        </span>
      )}
      <span className="text-xs text-slate-500" id="list-count">
        {count}
      </span>
      <button
        type="button"
        id="split-toggle"
        aria-pressed={split.on}
        title="Details beside the list, following the highlighted row (v)"
        className={`rounded border px-2 py-0.5 text-sm ${split.on ? 'border-blue-600 text-blue-700 dark:text-blue-300' : 'text-slate-500'}`}
        onClick={split.toggle}
      >
        Details pane
      </button>
    </div>
  );
}

/** Any kind's list: server-side filters, sort and paging, rows kept live by the tab's stream. */
export function ListPage({ cluster, entry }: { cluster: string; entry: KindEntry }) {
  const [params, update, shown] = useListParams();
  const queryKey = queryKeys.list(cluster, entry, params);
  const target = { cluster, group: entry.group, version: entry.version, resource: entry.resource, namespace: entry.namespaced ? params.namespace : undefined, labelSelector: params.labelSelector?.trim() };
  const live = useLiveList(target, queryKey, { sort: params.sort, q: params.q }, entry.live);
  const list = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.list(cluster, entry, { ...params, limit: PAGE_SIZE, continue: pageParam }, signal),
    getNextPageParam: (last) => last.continue || undefined,
    // The stream keeps a live list fresh; otherwise poll.
    refetchInterval: live ? false : POLL_INTERVAL_MS,
    // Keep showing the old rows while a new sort or filter loads.
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const first = list.data?.pages[0];
  // Pods and nodes: CPU and memory columns when metrics are available, kept fresh by polling.
  useUsageOverlay(cluster, usageKind(entry), params.namespace, params.sort, queryKey, listHasUsage(entry, first?.columns));

  const { scroller, virtual } = useVirtualRows(rows.length, ROW_HEIGHT, list);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;

  const location = useLocation();
  const navigate = useNavigate();
  const here = location.pathname + location.search;
  const open = (row: Row) => navigate(detailRoute(cluster, entry, row.namespace, row.name), { state: { from: here } });
  const selection = useSelection(location.pathname);
  const split = useSplit();
  const { cursorIndex, highlighted, pick } = useCursor(here, rows, virtual, open, (row) => selection.toggle(rowKey(row)), {
    keyOf: rowKey,
    onSplit: () => {
      split.toggle();
      return true;
    },
  });
  const neighbours = useMemo(() => [rows[cursorIndex + 1], rows[cursorIndex - 1]], [rows, cursorIndex]);
  // In the split layout a pointerdown on a row starts its object's read: the click that follows
  // (tens of ms later for a hand) then finds it on its way. Stable, so rows stay memoized.
  const queryClient = useQueryClient();
  const latestRows = useRef(rows);
  useEffect(() => {
    latestRows.current = rows;
  });
  const pressRow = useCallback(
    (index: number) => {
      const row = latestRows.current[index];
      if (row) readRowAhead(queryClient, cluster, entry, row);
    },
    [queryClient, cluster, entry],
  );
  const count = `${first ? `${rows.length} of ${first.total}` : ''}${list.isFetching ? ' · refreshing' : ''}`;
  const [downloading, setDownloading] = useState<string[] | null>(null);
  // A row is likely opened next: its page's describe code is fetched once the list has painted.
  useEffect(() => preloadDescribeWhenIdle(), []);

  return (
    <div
      className="flex h-full flex-col"
      data-list-search={shown}
      data-list-path={location.pathname}
      data-list-state={list.isPlaceholderData ? 'loading' : 'current'}
      data-live={live ? 'live' : 'polling'}
      data-cursor={highlighted ? highlighted.name : ''}
    >
      <ListToolbar
        cluster={cluster}
        entry={entry}
        params={params}
        update={update}
        count={count}
        selection={{ size: selection.keys.size, onDownload: () => setDownloading([...selection.keys]), onClear: selection.clear }}
        split={split}
      />
      {downloading && (
        <Suspense fallback={null}>
          <BulkDownloadDialog cluster={cluster} entry={entry} keys={downloading} onClose={() => setDownloading(null)} />
        </Suspense>
      )}
      <div className="flex min-h-0 flex-1">
        <div className="flex min-w-0 flex-1 flex-col">
          {list.isError && (
            <ErrorBox error={list.error} hint={entry.namespaced && !params.namespace ? 'Your role may see only some namespaces: pick one above.' : undefined} />
          )}
          {list.isPending && <p className="p-4 text-sm text-slate-500">Loading…</p>}
          {first && (
            <ListTable
              scroller={scroller}
              virtual={virtual}
              cluster={cluster}
              kind={entry}
              label={entry.label}
              columns={first.columns}
              rows={rows}
              total={first.total}
              sort={params.sort}
              onSort={(sort) => update({ sort })}
              cursorIndex={cursorIndex}
              onPick={pick}
              onPress={split.on ? pressRow : undefined}
              here={here}
              more={{ hasNextPage, isFetchingNextPage, fetchNextPage: () => void fetchNextPage() }}
              selected={selection.keys}
              onSelect={selection.toggle}
              onSelectAll={(all) => (all ? selection.selectAll(rows.map(rowKey)) : selection.clear())}
            />
          )}
        </div>
        {split.on && (
          <>
            <Resizer width={split.width} onResize={split.resize} />
            <aside className="min-h-0 shrink-0 overflow-auto" style={{ width: split.width }} id="split-pane" aria-label="Details of the highlighted row">
              <Suspense fallback={<p className="p-4 text-sm text-slate-500">Loading…</p>}>
                <ObjectPane cluster={cluster} entry={entry} row={highlighted} neighbours={neighbours} from={here} />
              </Suspense>
            </aside>
          </>
        )}
      </div>
    </div>
  );
}
