import { memo } from 'react';
import { Link } from 'react-router';

import type { Row } from '../../api/types.gen';
import { formatCell, isNumericColumn } from '../../lib/format';
import { formatUsage, isUsageKey, type UsageKey } from '../../lib/usage';

export const ROW_HEIGHT = 32;

export const rowKey = (row: Row) => `${row.namespace ?? ''}/${row.name}`;

interface ListRowProps {
  data: Row;
  index: number;
  top: number;
  columnIds: string[];
  template: string;
  isCursor: boolean;
  /** Rounded so a row re-renders when an age it shows may change, not on every frame. */
  now: number;
  /** A pods or nodes list: `cpu` and `memory` are usage cells. */
  usage: boolean;
  link: string;
  from: string;
  onPick: (index: number) => void;
  /** Ticked for bulk download. */
  selected: boolean;
  onSelect: (key: string) => void;
}

/** A usage cell (`data-usage-cpu` / `data-usage-memory`: the raw millicores or bytes; no sample: an em dash, no mark). */
function UsageCell({ id, value }: { id: UsageKey; value: unknown }) {
  const sampled = typeof value === 'number';
  const mark = sampled ? { [`data-usage-${id}`]: value } : {};
  return (
    <div role="cell" className="truncate px-3 py-1.5 text-right tabular-nums" {...mark}>
      {sampled ? formatUsage(id, value) : '—'}
    </div>
  );
}

/**
 * One visible row. Memoized: scrolling re-renders only rows that enter the window, and a new
 * page of 200 rows does not rebuild anything for the thousands already loaded.
 */
export const ListRow = memo(function ListRow({ data, index, top, columnIds, template, isCursor, now, usage, link, from, onPick, selected, onSelect }: ListRowProps) {
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
      <div role="cell" className="flex items-center justify-center" onClick={(e) => e.stopPropagation()}>
        <input type="checkbox" data-testid="row-select" aria-label={`Select ${data.name}`} checked={selected} onChange={() => onSelect(rowKey(data))} />
      </div>
      {columnIds.map((id) =>
        usage && isUsageKey(id) ? (
          <UsageCell key={id} id={id} value={data[id]} />
        ) : (
          <div role="cell" key={id} className={`truncate px-3 py-1.5 ${isNumericColumn(id) ? 'text-right' : ''}`}>
            {id === 'name' ? (
              <Link className="text-blue-700 hover:underline dark:text-blue-300" to={link} state={{ from }}>
                {data.name}
              </Link>
            ) : (
              formatCell(id, data[id], now)
            )}
          </div>
        ),
      )}
    </div>
  );
});
