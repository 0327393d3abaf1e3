import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';

import { getJson } from '../api/client';
import type { ListPage as Page, Row } from '../api/types';
import { ErrorBox } from '../components/ErrorBox';
import { NamespacePicker } from '../components/NamespacePicker';
import { usePageKeys } from '../components/pageKeys';
import { formatCell, isNumericColumn } from '../lib/format';
import type { KindEntry } from '../lib/kinds';
import { type ListParams, detailRoute, listQuery, nextSort, resourcePath, sortDirection } from '../lib/resources';
import { useLiveList } from '../api/liveList';
import { POLL_INTERVAL_MS } from '../live';

const ROW_HEIGHT = 32;
/** The sticky column header's height: rows start below it in the scroller. */
const HEADER_HEIGHT = 32;
const PAGE_SIZE = 200;

const rowKey = (row: Row) => `${row.namespace ?? ''}/${row.name}`;

/** The highlighted row of each list view this tab has shown (so Back returns to it). */
const cursors = new Map<string, string>();
const CURSORS_KEPT = 200;

function rememberCursor(view: string, key: string): void {
  cursors.delete(view);
  cursors.set(view, key);
  const oldest = cursors.keys().next().value;
  if (cursors.size > CURSORS_KEPT && oldest !== undefined) cursors.delete(oldest);
}

interface Cursor {
  key: string;
  /** Where it was, for when that row goes away. */
  index: number;
}

/** List filters live in the URL so a view can be shared. */
function useListParams(): [ListParams, (patch: Partial<ListParams>) => void, string] {
  const [search, setSearch] = useSearchParams();
  const params: ListParams = {
    namespace: search.get('namespace') ?? undefined,
    q: search.get('q') ?? undefined,
    labelSelector: search.get('labelSelector') ?? undefined,
    sort: search.get('sort') ?? undefined,
  };
  const update = (patch: Partial<ListParams>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, String(value));
    }
    setSearch(next, { replace: true });
  };
  return [params, update, search.toString()];
}

/**
 * A text box that commits after a pause in typing (and at once on Enter). The name search
 * pauses briefly (the server filters a warm list in milliseconds; results should follow the
 * keys), a label selector longer (half-typed selectors are invalid).
 */
export function FilterBox(props: { value: string; onCommit: (v: string) => void; placeholder: string; id: string; search?: boolean }) {
  const { value, onCommit, placeholder, id, search } = props;
  const [text, setText] = useState(value);
  // What this box last saved: when the URL comes back with it, keys typed meanwhile stay.
  const [saved, setSaved] = useState<string | null>(null);
  const commit = useCallback(
    (next: string) => {
      setSaved(next);
      onCommit(next);
    },
    [onCommit],
  );
  // The URL changed under us (back button, another control): show what it says.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (value !== saved) setText(value);
    setSaved(null);
  }
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => commit(text), search ? 60 : 300);
    return () => clearTimeout(t);
  }, [text, value, commit, search]);
  return (
    <input
      id={id}
      data-search-box={search ? '' : undefined}
      className="w-56 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
      placeholder={placeholder}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit(text);
        if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}

/** No rows: the table model lays out the header only; rows render as `ListRow`s. */
const NO_ROWS: Row[] = [];

interface ListRowProps {
  data: Row;
  index: number;
  top: number;
  columnIds: string[];
  template: string;
  isCursor: boolean;
  /** Rounded so a row re-renders when an age it shows may change, not on every frame. */
  now: number;
  link: string;
  from: string;
  onPick: (index: number) => void;
}

/**
 * One visible row. Memoized: scrolling re-renders only rows that enter the window, and a new
 * page of 200 rows does not rebuild anything for the thousands already loaded.
 */
const ListRow = memo(function ListRow({ data, index, top, columnIds, template, isCursor, now, link, from, onPick }: ListRowProps) {
  return (
    <div
      role="row"
      data-testid="row"
      data-name={data.name}
      aria-selected={isCursor}
      onClick={() => onPick(index)}
      className={`absolute left-0 grid w-full border-b border-slate-100 text-sm dark:border-slate-900 ${
        isCursor ? 'bg-blue-100 shadow-[inset_3px_0_0_#2563eb] dark:bg-blue-950' : 'hover:bg-blue-50 dark:hover:bg-slate-900'
      }`}
      style={{ gridTemplateColumns: template, height: ROW_HEIGHT, transform: `translateY(${top}px)` }}
    >
      {columnIds.map((id) => (
        <div role="cell" key={id} className={`truncate px-3 py-1.5 ${isNumericColumn(id) ? 'text-right' : ''}`}>
          {id === 'name' ? (
            <Link className="text-blue-700 hover:underline dark:text-blue-300" to={link} state={{ from }}>
              {data.name}
            </Link>
          ) : (
            formatCell(id, data[id], now)
          )}
        </div>
      ))}
    </div>
  );
});

export function ListPage({ cluster, entry }: { cluster: string; entry: KindEntry }) {
  const [params, update, shown] = useListParams();
  const base = resourcePath(cluster, entry);
  const queryKey = ['list', cluster, entry.group, entry.version, entry.resource, params];
  const target = { cluster, group: entry.group, version: entry.version, resource: entry.resource, namespace: entry.namespaced ? params.namespace : undefined, labelSelector: params.labelSelector?.trim() };
  const live = useLiveList(target, queryKey, { sort: params.sort, q: params.q });
  const list = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      getJson<Page>(`${base}${listQuery({ ...params, limit: PAGE_SIZE, continue: pageParam })}`, signal),
    getNextPageParam: (last) => last.continue || undefined,
    // The stream keeps a live list fresh; otherwise poll.
    refetchInterval: live ? false : POLL_INTERVAL_MS,
    // Keep showing the old rows while a new sort or filter loads.
    placeholderData: keepPreviousData,
  });

  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const first = list.data?.pages[0];
  const columns = useMemo<ColumnDef<Row>[]>(
    () =>
      (first?.columns ?? []).map((c) => ({
        id: c.key,
        header: c.label,
        accessorFn: (row: Row) => row[c.key],
      })),
    [first?.columns],
  );
  const now = Math.floor(Date.now() / 10_000) * 10_000;
  // Sorting is the server's, and rows render as `ListRow`s: the table model only lays out the
  // header. Handing it every loaded row made each new page rebuild 50k row objects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({ data: NO_ROWS, columns, getCoreRowModel: getCoreRowModel(), manualSorting: true });
  const columnIds = useMemo(() => columns.map((c) => c.id ?? ''), [columns]);

  const scroller = useRef<HTMLDivElement>(null);
  // Rows sit below the sticky header: `scrollMargin` says so, and scrolling to a row keeps it
  // clear of the header (`scrollPaddingStart`).
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    // Let React batch scroll updates instead of flushing each one synchronously.
    useFlushSync: false,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, rows.length]);

  // The highlighted row (j/k/arrows, Enter opens it), kept by name so live inserts do not move it.
  const location = useLocation();
  const navigate = useNavigate();
  const here = location.pathname + location.search;
  const [cursor, setCursor] = useState<Cursor | null>(() => {
    const key = cursors.get(here);
    return key ? { key, index: 0 } : null;
  });
  // Rendered on every scroll frame of up to 50k rows: look where the row was first.
  const cursorIndex = useMemo(() => {
    if (cursor === null || rows.length === 0) return -1;
    const at = rows[cursor.index];
    if (at && rowKey(at) === cursor.key) return cursor.index;
    const found = rows.findIndex((r) => rowKey(r) === cursor.key);
    return found >= 0 ? found : Math.min(cursor.index, rows.length - 1);
  }, [rows, cursor]);
  // A highlight restored on coming back (Back from a detail page) is scrolled to once its row loads.
  const restore = useRef(cursor?.key ?? null);
  useEffect(() => {
    if (restore.current === null) return;
    const index = rows.findIndex((r) => rowKey(r) === restore.current);
    if (index < 0) return;
    restore.current = null;
    virtual.scrollToIndex(index, { align: 'center' });
  }, [rows, virtual]);
  const [scrollTo, setScrollTo] = useState<{ index: number } | null>(null);
  useEffect(() => {
    if (scrollTo) virtual.scrollToIndex(scrollTo.index, { align: 'auto' });
  }, [scrollTo, virtual]);
  const moveTo = (index: number) => {
    const row = rows[index];
    if (!row) return;
    setCursor({ key: rowKey(row), index });
    rememberCursor(here, rowKey(row));
    setScrollTo({ index });
  };
  const openRow = (row: Row) => navigate(detailRoute(cluster, entry, row.namespace, row.name), { state: { from: here } });
  usePageKeys((key) => {
    if (key === 'clear') {
      if (cursor === null) return false;
      setCursor(null);
      cursors.delete(here);
      return true;
    }
    if (rows.length === 0) return false;
    if (key === 'open') {
      const row = rows[cursorIndex];
      if (!row) return false;
      openRow(row);
      return true;
    }
    const step = key === 'down' ? 1 : -1;
    moveTo(cursorIndex < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, cursorIndex + step)));
    return true;
  });
  const highlighted = rows[cursorIndex];
  // A stable click handler, so memoized rows do not re-render when `moveTo` is re-created.
  const moveToRef = useRef(moveTo);
  useEffect(() => {
    moveToRef.current = moveTo;
  });
  const pick = useCallback((index: number) => moveToRef.current(index), []);

  const template = columns.map((c) => (c.id === 'name' ? 'minmax(14rem,2.5fr)' : 'minmax(6rem,1fr)')).join(' ');

  return (
    <div
      className="flex h-full flex-col"
      data-list-search={shown}
      data-list-state={list.isPlaceholderData ? 'loading' : 'current'}
      data-live={live ? 'live' : 'polling'}
      data-cursor={highlighted ? highlighted.name : ''}
    >
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
        <h1 className="mr-2 text-lg font-semibold">{entry.label}</h1>
        {entry.namespaced && (
          <NamespacePicker cluster={cluster} value={params.namespace ?? ''} onChange={(namespace) => update({ namespace, continue: undefined })} />
        )}
        <FilterBox id="list-search" search value={params.q ?? ''} onCommit={(q) => update({ q })} placeholder="Filter by name  ( / )" />
        <FilterBox id="label-selector" value={params.labelSelector ?? ''} onCommit={(labelSelector) => update({ labelSelector })} placeholder="Label selector, e.g. app=web" />
        <span className="flex-1" />
        <span className="text-xs text-slate-500" id="list-count">
          {first ? `${rows.length}${first.total !== undefined ? ` of ${first.total}` : ''}` : ''}
          {list.isFetching && ' · refreshing'}
        </span>
      </div>
      {list.isError && (
        <ErrorBox error={list.error} hint={entry.namespaced && !params.namespace ? 'Your role may see only some namespaces: pick one above.' : undefined} />
      )}
      {list.isPending && <p className="p-4 text-sm text-slate-500">Loading…</p>}
      {first && (
        <div ref={scroller} className="min-h-0 flex-1 overflow-auto" role="table" aria-rowcount={first.total ?? rows.length}>
          <div
            role="row"
            className="sticky top-0 z-10 grid border-b border-slate-200 bg-slate-50 text-xs font-semibold text-slate-600 dark:border-slate-800 dark:bg-slate-950 dark:text-slate-400"
            style={{ gridTemplateColumns: template, height: HEADER_HEIGHT }}
          >
            {table.getHeaderGroups()[0]?.headers.map((header) => {
              const dir = sortDirection(params.sort, header.id);
              return (
                <button
                  key={header.id}
                  type="button"
                  role="columnheader"
                  data-sort-key={header.id}
                  aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                  className={`truncate px-3 text-left hover:bg-slate-200 dark:hover:bg-slate-800 ${isNumericColumn(header.id) ? 'text-right' : ''}`}
                  onClick={() => update({ sort: nextSort(params.sort, header.id) })}
                >
                  {flexRender(header.column.columnDef.header, header.getContext())}
                  {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
                </button>
              );
            })}
          </div>
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const data = rows[item.index];
              if (!data) return null;
              return (
                <ListRow
                  key={rowKey(data)}
                  data={data}
                  index={item.index}
                  top={item.start - virtual.options.scrollMargin}
                  columnIds={columnIds}
                  template={template}
                  isCursor={item.index === cursorIndex}
                  now={now}
                  link={detailRoute(cluster, entry, data.namespace, data.name)}
                  from={here}
                  onPick={pick}
                />
              );
            })}
          </div>
          {rows.length === 0 && <p className="p-4 text-sm text-slate-500">No {entry.label.toLowerCase()} match.</p>}
          {hasNextPage && (
            <button type="button" className="m-3 rounded border px-3 py-1 text-sm" disabled={isFetchingNextPage} onClick={() => void fetchNextPage()}>
              {isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
