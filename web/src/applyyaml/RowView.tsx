import { useState } from 'react';

import { diffStats } from './diff';
import { DiffView } from './DiffView';
import type { Failure, Result, Row } from './run';

function FailureText({ failure }: { failure: Failure }) {
  return (
    <div className="text-xs">
      <span className="font-mono text-slate-500">{failure.status ? `${failure.status} ${failure.code}` : failure.code}</span> {failure.message}
      {failure.conflicts.length > 0 && (
        <ul className="mt-1 list-disc pl-5" data-testid="apply-conflicts">
          {failure.conflicts.map((c) => (
            <li key={`${c.field}/${c.manager}`}>
              <span className="font-mono">{c.field}</span> is owned by <span className="font-semibold">{c.manager}</span>
              {c.label && <span className="text-slate-500"> ({c.label})</span>}
              {c.consequence && <span className="block text-slate-500">{c.consequence}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The row's state in one word (also `data-state` for tests). */
export function rowState(row: Row, result: Result | undefined): string {
  if (row.problem) return 'invalid';
  if (result) return result.state;
  if (row.access && !row.access.allowed) return 'denied';
  if (row.preview && 'failure' in row.preview) return 'dry-run-failed';
  if (row.preview) return 'ready';
  return 'checking';
}

const BADGE: Record<string, string> = {
  invalid: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200',
  applied: 'bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200',
  refused: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200',
  conflict: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200',
  failed: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200',
  denied: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200',
  'dry-run-failed': 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200',
  skipped: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
};

const LABEL: Record<string, string> = {
  invalid: 'cannot apply',
  applied: 'applied',
  refused: 'refused',
  conflict: 'conflict',
  failed: 'failed',
  denied: 'may be refused',
  'dry-run-failed': 'dry run failed',
  skipped: 'not sent',
  ready: 'ready',
  running: 'applying…',
  checking: 'checking…',
};

interface RowViewProps {
  row: Row;
  result: Result | undefined;
  /** Whether this document will be sent by "Apply". */
  included: boolean;
  onInclude: (included: boolean) => void;
  /** Set while nothing else runs: apply this row again with force. */
  onForce?: () => void;
  locked: boolean;
}

/** One document: what it names, the checks, the dry-run diff, and what applying it did. */
export function RowView({ row, result, included, onInclude, onForce, locked }: RowViewProps) {
  const [open, setOpen] = useState(false);
  const state = rowState(row, result);
  const t = row.target;
  const diff = row.preview && 'diff' in row.preview ? row.preview.diff : undefined;
  const stats = diff ? diffStats(diff) : undefined;
  return (
    <li data-testid="apply-row" data-state={state} data-name={t?.name ?? ''} className="border-b border-slate-200 py-2 dark:border-slate-800">
      <div className="flex items-center gap-2 text-sm">
        <input type="checkbox" aria-label={`Apply document ${row.doc.index}`} checked={included && !row.problem} disabled={locked || Boolean(row.problem) || Boolean(result)} onChange={(e) => onInclude(e.target.checked)} />
        <span className="w-10 shrink-0 text-xs text-slate-500">#{row.doc.index}</span>
        <span className="w-16 shrink-0 text-xs text-slate-500">line {row.doc.line}</span>
        <span className="min-w-0 flex-1 truncate">
          {t ? (
            <>
              <span className="text-slate-500">{t.kind}</span> {t.namespace ? `${t.namespace}/` : ''}
              <span className="font-medium">{t.name}</span>
              <span className="ml-2 text-xs text-slate-500">{row.exists === undefined ? '' : row.exists ? 'exists → patch' : 'new → create'}</span>
            </>
          ) : (
            <span className="text-slate-500">document {row.doc.index}</span>
          )}
        </span>
        {stats && (stats.added > 0 || stats.removed > 0) && (
          <button type="button" className="text-xs text-blue-700 hover:underline dark:text-blue-300" onClick={() => setOpen((o) => !o)} data-testid="apply-diff-toggle">
            {open ? 'hide diff' : `diff +${stats.added} −${stats.removed}`}
          </button>
        )}
        <span data-testid="apply-badge" className={`rounded px-2 py-0.5 text-xs ${BADGE[state] ?? 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300'}`}>
          {result?.state === 'applied' ? (result.created ? 'created' : result.forced ? 'applied (forced)' : 'applied') : LABEL[state]}
        </span>
      </div>
      <div className="ml-28 mt-1 space-y-1">
        {row.problem && (
          <p className="text-xs text-red-700 dark:text-red-300" data-testid="apply-problem">
            line {row.problem.line}: {row.problem.message}
          </p>
        )}
        {row.readError && <p className="text-xs text-amber-700 dark:text-amber-300">Could not read the live object: {row.readError}</p>}
        {row.access && !row.access.allowed && !result && (
          <p className="text-xs text-amber-700 dark:text-amber-300">
            Your role may not {row.exists === false ? 'create' : 'change'} this{row.access.message ? ` (${row.access.message})` : ''}; the server will decide when applied.
          </p>
        )}
        {row.preview && 'failure' in row.preview && !result && (
          <div className="text-amber-700 dark:text-amber-300">
            <span className="text-xs">Dry run: </span>
            <FailureText failure={row.preview.failure} />
          </div>
        )}
        {open && diff && <DiffView lines={diff} />}
        {result && 'failure' in result && (
          <div className="text-red-700 dark:text-red-300" data-testid="apply-result">
            <FailureText failure={result.failure} />
          </div>
        )}
        {result?.state === 'conflict' && onForce && (
          <button type="button" data-testid="apply-force" className="rounded border border-amber-500 px-2 py-0.5 text-xs text-amber-800 dark:text-amber-200" onClick={onForce}>
            Force: take these fields over
          </button>
        )}
      </div>
    </li>
  );
}
