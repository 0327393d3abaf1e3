// A release's revisions, newest first: pick two to compare (the structured diff below), or
// roll back to an older one (a confirmation showing what would change first).

import { useState } from 'react';

import { ErrorBox } from '../components/ErrorBox';
import { formatAge } from '../lib/format';
import { DiffPanel } from './DiffPanel';
import { useDiff, useHistory } from './hooks';
import { StatusBadge } from './ReleaseTable';
import { RollbackDialog } from './RollbackDialog';
import type { ReleaseSummary } from './types';
import { WriteButton } from './WriteError';

interface Props {
  cluster: string;
  path: string;
  name: string;
  /** Why writes are off (null: they are on). */
  off: string | null;
  compare: { from: number; to: number } | null;
  onCompare: (compare: { from: number; to: number } | null) => void;
}

export function HistoryTab({ cluster, path, name, off, compare, onCompare }: Props) {
  const history = useHistory(path);
  const revisions = history.data?.revisions ?? [];
  const current = revisions[0]?.revision;
  // The two picked: the URL's comparison, else the latest two.
  const [from, setFrom] = useState<number | undefined>(compare?.from ?? revisions[1]?.revision);
  const [to, setTo] = useState<number | undefined>(compare?.to ?? current);
  const pickedFrom = from ?? revisions[1]?.revision;
  const pickedTo = to ?? current;
  const diff = useDiff(path, compare);
  const [target, setTarget] = useState<ReleaseSummary | null>(null);

  if (history.isError) return <ErrorBox error={history.error} />;
  if (history.isPending) return <p className="text-sm text-slate-500">Loading…</p>;
  const radio = (r: number, side: 'from' | 'to') => (
    <input
      type="radio"
      name={`compare-${side}`}
      data-compare={side}
      data-revision={r}
      aria-label={`Compare ${side} revision ${r}`}
      checked={(side === 'from' ? pickedFrom : pickedTo) === r}
      onChange={() => (side === 'from' ? setFrom(r) : setTo(r))}
    />
  );
  return (
    <div>
      <table className="w-full text-sm" id="helm-history">
        <thead className="text-left text-xs text-slate-500">
          <tr><th className="w-12">From</th><th className="w-12">To</th><th>Revision</th><th>Status</th><th>Chart</th><th>App version</th><th>Updated</th><th>Description</th><th /></tr>
        </thead>
        <tbody>
          {revisions.map((r) => (
            <tr key={r.revision} data-history-revision={r.revision} className="border-t border-slate-200 dark:border-slate-800">
              <td>{radio(r.revision, 'from')}</td>
              <td>{radio(r.revision, 'to')}</td>
              <td>{r.revision}</td>
              <td><StatusBadge status={r.status} /></td>
              <td>{r.chartName}-{r.chartVersion}</td>
              <td>{r.appVersion ?? ''}</td>
              <td>{r.updated ? `${formatAge(r.updated)} ago` : ''}</td>
              <td className="text-xs text-slate-500">{r.description}</td>
              <td className="py-1 text-right">
                {r.revision !== current && (
                  <WriteButton id={`rollback-${r.revision}`} label="Roll back to this" off={off} onClick={() => setTarget(r)} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-3 flex items-center gap-2">
        <button
          type="button"
          id="helm-compare"
          disabled={pickedFrom === undefined || pickedTo === undefined || pickedFrom === pickedTo}
          onClick={() => pickedFrom !== undefined && pickedTo !== undefined && onCompare({ from: pickedFrom, to: pickedTo })}
          className="rounded bg-blue-600 px-3 py-1 text-sm text-white disabled:opacity-50"
        >
          Compare {pickedFrom ?? '?'} → {pickedTo ?? '?'}
        </button>
        {compare && (
          <button type="button" className="text-sm text-slate-500 hover:underline" onClick={() => onCompare(null)}>
            Close comparison
          </button>
        )}
      </div>
      {compare && (
        <div className="mt-3">
          <h2 className="mb-1 font-semibold">Revision {compare.from} → {compare.to}</h2>
          {diff.isError && <ErrorBox error={diff.error} />}
          {diff.isPending && <p className="text-sm text-slate-500">Comparing…</p>}
          {diff.data && <DiffPanel id="helm-diff" diff={diff.data} />}
        </div>
      )}
      {target && current !== undefined && (
        <RollbackDialog cluster={cluster} path={path} name={name} current={current} target={target} onClose={() => setTarget(null)} />
      )}
    </div>
  );
}
