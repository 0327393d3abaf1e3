// The History tab of an object's page (`?tab=history`, loaded when first opened): its story,
// newest first, from the console's audit rows, the changes the watch engine saw and its
// Events; which sources show is in the URL (`hide=`).

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';

import { ErrorBox } from '../components/ErrorBox';
import { useNow } from '../lib/useNow';
import { HistoryEntry } from './HistoryEntry';
import { countBySource, hiddenSources, hideParam, loadedItems, newIncarnations, SOURCE_LABELS, SOURCES, toggled, visibleItems } from './model';
import type { HistorySource } from './types';
import { useEntryCursor, useHistory, useHistoryFreshness } from './useHistory';

/** Whether out-of-band changes are being recorded, and when they are at all. */
function Recording({ recording }: { recording: boolean | undefined }) {
  if (recording === undefined) return null;
  return (
    <p id="history-recording" data-recording={String(recording)} className="text-xs text-slate-600 dark:text-slate-400">
      <span aria-hidden className={recording ? 'text-green-600' : 'text-slate-400'}>● </span>
      {recording ? 'Changes made outside the console are being recorded now. ' : 'Changes made outside the console are not being recorded now. '}
      Changes by kubectl, GitOps tools and controllers are recorded only while someone has this kind open in the console (never for
      pods, Events, leases and endpoints); console actions and Events always show.
    </p>
  );
}

interface ToggleProps {
  hidden: ReadonlySet<HistorySource>;
  counts: Record<HistorySource, number>;
  onToggle: (source: HistorySource) => void;
}

function SourceToggles({ hidden, counts, onToggle }: ToggleProps) {
  return (
    <div role="group" aria-label="Sources to show" className="flex items-center gap-1 text-sm">
      <span className="mr-1 text-slate-500">Show</span>
      {SOURCES.map((s) => (
        <button
          key={s}
          type="button"
          data-source-toggle={s}
          aria-pressed={!hidden.has(s)}
          onClick={() => onToggle(s)}
          className={`rounded border px-2 py-0.5 ${
            hidden.has(s) ? 'border-slate-300 text-slate-400 line-through dark:border-slate-700' : 'border-blue-600 bg-blue-50 dark:bg-blue-950'
          }`}
        >
          {SOURCE_LABELS[s]} <span className="text-xs text-slate-500">{counts[s]}</span>
        </button>
      ))}
    </div>
  );
}

interface Props {
  /** The object's API path. */
  path: string;
  /** The page's stream keeps the object fresh (a delta refreshes the history); else it polls. */
  live: boolean;
  /** How many deltas of the object the page has seen. */
  changes: number;
}

export default function HistoryTab({ path, live, changes }: Props) {
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const hideText = search.get('hide');
  const hidden = useMemo(() => hiddenSources(hideText), [hideText]);
  const history = useHistory(path, live);
  useHistoryFreshness(path, live, changes);
  const items = useMemo(() => loadedItems(history.data?.pages), [history.data]);
  const shown = useMemo(() => visibleItems(items, hidden), [items, hidden]);
  const ids = useMemo(() => shown.map((i) => i.id), [shown]);
  const recreated = useMemo(() => newIncarnations(items), [items]);
  const counts = useMemo(() => countBySource(items), [items]);
  const now = useNow(15_000);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggleOpen = useCallback(
    (id: string) =>
      setOpen((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  const { cursor, setCursor } = useEntryCursor(ids, toggleOpen);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (cursor !== null) list.current?.querySelector(`[data-id="${CSS.escape(cursor)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  const onToggleSource = (source: HistorySource) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        const hide = hideParam(toggled(hidden, source));
        if (hide) next.set('hide', hide);
        else next.delete('hide');
        return next;
      },
      { replace: true, state: location.state },
    );

  const first = history.data?.pages[0];
  return (
    <section
      id="history"
      aria-label="History"
      data-state={history.isPending ? 'loading' : history.isError ? 'error' : 'loaded'}
      data-fetching={history.isFetching ? 'yes' : 'no'}
      data-cursor={cursor ?? ''}
      className="space-y-2"
    >
      <div className="flex flex-wrap items-center gap-3">
        <SourceToggles hidden={hidden} counts={counts} onToggle={onToggleSource} />
        <span id="history-count" className="text-xs text-slate-500">
          {history.isSuccess && `${shown.length.toLocaleString('en-US')} of ${items.length.toLocaleString('en-US')} loaded${history.hasNextPage ? ', more older' : ''}`}
        </span>
      </div>
      <Recording recording={first?.recording} />
      {first?.eventsError && (
        <p id="history-events-error" role="status" className="text-xs text-amber-800 dark:text-amber-300">
          The object's Events could not be read: {first.eventsError}
        </p>
      )}
      {history.isError && <ErrorBox error={history.error} />}
      {history.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {history.isSuccess && items.length === 0 && <p className="text-sm text-slate-500">Nothing is recorded for this object yet.</p>}
      {history.isSuccess && items.length > 0 && shown.length === 0 && <p className="text-sm text-slate-500">Every loaded entry is of a source you hid.</p>}
      <ol ref={list} id="history-list" aria-label="History, newest first" className="border-t border-slate-200 dark:border-slate-800">
        {shown.map((item) => (
          <HistoryEntry
            key={item.id}
            item={item}
            now={now}
            isCursor={item.id === cursor}
            isOpen={open.has(item.id)}
            recreated={recreated.has(item.id)}
            onToggle={toggleOpen}
            onPick={setCursor}
          />
        ))}
      </ol>
      {history.hasNextPage && (
        <button
          type="button"
          id="history-older"
          disabled={history.isFetchingNextPage}
          onClick={() => void history.fetchNextPage()}
          className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-900"
        >
          {history.isFetchingNextPage ? 'Loading…' : 'Load older'}
        </button>
      )}
    </section>
  );
}
