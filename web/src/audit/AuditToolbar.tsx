// The audit page's header: title, whose actions the user sees, the live tail switch, the row
// count and the export links (the current filters as JSON Lines or CSV).

import { auditApi } from '../api/endpoints';
import { apiQuery, type AuditView, endsInPast } from './filters';
import type { TailState } from './useAuditRows';

const TAIL_TEXT: Record<TailState, string> = { off: 'off', connecting: 'connecting…', live: 'live', refused: 'unavailable' };

interface ToolbarProps {
  view: AuditView;
  setView: (v: AuditView) => void;
  now: number;
  scope: 'self' | 'all';
  tail: TailState;
  /** Why the server refused the live tail. */
  refusal?: string;
  count: string;
  refreshing: boolean;
  onRefresh: () => void;
}

export function AuditToolbar({ view, setView, now, scope, tail, refusal, count, refreshing, onRefresh }: ToolbarProps) {
  const past = endsInPast(view.range, now);
  const query = apiQuery(view, now);
  const actor = view.filters.actor;
  const link = 'rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-200 dark:border-slate-700 dark:hover:bg-slate-800';
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
      <h1 className="text-lg font-semibold">{scope === 'all' && actor ? `Recent actions of ${actor}` : 'Audit trail'}</h1>
      <p
        id="audit-scope"
        role="status"
        data-scope={scope}
        className={`rounded px-2 py-0.5 text-xs ${scope === 'all' ? 'bg-blue-100 text-blue-900 dark:bg-blue-900 dark:text-blue-100' : 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-200'}`}
      >
        {scope === 'all' ? 'You see everyone’s actions' : 'You see your own actions only'}
      </p>
      <label className="flex items-center gap-1 text-sm" title={past ? 'The range ends in the past: nothing new can match' : 'New matching rows appear at the top as they are written'}>
        <input id="audit-live" type="checkbox" checked={view.live && !past} disabled={past} onChange={(e) => setView({ ...view, live: e.target.checked })} />
        Live
        <span id="audit-live-state" data-state={tail} title={refusal} className={`text-xs ${tail === 'live' ? 'text-green-700 dark:text-green-300' : 'text-slate-500'}`}>
          ({TAIL_TEXT[tail]})
        </span>
      </label>
      {(tail === 'off' || tail === 'refused') && (
        <button type="button" id="audit-refresh" disabled={refreshing} onClick={onRefresh} className={`${link} disabled:opacity-50`}>
          Refresh
        </button>
      )}
      <span className="flex-1" />
      <span className="text-xs text-slate-500" id="audit-count">
        {count}
        {refreshing ? ' · refreshing' : ''}
      </span>
      <span className="text-sm text-slate-500">Export:</span>
      <a id="audit-export-jsonl" className={link} href={auditApi.exportUrl(query, 'jsonl')} download title="The filtered rows as JSON Lines (the export is audited)">
        JSON Lines
      </a>
      <a id="audit-export-csv" className={link} href={auditApi.exportUrl(query, 'csv')} download title="The filtered rows as CSV (the export is audited)">
        CSV
      </a>
    </div>
  );
}
