import type { Virtualizer } from '@tanstack/react-virtual';
import type { Ref } from 'react';

import { HEADER_HEIGHT } from '../pages/list/ListTable';
import { AuditRow, auditRowKey, TEMPLATE } from './AuditRow';
import type { AuditItem } from './types';

const COLUMNS = ['Time', 'Actor', 'Verb', 'Outcome', 'Cluster', 'Object', 'Reason'];

interface AuditTableProps {
  scroller: Ref<HTMLDivElement>;
  virtual: Virtualizer<HTMLDivElement, Element>;
  rows: AuditItem[];
  total: number;
  cursorIndex: number;
  openRequest: string | undefined;
  onPick: (index: number) => void;
  onActor?: (sub: string) => void;
  more: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => void };
}

/** The audit rows, newest first, virtualized like every list of the console. */
export function AuditTable({ scroller, virtual, rows, total, cursorIndex, openRequest, onPick, onActor, more }: AuditTableProps) {
  return (
    <div ref={scroller} className="min-h-0 flex-1 overflow-auto" role="table" aria-label="Audit rows" aria-rowcount={total} id="audit-table">
      <div
        role="row"
        className="sticky top-0 z-10 grid border-b border-slate-200 bg-slate-50 text-xs font-semibold text-slate-600 dark:border-slate-800 dark:bg-slate-950 dark:text-slate-400"
        style={{ gridTemplateColumns: TEMPLATE, height: HEADER_HEIGHT }}
      >
        {COLUMNS.map((c) => (
          <span key={c} role="columnheader" className="flex items-center px-3">
            {c}
          </span>
        ))}
      </div>
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((v) => {
          const item = rows[v.index];
          if (!item) return null;
          return (
            <AuditRow
              key={auditRowKey(item)}
              item={item}
              index={v.index}
              top={v.start - virtual.options.scrollMargin}
              isCursor={v.index === cursorIndex}
              isOpen={item.requestId === openRequest}
              onPick={onPick}
              onActor={onActor}
            />
          );
        })}
      </div>
      {rows.length === 0 && <p className="p-4 text-sm text-slate-500" id="audit-empty">No audit rows match.</p>}
      {more.hasNextPage && (
        <button type="button" id="audit-load-more" className="m-3 rounded border px-3 py-1 text-sm" disabled={more.isFetchingNextPage} onClick={more.fetchNextPage}>
          {more.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
