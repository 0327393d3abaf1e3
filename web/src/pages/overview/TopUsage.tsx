// The overview's "Top pods" and "Top nodes": the busiest by CPU from metrics-server, with
// memory, each linked to its object. Absent while read, when the read fails and when metrics are
// not available (a cluster without metrics-server is not an error).

import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api } from '../../api/endpoints';
import { queryKeys } from '../../api/queryKeys';
import type { Usage } from '../../api/types.gen';
import { PODS_REF } from '../../lib/kinds';
import { detailRoute, type KindRef } from '../../lib/resources';
import { formatCpu, formatMemory, formatWindow, type UsageKind } from '../../lib/usage';

const NODES_REF: KindRef = { group: 'core', version: 'v1', resource: 'nodes' };

/** How many of each the overview lists. */
export const TOP_COUNT = 10;

/** The busiest `kind` by CPU (`-cpu`, all namespaces), read again every `interval` ms (the overview's own refresh). */
function useTop(cluster: string, kind: UsageKind, interval: number) {
  const query = { sort: '-cpu', limit: TOP_COUNT };
  return useQuery({
    queryKey: queryKeys.usage(cluster, kind, query),
    queryFn: ({ signal }) => api.usage(cluster, kind, query, signal),
    refetchInterval: interval,
    retry: 1,
  }).data;
}

const cell = 'px-2 py-0.5 text-right tabular-nums';

function TopTable({ cluster, kind, items }: { cluster: string; kind: UsageKind; items: Usage[] }) {
  const ref = kind === 'pods' ? PODS_REF : NODES_REF;
  return (
    <table className="mt-2 w-full text-sm">
      <thead className="text-left text-xs text-slate-500">
        <tr>
          {kind === 'pods' && <th className="font-normal">Namespace</th>}
          <th className="font-normal">Name</th>
          <th className="px-2 text-right font-normal">CPU</th>
          <th className="px-2 text-right font-normal">Memory</th>
        </tr>
      </thead>
      <tbody>
        {items.map((u) => (
          <tr key={`${u.namespace ?? ''}/${u.name}`} data-top-row={u.name} data-namespace={u.namespace} className="border-t border-slate-200 dark:border-slate-800">
            {kind === 'pods' && <td>{u.namespace}</td>}
            <td>
              <Link className="text-blue-600 hover:underline dark:text-blue-300" to={detailRoute(cluster, ref, u.namespace, u.name)}>
                {u.name}
              </Link>
            </td>
            <td className={cell} data-usage-cpu={u.cpu}>{formatCpu(u.cpu)}</td>
            <td className={cell} data-usage-memory={u.memory}>{formatMemory(u.memory)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One "Top …" section (`data-top` pods|nodes), or nothing when usage is not available. */
function Top({ cluster, kind, title, interval }: { cluster: string; kind: UsageKind; title: string; interval: number }) {
  const usage = useTop(cluster, kind, interval);
  if (!usage?.available) return null;
  return (
    <section data-top={kind} className="min-w-0">
      <h2 className="font-semibold">
        {title} <span className="text-xs font-normal text-slate-500">by CPU{usage.window ? `, ${formatWindow(usage.window)} window` : ''}</span>
      </h2>
      {usage.items.length === 0 ? <p className="mt-2 text-sm text-slate-500">No usage reported yet.</p> : <TopTable cluster={cluster} kind={kind} items={usage.items} />}
    </section>
  );
}

/** "Top pods" and "Top nodes" side by side (stacked on narrow screens). */
export function TopUsage({ cluster, interval }: { cluster: string; interval: number }) {
  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-2">
      <Top cluster={cluster} kind="pods" title="Top pods" interval={interval} />
      <Top cluster={cluster} kind="nodes" title="Top nodes" interval={interval} />
    </div>
  );
}
