import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { api } from '../api/endpoints';
import { useClusters } from '../api/hooks';
import { useLiveTargets, useThrottled } from '../api/liveTargets';
import { queryKeys } from '../api/queryKeys';
import type { FleetCluster } from '../api/types.gen';
import { ErrorBox } from '../components/ErrorBox';
import { StatusPill } from '../components/StatusPill';
import { type NodeCounts, applyNodeEvents, countNodes } from '../lib/fleetLive';
import type { Tone } from '../lib/status';
import { type ListTarget, refetchInterval } from '../live';

/** The server caches the fleet answer this long per user: refetching sooner gets the same. */
export const FLEET_CACHE_MS = 10_000;
/** Node lists of at most this many clusters are kept live (each is a subscription). */
export const LIVE_CLUSTERS_MAX = 16;
/** While the nodes are live, pod counts still come by (slower) polling. */
export const LIVE_POLL_MS = 30_000;

/** A cluster's status as a pill tone (denied and unknown say nothing of the cluster's health). */
const CLUSTER_TONE: Record<FleetCluster['status'], Tone> = {
  healthy: 'ok',
  degraded: 'warn',
  unreachable: 'bad',
  denied: 'neutral',
  unknown: 'neutral',
};

export function ClusterCard({ c, liveNodes }: { c: FleetCluster; liveNodes: NodeCounts | undefined }) {
  const nodes = liveNodes ?? c.nodes;
  const denied = c.status === 'denied' || c.error?.code === 'denied';
  const hidden = [c.nodes ? '' : 'nodes', c.pods ? '' : 'pods'].filter(Boolean);
  return (
    <Link
      to={`/clusters/${encodeURIComponent(c.name)}`}
      data-testid="cluster-card"
      data-cluster={c.name}
      className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-blue-400 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold">{c.name}</h2>
        <StatusPill text={c.status} tone={CLUSTER_TONE[c.status] ?? 'neutral'} label={`Cluster status: ${c.status}`} />
      </div>
      <p className="text-xs text-slate-500">
        {[c.environment, c.region, c.version].filter(Boolean).join(' · ') || '—'}
      </p>
      <dl className="mt-3 grid grid-cols-3 gap-2 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Nodes</dt>
          <dd data-nodes={liveNodes ? 'live' : 'fleet'}>{nodes ? `${nodes.ready}/${nodes.total}` : '—'}</dd>
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
      {c.hotSignals.length > 0 && (
        <p className="mt-2 text-xs text-amber-700 dark:text-amber-300">
          {c.hotSignals.map((s) => `${s.kind} ×${s.count}`).join(', ')}
        </p>
      )}
      {c.error &&
        (denied ? (
          <p role="status" className="mt-2 truncate text-xs text-slate-600 dark:text-slate-400" title={c.error.message}>
            {hidden.length ? `Your role can't see this cluster's ${hidden.join(' or ')}.` : "Your role can't see all of this cluster."}
          </p>
        ) : (
          <p className="mt-2 truncate text-xs text-red-700 dark:text-red-300">{c.error.message ?? c.error.code}</p>
        ))}
    </Link>
  );
}

export function FleetPage() {
  const queryClient = useQueryClient();
  const clusters = useClusters();
  // Live: every cluster's nodes (small lists) patch the node counts at once and refresh the
  // rest; pod counts would need every pod of every cluster in the browser, so they poll.
  const [nodes, setNodes] = useState<Record<string, Map<string, boolean>>>({});
  const refresh = useThrottled(() => void queryClient.invalidateQueries({ queryKey: queryKeys.fleet(), exact: true }), FLEET_CACHE_MS);
  const names = clusters.data?.clusters.map((c) => c.name) ?? [];
  const targets: ListTarget[] = names.slice(0, LIVE_CLUSTERS_MAX).map((cluster) => ({ cluster, group: 'core', version: 'v1', resource: 'nodes' }));
  const live = useLiveTargets(targets, (target, events) => {
    setNodes((all) => ({ ...all, [target.cluster]: applyNodeEvents(all[target.cluster], events) }));
    if (events.some((e) => e.type === 'added' || e.type === 'deleted' || e.type === 'modified')) refresh();
  });
  const fleet = useQuery({
    queryKey: queryKeys.fleet(),
    queryFn: ({ signal }) => api.fleet(signal),
    refetchInterval: live && names.length <= LIVE_CLUSTERS_MAX ? LIVE_POLL_MS : refetchInterval(),
  });
  if (fleet.isError) return <ErrorBox error={fleet.error} />;
  return (
    <div className="p-6" data-live={live ? 'live' : 'polling'}>
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
        {fleet.data?.clusters.map((c) => (
          <ClusterCard key={c.name} c={c} liveNodes={live ? countNodes(nodes[c.name]) : undefined} />
        ))}
      </div>
    </div>
  );
}
