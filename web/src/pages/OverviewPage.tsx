import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { api } from '../api/endpoints';
import { useKinds } from '../api/hooks';
import { snapshotIsNews, useLiveTargets, useThrottled } from '../api/liveTargets';
import { queryKeys } from '../api/queryKeys';
import type { ClaimCounts, JobCounts, WorkloadCounts } from '../api/types.gen';
import { ErrorBox } from '../components/ErrorBox';
import { restartsMark, StatusPill } from '../components/StatusPill';
import { PODS_REF } from '../lib/kinds';
import { detailRoute } from '../lib/resources';
import { USAGE_POLL_MS } from '../lib/usage';
import { type ListTarget, refetchInterval } from '../live';
import { Capacity } from './overview/Capacity';
import { TopUsage } from './overview/TopUsage';
import { Warnings } from './overview/Warnings';

/** The kinds the overview counts: a change in any of them refreshes it. */
const WATCHED: [string, string, string][] = [
  ['core', 'v1', 'nodes'],
  ['core', 'v1', 'pods'],
  ['apps', 'v1', 'deployments'],
  ['apps', 'v1', 'statefulsets'],
  ['apps', 'v1', 'daemonsets'],
];
/** The dashboard reads every pod as the user: refreshed on change at most this often. */
export const OVERVIEW_REFRESH_MS = 5000;
/** While live, a slow poll still catches what no event announces (a pod Pending for 5 min). */
export const LIVE_SAFETY_POLL_MS = 60_000;

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div data-stat={label} className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <div className="text-xs text-slate-500">{label}</div>
      <div data-value="" className="text-lg font-semibold">{value}</div>
    </div>
  );
}

function workload(w: WorkloadCounts | null | undefined): string {
  if (!w) return '—';
  return w.notReady ? `${w.total} (${w.notReady} not ready)` : String(w.total);
}

function jobs(j: JobCounts | null | undefined): string {
  if (!j) return '—';
  return j.failed ? `${j.total} (${j.failed} failed)` : String(j.total);
}

function claims(c: ClaimCounts | null | undefined): string {
  if (!c) return '—';
  const attention = [c.pending ? `${c.pending} pending` : '', c.lost ? `${c.lost} lost` : ''].filter(Boolean).join(', ');
  return attention ? `${c.total} (${attention})` : String(c.total);
}

export function OverviewPage() {
  const { cluster = '' } = useParams();
  const queryClient = useQueryClient();
  const kinds = useKinds(cluster);
  const refetch = useThrottled(() => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.dashboard(cluster), exact: true });
    // The top pods and nodes (usage) with the counts, at most as often as metrics-server samples.
    void queryClient.invalidateQueries({ queryKey: queryKeys.usage(cluster), predicate: (q) => Date.now() - q.state.dataUpdatedAt >= USAGE_POLL_MS });
  }, OVERVIEW_REFRESH_MS);
  const targets: ListTarget[] = WATCHED.map(([group, version, resource]) => ({ cluster, group, version, resource }));
  const live = useLiveTargets(targets, (_target, events) => {
    const updatedAt = queryClient.getQueryState(queryKeys.dashboard(cluster))?.dataUpdatedAt ?? 0;
    if (events.some((e) => e.type !== 'snapshot' && e.type !== 'relist') || snapshotIsNews(events, updatedAt)) refetch();
  });
  const interval = live ? LIVE_SAFETY_POLL_MS : refetchInterval();
  const dash = useQuery({
    queryKey: queryKeys.dashboard(cluster),
    queryFn: ({ signal }) => api.dashboard(cluster, signal),
    refetchInterval: interval,
  });
  if (dash.isError) return <ErrorBox error={dash.error} />;
  const d = dash.data;
  return (
    <div className="p-6" data-live={live ? 'live' : 'polling'}>
      <h1 className="text-xl font-semibold">{cluster}</h1>
      {!d && <p className="text-sm text-slate-500">Loading…</p>}
      {d && (
        <>
          <p className="text-sm text-slate-500">Kubernetes {d.kubernetesVersion ?? 'unknown'}</p>
          <div className="mt-4 grid grid-cols-2 gap-3 md:grid-cols-4">
            <Stat label="Nodes ready" value={d.nodes ? `${d.nodes.ready}/${d.nodes.total}` : '—'} />
            <Stat label="Namespaces" value={d.namespaces === null ? '—' : String(d.namespaces)} />
            <Stat label="Pods" value={d.pods ? String(d.pods.total) : '—'} />
            <Stat label="Failing pods" value={d.pods ? String(d.pods.failing) : '—'} />
            <Stat label="Deployments" value={workload(d.workloads?.deployments)} />
            <Stat label="StatefulSets" value={workload(d.workloads?.statefulsets)} />
            <Stat label="DaemonSets" value={workload(d.workloads?.daemonsets)} />
            <Stat
              label="Pod phases"
              value={d.pods ? Object.entries(d.pods.byPhase).map(([p, n]) => `${p} ${n}`).join(', ') || '—' : '—'}
            />
            <Stat label="Jobs" value={jobs(d.jobs)} />
            <Stat label="Volume claims" value={claims(d.claims)} />
          </div>
          {d.errors && Object.keys(d.errors).length > 0 && (
            <ul className="mt-4 text-sm text-slate-600 dark:text-slate-400">
              {Object.entries(d.errors).map(([part, reason]) => (
                <li key={part}>
                  {part}: {reason.code === 'denied' ? "your role can't see this" : (reason.message ?? reason.code)}
                </li>
              ))}
            </ul>
          )}
          {d.warnings && <Warnings cluster={cluster} warnings={d.warnings} catalog={kinds.entries} now={Date.parse(d.generatedAt)} />}
          {d.capacity && <Capacity cluster={cluster} capacity={d.capacity} />}
          <TopUsage cluster={cluster} interval={Math.max(interval, USAGE_POLL_MS)} />
          <h2 className="mt-6 font-semibold">Failing pods</h2>
          {d.failingPods && d.failingPods.length > 0 ? (
            <table className="mt-2 w-full text-sm">
              <thead className="text-left text-xs text-slate-500">
                <tr><th>Namespace</th><th>Name</th><th>Phase</th><th>Reason</th><th>Restarts</th></tr>
              </thead>
              <tbody>
                {d.failingPods.map((p) => (
                  <tr key={`${p.namespace}/${p.name}`} className="border-t border-slate-200 dark:border-slate-800">
                    <td>{p.namespace}</td>
                    <td>
                      <Link className="text-blue-600 hover:underline" to={detailRoute(cluster, PODS_REF, p.namespace, p.name)}>
                        {p.name}
                      </Link>
                    </td>
                    <td>{p.phase}</td>
                    {/* The reason is why the server counts the pod as failing: bad, whatever its words (PendingTooLong). */}
                    <td>
                      <StatusPill text={p.reason} tone="bad" />
                    </td>
                    <td {...restartsMark(p.restarts)}>{p.restarts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="mt-2 text-sm text-slate-500">None.</p>
          )}
        </>
      )}
    </div>
  );
}
