import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import type { Virtualizer } from '@tanstack/react-virtual';
import { type Ref, useMemo } from 'react';

import type { Column, Row } from '../../api/types.gen';
import { isNumericColumn } from '../../lib/format';
import { detailRoute, type KindRef, nextSort, sortDirection } from '../../lib/resources';
import { isUsageKey, usageKind } from '../../lib/usage';
import { ListRow, rowKey } from './ListRow';

/** The sticky column header's height: rows start below it in the scroller. */
export const HEADER_HEIGHT = 32;

/** No rows: the table model lays out the header only; rows render as `ListRow`s. */
const NO_ROWS: Row[] = [];

interface ListTableProps {
  scroller: Ref<HTMLDivElement>;
  virtual: Virtualizer<HTMLDivElement, Element>;
  cluster: string;
  kind: KindRef;
  label: string;
  columns: Column[];
  rows: Row[];
  total: number;
  sort: string | undefined;
  onSort: (sort: string | undefined) => void;
  cursorIndex: number;
  onPick: (index: number) => void;
  /** The pointer went down on a row (see ListRow). */
  onPress?: (index: number) => void;
  /** This list view's URL, for the detail page's way back. */
  here: string;
  more: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => void };
  /** Row keys ticked for bulk download. */
  selected: ReadonlySet<string>;
  onSelect: (key: string) => void;
  /** The header box: tick every loaded row (up to the cap), or untick all. */
  onSelectAll: (all: boolean) => void;
}

/** The column header (server-side sort on click) and the virtualized rows. */
export function ListTable(props: ListTableProps) {
  const { scroller, virtual, cluster, kind, label, rows, sort, onSort, cursorIndex, onPick, onPress, here, more, selected, onSelect, onSelectAll } = props;
  const columns = useMemo<ColumnDef<Row>[]>(
    () => props.columns.map((c) => ({ id: c.key, header: c.label, accessorFn: (row: Row) => row[c.key] })),
    [props.columns],
  );
  // Sorting is the server's, and rows render as `ListRow`s: the table model only lays out the
  // header. Handing it every loaded row made each new page rebuild 50k row objects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({ data: NO_ROWS, columns, getCoreRowModel: getCoreRowModel(), manualSorting: true });
  const columnIds = useMemo(() => columns.map((c) => c.id ?? ''), [columns]);
  const template = ['2rem', ...columns.map((c) => (c.id === 'name' ? 'minmax(14rem,2.5fr)' : 'minmax(6rem,1fr)'))].join(' ');
  const now = Math.floor(Date.now() / 10_000) * 10_000;
  // Pods' and nodes' `cpu` and `memory` are usage (millicores, bytes), written as `kubectl top` does.
  const usage = usageKind(kind) !== null;
  const numeric = (id: string) => isNumericColumn(id) || (usage && isUsageKey(id));
  return (
    <div ref={scroller} className="min-h-0 flex-1 overflow-auto" role="table" aria-rowcount={props.total}>
      <div
        role="row"
        className="sticky top-0 z-10 grid border-b border-slate-200 bg-slate-50 text-xs font-semibold text-slate-600 dark:border-slate-800 dark:bg-slate-950 dark:text-slate-400"
        style={{ gridTemplateColumns: template, height: HEADER_HEIGHT }}
      >
        <span role="columnheader" className="flex items-center justify-center">
          <input
            type="checkbox"
            id="select-all"
            aria-label="Select the loaded rows (up to 100)"
            title="Select the loaded rows (up to 100)"
            checked={selected.size > 0}
            onChange={(e) => onSelectAll(e.target.checked)}
          />
        </span>
        {table.getHeaderGroups()[0]?.headers.map((header) => {
          const dir = sortDirection(sort, header.id);
          return (
            <button
              key={header.id}
              type="button"
              role="columnheader"
              data-sort-key={header.id}
              aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
              className={`truncate px-3 text-left hover:bg-slate-200 dark:hover:bg-slate-800 ${numeric(header.id) ? 'text-right' : ''}`}
              onClick={() => onSort(nextSort(sort, header.id))}
            >
              {flexRender(header.column.columnDef.header, header.getContext())}
              {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
            </button>
          );
        })}
      </div>
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((item) => {
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
              usage={usage}
              link={detailRoute(cluster, kind, data.namespace, data.name)}
              from={here}
              onPick={onPick}
              onPress={onPress}
              selected={selected.has(rowKey(data))}
              onSelect={onSelect}
            />
          );
        })}
      </div>
      {rows.length === 0 && <p className="p-4 text-sm text-slate-500">No {label.toLowerCase()} match.</p>}
      {more.hasNextPage && (
        <button type="button" className="m-3 rounded border px-3 py-1 text-sm" disabled={more.isFetchingNextPage} onClick={more.fetchNextPage}>
          {more.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
