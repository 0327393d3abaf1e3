import { memo } from 'react';
import { Link } from 'react-router';

import type { Row } from '../../api/types.gen';
import { restartsMark, StatusPill } from '../../components/StatusPill';
import { formatCell, isNumericColumn } from '../../lib/format';
import { STATUS_COLUMNS, statusTone, type Tone } from '../../lib/status';
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
  /** The pointer went down on the row: a click (a pick) is likely to follow. */
  onPress?: (index: number) => void;
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

/** Row emphasis by tone, when the row is not the cursor's (the cursor's highlight always wins). */
const ROW_TONE: Partial<Record<Tone, string>> = {
  bad: 'bg-red-50/70 shadow-[inset_3px_0_0_#dc2626] hover:bg-red-100/70 dark:bg-red-950/30 dark:shadow-[inset_3px_0_0_#f87171] dark:hover:bg-red-950/60',
  progress: 'shadow-[inset_3px_0_0_#7dd3fc] hover:bg-blue-50 dark:shadow-[inset_3px_0_0_#0369a1] dark:hover:bg-slate-900',
};
const ROW_PLAIN = 'hover:bg-blue-50 dark:hover:bg-slate-900';

/** A restart count: from 5 bold amber, from 20 bold red (`data-high`); the text is the count as before. */
function RestartsCell({ value }: { value: unknown }) {
  const mark = restartsMark(value);
  return (
    <div role="cell" {...mark} className={`truncate px-3 py-1.5 text-right ${mark.className}`}>
      {formatCell('restarts', value)}
    </div>
  );
}

/**
 * One visible row. Memoized: scrolling re-renders only rows that enter the window, and a new
 * page of 200 rows does not rebuild anything for the thousands already loaded.
 */
export const ListRow = memo(function ListRow({ data, index, top, columnIds, template, isCursor, now, usage, link, from, onPick, onPress, selected, onSelect }: ListRowProps) {
  // The status cell shown (a pod's `status`, a namespace's `phase`) sets the row's tone.
  const statusKey = columnIds.find((id) => STATUS_COLUMNS.includes(id));
  const status = statusKey === undefined ? undefined : data[statusKey];
  const tone = typeof status === 'string' && status !== '' ? statusTone(status) : undefined;
  return (
    <div
      role="row"
      data-testid="row"
      data-name={data.name}
      data-tone={tone}
      aria-selected={isCursor}
      onClick={() => onPick(index)}
      onPointerDown={onPress && (() => onPress(index))}
      className={`absolute left-0 grid w-full border-b border-slate-100 text-sm dark:border-slate-900 ${
        isCursor ? 'bg-blue-100 shadow-[inset_3px_0_0_#2563eb] dark:bg-blue-950' : ((tone && ROW_TONE[tone]) ?? ROW_PLAIN)
      }`}
      style={{ gridTemplateColumns: template, height: ROW_HEIGHT, transform: `translateY(${top}px)` }}
    >
      <div role="cell" className="flex items-center justify-center" onClick={(e) => e.stopPropagation()}>
        <input type="checkbox" data-testid="row-select" aria-label={`Select ${data.name}`} checked={selected} onChange={() => onSelect(rowKey(data))} />
      </div>
      {columnIds.map((id) =>
        usage && isUsageKey(id) ? (
          <UsageCell key={id} id={id} value={data[id]} />
        ) : id === 'restarts' ? (
          <RestartsCell key={id} value={data[id]} />
        ) : (
          <div role="cell" key={id} className={`truncate px-3 py-1.5 ${isNumericColumn(id) ? 'text-right' : ''}`}>
            {id === 'name' ? (
              <Link className="text-blue-700 hover:underline dark:text-blue-300" to={link} state={{ from }}>
                {data.name}
              </Link>
            ) : id === statusKey && tone ? (
              <StatusPill text={formatCell(id, status, now)} tone={tone} />
            ) : (
              formatCell(id, data[id], now)
            )}
          </div>
        ),
      )}
    </div>
  );
});
