// One entry of an object's history: when, from where, who, what (and how it ended), the
// paths it changed as chips; expanded, everything the entry holds (a console action's diff
// and its audit record, an observed write's manager and version, an Event's message).

import { memo, type ReactNode } from 'react';
import { Link } from 'react-router';

import { OutcomePill } from '../audit/AuditRow';
import { DiffTable } from '../components/DiffTable';
import { formatTime } from '../lib/format';
import { auditLink, pathChips, relativeTime, SOURCE_LABELS, whatText } from './model';
import type { HistoryEvent, HistoryItem } from './types';

const BADGE = {
  console: 'bg-blue-100 text-blue-800 dark:bg-blue-900 dark:text-blue-100',
  change: 'bg-violet-100 text-violet-800 dark:bg-violet-900 dark:text-violet-100',
  event: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-200',
} as const;

/** A console action's left edge says how it ended; a Warning Event's is amber too. */
function edge(item: HistoryItem): string {
  if (item.outcome === 'denied') return 'border-l-red-500';
  if (item.outcome === 'failure' || item.event?.type === 'Warning') return 'border-l-amber-500';
  return 'border-l-transparent';
}

/** `Warning · BackOff · 3 times`. */
function eventText(event: HistoryEvent): string {
  const parts = [event.type, event.reason, event.count > 1 ? `${event.count} times` : null];
  return parts.filter(Boolean).join(' · ');
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all">{children}</dd>
    </>
  );
}

/** Everything the entry holds. */
function Details({ item, id }: { item: HistoryItem; id: string }) {
  const link = auditLink(item);
  const listed = item.diff === null || item.diff.length === 0;
  return (
    <div id={id} data-testid="history-detail" className="mt-2 space-y-2 pl-2 text-sm">
      {item.diff !== null && item.diff.length > 0 && <DiffTable changes={item.diff} truncated={item.truncated} testId="history-diff-change" />}
      {listed && item.paths.length > 0 && (
        <ul aria-label="Changed paths" className="flex flex-wrap gap-1 font-mono text-xs">
          {item.paths.map((p) => (
            <li key={p} data-testid="history-path" className="rounded bg-slate-100 px-1.5 py-0.5 dark:bg-slate-800">
              {p}
            </li>
          ))}
          {item.truncated > 0 && <li className="px-1.5 py-0.5 font-sans text-slate-500">and {item.truncated} more not kept</li>}
        </ul>
      )}
      <dl className="grid grid-cols-[9rem_1fr] gap-x-2 gap-y-0.5 text-xs">
        <Field label="Time">{item.ts}</Field>
        {item.event && <Field label="Event">{eventText(item.event)}</Field>}
        {item.event?.message && <Field label="Message">{item.event.message}</Field>}
        {item.manager && <Field label="Field manager">{item.manager}</Field>}
        {item.operation && <Field label="Operation">{item.operation}</Field>}
        {item.subresource && <Field label="Subresource">{item.subresource}</Field>}
        {item.resourceVersion && <Field label="Resource version">{item.resourceVersion}</Field>}
        {item.uid && <Field label="Object UID">{item.uid}</Field>}
      </dl>
      {link && (
        <Link data-testid="history-audit-link" className="text-blue-700 hover:underline dark:text-blue-300" to={link}>
          Open its audit record
        </Link>
      )}
    </div>
  );
}

interface EntryProps {
  item: HistoryItem;
  now: number;
  isCursor: boolean;
  isOpen: boolean;
  /** The object was created again under its name here (a new uid). */
  recreated: boolean;
  onToggle: (id: string) => void;
  onPick: (id: string) => void;
}

/** One entry; a click highlights it, the chevron (or Enter) expands it. */
export const HistoryEntry = memo(function HistoryEntry({ item, now, isCursor, isOpen, recreated, onToggle, onPick }: EntryProps) {
  const { shown, more } = pathChips(item);
  const detailId = `history-detail-${item.id}`;
  const what = whatText(item);
  return (
    <li
      data-testid="history-entry"
      data-id={item.id}
      data-source={item.source}
      data-who={item.who}
      data-action={item.action}
      data-manager={item.manager ?? ''}
      data-ts={item.ts}
      aria-current={isCursor ? 'true' : undefined}
      onClick={() => onPick(item.id)}
      className={`scroll-mt-4 border-b border-l-4 [contain-intrinsic-size:auto_2.5rem] [content-visibility:auto] border-b-slate-100 px-2 py-1.5 dark:border-b-slate-900 ${edge(item)} ${
        isCursor ? 'bg-blue-100 dark:bg-blue-950' : 'hover:bg-slate-50 dark:hover:bg-slate-900'
      }`}
    >
      <div className="flex items-baseline gap-3 text-sm">
        <button
          type="button"
          aria-expanded={isOpen}
          aria-controls={isOpen ? detailId : undefined}
          aria-label={`${isOpen ? 'Hide' : 'Show'} the details of ${what} by ${item.who}`}
          onClick={(e) => {
            e.stopPropagation();
            onPick(item.id);
            onToggle(item.id);
          }}
          className="w-4 shrink-0 text-slate-500"
        >
          {isOpen ? '▾' : '▸'}
        </button>
        <span className="w-56 shrink-0 whitespace-nowrap" title={item.ts}>
          <span className="font-medium">{relativeTime(item.ts, now)}</span>{' '}
          <span className="font-mono text-xs text-slate-500">{formatTime(item.ts)}</span>
        </span>
        <span data-testid="history-source" className={`w-16 shrink-0 rounded px-1.5 py-0.5 text-center text-xs ${BADGE[item.source]}`}>
          {SOURCE_LABELS[item.source]}
        </span>
        <span data-testid="history-who" className="w-48 shrink-0 truncate" title={item.who}>
          {item.who}
        </span>
        <span className="flex min-w-0 flex-1 flex-wrap items-baseline gap-1.5">
          <span data-testid="history-what" className="font-medium">{what}</span>
          {item.source === 'console' && <OutcomePill item={item} />}
          {recreated && (
            <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900 dark:bg-amber-900 dark:text-amber-100" title={`A new object under this name (uid ${item.uid ?? '?'})`}>
              new object
            </span>
          )}
          {item.event?.message && <span className="min-w-0 truncate text-slate-600 dark:text-slate-400" title={item.event.message}>{item.event.message}</span>}
          {/* Expanded, the details list every path. */}
          {!isOpen &&
            shown.map((p) => (
              <span key={p} data-testid="history-chip" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">
                {p}
              </span>
            ))}
          {!isOpen && more > 0 && <span className="text-xs text-slate-500" title={`${more} more changed ${more === 1 ? 'path' : 'paths'}`}>+{more}</span>}
        </span>
      </div>
      {isOpen && <Details item={item} id={detailId} />}
    </li>
  );
});
