// The overview's capacity: what the scheduled pods request of the nodes' allocatable CPU and
// memory, for the cluster and per node (busiest CPU first), as `kubectl describe node` counts
// it. Requests, not usage: what the scheduler still has to place new pods.

import { Link } from 'react-router';

import type { Allotment, Capacity as CapacityAnswer } from '../../api/types.gen';
import { detailRoute, type KindRef } from '../../lib/resources';
import { formatUsage, type UsageKey, usagePercent } from '../../lib/usage';

const NODES_REF: KindRef = { group: 'core', version: 'v1', resource: 'nodes' };
const NAMES: Record<UsageKey, string> = { cpu: 'CPU', memory: 'Memory' };
/** Nodes listed (the busiest); the totals cover all of them. */
export const CAPACITY_NODES = 10;

function tone(pct: number): string {
  return pct >= 100 ? 'bg-red-600' : pct >= 80 ? 'bg-amber-500' : 'bg-sky-600 dark:bg-sky-500';
}

/** `requested of allocatable` as a meter with its words (`data-capacity` cpu|memory, `data-percent`). */
export function RequestedBar({ resource, value }: { resource: UsageKey; value: Allotment }) {
  const pct = usagePercent(value.requested, value.allocatable);
  const words =
    pct === null
      ? `${formatUsage(resource, value.requested)} requested`
      : `${formatUsage(resource, value.requested)} of ${formatUsage(resource, value.allocatable)} requested (${pct}%)`;
  return (
    <span className="flex items-center gap-2" data-capacity={resource} data-percent={pct ?? ''}>
      {pct !== null && (
        <span
          role="meter"
          aria-label={`${NAMES[resource]} requested of allocatable`}
          aria-valuemin={0}
          aria-valuemax={Math.max(100, pct)}
          aria-valuenow={pct}
          aria-valuetext={words}
          className="inline-block h-2 w-28 shrink-0 overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
        >
          <span className={`block h-2 ${tone(pct)}`} style={{ width: `${Math.min(100, pct)}%` }} />
        </span>
      )}
      <span className="whitespace-nowrap text-xs tabular-nums text-slate-700 dark:text-slate-300">{words}</span>
    </span>
  );
}

/** The cluster's requested/allocatable CPU and memory and its busiest nodes. */
export function Capacity({ cluster, capacity }: { cluster: string; capacity: CapacityAnswer }) {
  return (
    <section id="overview-capacity" className="mt-6">
      <h2 className="font-semibold">Capacity</h2>
      <div className="mt-2 flex flex-wrap gap-x-8 gap-y-1 text-sm" data-capacity-total="">
        <span className="flex items-center gap-2">
          CPU <RequestedBar resource="cpu" value={capacity.cpu} />
        </span>
        <span className="flex items-center gap-2">
          Memory <RequestedBar resource="memory" value={capacity.memory} />
        </span>
      </div>
      {capacity.nodes.length > 0 && (
        <table className="mt-2 w-full text-sm">
          <thead className="text-left text-xs text-slate-500">
            <tr>
              <th className="font-normal">Node</th>
              <th className="font-normal">CPU requested</th>
              <th className="font-normal">Memory requested</th>
              <th className="text-right font-normal">Pods</th>
            </tr>
          </thead>
          <tbody>
            {capacity.nodes.slice(0, CAPACITY_NODES).map((n) => (
              <tr key={n.name} data-capacity-node={n.name} className="border-t border-slate-200 dark:border-slate-800">
                <td className="py-0.5 pr-3">
                  <Link className="text-blue-600 hover:underline dark:text-blue-300" to={detailRoute(cluster, NODES_REF, undefined, n.name)}>
                    {n.name}
                  </Link>
                </td>
                <td className="pr-3">
                  <RequestedBar resource="cpu" value={n.cpu} />
                </td>
                <td className="pr-3">
                  <RequestedBar resource="memory" value={n.memory} />
                </td>
                <td className="text-right tabular-nums">{n.pods}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
