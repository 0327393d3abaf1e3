import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { getJson } from '../api/client';
import type { Fleet, FleetCluster } from '../api/types';
import { ErrorBox } from '../components/ErrorBox';
import { refetchInterval } from '../live';

const STATUS_STYLE: Record<string, string> = {
  healthy: 'bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-200',
  degraded: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200',
  denied: 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  unreachable: 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200',
};

function ClusterCard({ c }: { c: FleetCluster }) {
  return (
    <Link
      to={`/clusters/${encodeURIComponent(c.name)}`}
      data-testid="cluster-card"
      data-cluster={c.name}
      className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-blue-400 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold">{c.name}</h2>
        <span className={`rounded px-2 py-0.5 text-xs ${STATUS_STYLE[c.status] ?? STATUS_STYLE.denied}`}>{c.status}</span>
      </div>
      <p className="text-xs text-slate-500">
        {[c.environment, c.region, c.version].filter(Boolean).join(' · ') || '—'}
      </p>
      <dl className="mt-3 grid grid-cols-3 gap-2 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Nodes</dt>
          <dd>{c.nodes ? `${c.nodes.ready}/${c.nodes.total}` : '—'}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Pods</dt>
          <dd>{c.pods ? `${c.pods.running}/${c.pods.total}` : '—'}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Failing</dt>
          <dd>{c.stuckOrFailed ?? '—'}</dd>
        </div>
      </dl>
      {c.hotSignals && c.hotSignals.length > 0 && (
        <p className="mt-2 text-xs text-amber-700 dark:text-amber-300">
          {c.hotSignals.map((s) => `${s.kind} ×${s.count}`).join(', ')}
        </p>
      )}
      {c.error && <p className="mt-2 truncate text-xs text-red-700 dark:text-red-300">{c.error.message ?? c.error.code}</p>}
    </Link>
  );
}

export function FleetPage() {
  const fleet = useQuery({
    queryKey: ['fleet'],
    queryFn: ({ signal }) => getJson<Fleet>('/api/fleet', signal),
    refetchInterval: refetchInterval(),
  });
  if (fleet.isError) return <ErrorBox error={fleet.error} />;
  return (
    <div className="p-6">
      <h1 className="text-xl font-semibold">Fleet</h1>
      {fleet.data && (
        <p className="text-sm text-slate-500">
          {fleet.data.rollup.totalClusters} {fleet.data.rollup.totalClusters === 1 ? 'cluster' : 'clusters'} ·{' '}
          {Object.entries(fleet.data.rollup.byStatus)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ')}{' '}
          · {fleet.data.rollup.pods} pods
        </p>
      )}
      {fleet.isPending && <p className="mt-4 text-sm text-slate-500">Asking every cluster…</p>}
      <div className="mt-4 grid grid-cols-[repeat(auto-fill,minmax(18rem,1fr))] gap-4">
        {fleet.data?.clusters.map((c) => <ClusterCard key={c.name} c={c} />)}
      </div>
    </div>
  );
}
