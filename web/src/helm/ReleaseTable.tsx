// The release list's table: one row per release (its latest revision), keyboard-highlighted.

import { useEffect, useRef } from 'react';
import { Link } from 'react-router';

import { formatAge } from '../lib/format';
import { releaseRoute } from './routes';
import { statusTone } from './status';
import type { ReleaseSummary } from './types';

export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs ${statusTone(status)}`}>{status}</span>;
}

export function ReleaseTable({ cluster, releases, cursor, onPick }: { cluster: string; releases: ReleaseSummary[]; cursor: number; onPick: (index: number) => void }) {
  // The highlighted row stays in view as j/k move it (up to 500 rows).
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    if (cursor >= 0) body.current?.children[cursor]?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);
  return (
    <table className="w-full text-sm" id="helm-releases">
      <thead className="sticky top-0 bg-white text-left text-xs text-slate-500 dark:bg-slate-950">
        <tr>
          <th className="px-4 py-1">Name</th><th>Namespace</th><th>Revision</th><th>Status</th><th>Chart</th><th>App version</th><th>Updated</th>
        </tr>
      </thead>
      <tbody ref={body}>
        {releases.map((r, i) => (
          <tr
            key={`${r.namespace}/${r.name}`}
            data-release={r.name}
            data-namespace={r.namespace}
            aria-selected={i === cursor}
            onClick={() => onPick(i)}
            className={`scroll-mt-6 border-t border-slate-200 dark:border-slate-800 ${i === cursor ? 'bg-blue-50 dark:bg-blue-950' : 'hover:bg-slate-50 dark:hover:bg-slate-900'}`}
          >
            <td className="px-4 py-1">
              <Link className="text-blue-700 hover:underline dark:text-blue-300" to={releaseRoute(cluster, r.namespace, r.name)}>{r.name}</Link>
            </td>
            <td>{r.namespace}</td>
            <td data-cell="revision">{r.revision}</td>
            <td data-cell="status"><StatusBadge status={r.status} /></td>
            <td>{r.chartName}-{r.chartVersion}</td>
            <td>{r.appVersion ?? ''}</td>
            <td title={r.updated ?? ''}>{r.updated ? `${formatAge(r.updated)} ago` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
