import { memo } from 'react';

import { formatTime } from '../lib/format';
import type { AuditItem } from './types';

export const ROW_HEIGHT = 32;
/** Time, actor, verb, outcome, cluster, object, reason. */
export const TEMPLATE = '11rem minmax(8rem,1fr) 9rem 6rem 7rem minmax(10rem,1.5fr) minmax(8rem,2fr)';

/** A row's key: its id (unique in the store). */
export const auditRowKey = (row: AuditItem) => String(row.id);

const PILL = {
  success: 'bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-200',
  failure: 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100',
  denied: 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100',
  intent: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
} as const;

/** The outcome as a coloured pill; an intent row (no outcome yet) says `intent`. */
export function OutcomePill({ item }: { item: Pick<AuditItem, 'outcome'> }) {
  const label = item.outcome ?? 'intent';
  return <span className={`rounded px-1.5 py-0.5 text-xs ${PILL[label]}`}>{label}</span>;
}

/** `namespace/name`, the kind before it when known. */
export function objectText(item: AuditItem): string {
  const r = item.resource;
  const where = [r.namespace, r.name].filter(Boolean).join('/');
  return [r.resource, where].filter(Boolean).join(' ') || '—';
}

interface AuditRowProps {
  item: AuditItem;
  index: number;
  top: number;
  isCursor: boolean;
  isOpen: boolean;
  onPick: (index: number) => void;
  /** Sets the actor filter (audit admins), else undefined. */
  onActor?: (sub: string) => void;
}

/** One visible row of the audit table; a click highlights it and opens its detail. */
export const AuditRow = memo(function AuditRow({ item, index, top, isCursor, isOpen, onPick, onActor }: AuditRowProps) {
  const actor = item.actor.email ? `${item.actor.sub} (${item.actor.email})` : item.actor.sub;
  return (
    <div
      role="row"
      data-testid="audit-row"
      data-id={item.id}
      data-request-id={item.requestId}
      data-actor={item.actor.sub}
      data-verb={item.verb}
      data-phase={item.phase}
      aria-selected={isCursor}
      onClick={() => onPick(index)}
      className={`absolute left-0 grid w-full cursor-pointer items-center border-b border-slate-100 text-sm dark:border-slate-900 ${
        isCursor ? 'bg-blue-100 shadow-[inset_3px_0_0_#2563eb] dark:bg-blue-950' : isOpen ? 'bg-slate-100 dark:bg-slate-900' : 'hover:bg-blue-50 dark:hover:bg-slate-900'
      }`}
      style={{ gridTemplateColumns: TEMPLATE, height: ROW_HEIGHT, transform: `translateY(${top}px)` }}
    >
      <div role="cell" className="truncate px-3 font-mono text-xs" title={item.timestamp}>
        {formatTime(item.timestamp)}
      </div>
      <div role="cell" className="truncate px-3" title={actor}>
        {onActor ? (
          <button
            type="button"
            className="max-w-full truncate text-blue-700 hover:underline dark:text-blue-300"
            title={`Only ${item.actor.sub}'s actions`}
            onClick={(e) => {
              e.stopPropagation();
              onActor(item.actor.sub);
            }}
          >
            {item.actor.sub}
          </button>
        ) : (
          item.actor.sub
        )}
      </div>
      <div role="cell" className="truncate px-3 font-mono text-xs">
        {item.verb}
      </div>
      <div role="cell" className="px-3">
        <OutcomePill item={item} />
      </div>
      <div role="cell" className="truncate px-3">
        {item.cluster ?? '—'}
      </div>
      <div role="cell" className="truncate px-3" title={objectText(item)}>
        {objectText(item)}
      </div>
      <div role="cell" className="truncate px-3 text-slate-600 dark:text-slate-400" title={item.reason ?? undefined}>
        {item.reason ?? ''}
      </div>
    </div>
  );
});
