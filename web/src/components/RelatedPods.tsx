import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api } from '../api/endpoints';
import { useLiveList } from '../api/liveList';
import { queryKeys } from '../api/queryKeys';
import { formatAge } from '../lib/format';
import { PODS_REF } from '../lib/kinds';
import { detailRoute, listQuery, listRoute } from '../lib/resources';
import { POLL_INTERVAL_MS } from '../live';
import { ErrorBox } from './ErrorBox';
import { restartsMark, StatusPill } from './StatusPill';

/** How many related pods the detail page shows (the pods list has the rest). */
export const RELATED_LIMIT = 100;

/**
 * The pods a workload selects (`labelSelector` in its namespace), live from the tab's stream;
 * or, with `fieldSelector` (a node's pods), polled: the stream serves label selectors only.
 */
export function RelatedPods({ cluster, namespace, selector, fieldSelector }: { cluster: string; namespace: string | undefined; selector: string | null; fieldSelector?: string }) {
  if (selector === null) {
    return (
      <section id="related-pods">
        <h2 className="mb-1 font-semibold">Pods</h2>
        <p className="text-sm text-slate-500">No pod selector: this selects no pods.</p>
      </section>
    );
  }
  return <SelectedPods cluster={cluster} namespace={namespace} selector={selector} fieldSelector={fieldSelector} />;
}

function SelectedPods({ cluster, namespace, selector, fieldSelector }: { cluster: string; namespace: string | undefined; selector: string; fieldSelector?: string }) {
  const params = { namespace, labelSelector: selector || undefined, fieldSelector };
  const queryKey = queryKeys.list(cluster, PODS_REF, params, 'related');
  const live = useLiveList({ cluster, ...PODS_REF, namespace, labelSelector: selector }, queryKey, {}, fieldSelector === undefined);
  const pods = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal }) => api.list(cluster, PODS_REF, { ...params, limit: RELATED_LIMIT }, signal),
    // One page only: the full list is a link away.
    getNextPageParam: () => undefined,
    refetchInterval: live ? false : POLL_INTERVAL_MS,
  });
  const first = pods.data?.pages[0];
  const items = first?.items ?? [];
  const total = first?.total ?? items.length;
  // Ages as of the last read (render stays pure).
  const now = pods.dataUpdatedAt;
  const all = `${listRoute(cluster, PODS_REF)}${listQuery(params)}`;
  return (
    <section id="related-pods" data-live={live ? 'live' : 'polling'}>
      <h2 className="mb-1 flex items-baseline gap-3 font-semibold">
        Pods{first ? ` (${total})` : ''}
        <span className="font-mono text-xs font-normal text-slate-500">{fieldSelector ?? selector}</span>
        {/* The pods list filters by labels only: a node's pods have no list view to open. */}
        {fieldSelector === undefined && (
          <Link className="text-xs font-normal text-blue-700 hover:underline dark:text-blue-300" to={all}>
            {items.length < total ? `All ${total} in the pods list` : 'Open in the pods list'}
          </Link>
        )}
      </h2>
      {pods.isError && <ErrorBox error={pods.error} />}
      {pods.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {first && items.length === 0 && <p className="text-sm text-slate-500">No pods match.</p>}
      {items.length > 0 && (
        <table className="w-full text-sm">
          <thead className="text-left text-xs text-slate-500">
            <tr><th>Name</th><th>Ready</th><th>Status</th><th className="text-right">Restarts</th><th className="pl-4">Node</th><th>Age</th></tr>
          </thead>
          <tbody>
            {items.map((pod) => {
              const status = String(pod.status ?? pod.phase ?? '');
              const restarts = restartsMark(pod.restarts);
              return (
                <tr key={`${pod.namespace ?? ''}/${pod.name}`} data-testid="related-pod" data-name={pod.name} data-namespace={pod.namespace ?? ''} data-node={String(pod.node ?? '')} data-status={status} className="border-t border-slate-200 dark:border-slate-800">
                  <td className="pr-3">
                    <Link className="text-blue-700 hover:underline dark:text-blue-300" to={detailRoute(cluster, PODS_REF, pod.namespace, pod.name)}>
                      {pod.name}
                    </Link>
                  </td>
                  <td className="pr-3">{String(pod.ready ?? '')}</td>
                  <td className="pr-3">{status && <StatusPill text={status} />}</td>
                  <td {...restarts} className={`pr-3 text-right ${restarts.className}`}>
                    {String(pod.restarts ?? '')}
                  </td>
                  <td className="pl-4 pr-3">{String(pod.node ?? '—')}</td>
                  <td>{formatAge(pod.createdAt, now)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
