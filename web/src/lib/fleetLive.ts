// The fleet's node counts, kept from the live node list of each cluster.

import type { Row } from '../api/types.gen';
import type { LiveEvent } from '../live';

export interface NodeCounts {
  ready: number;
  total: number;
}

/** Node name → Ready, after `events` (a snapshot replaces, deltas patch). */
export function applyNodeEvents(nodes: ReadonlyMap<string, boolean> | undefined, events: LiveEvent[]): Map<string, boolean> {
  let next = new Map(nodes ?? []);
  for (const e of events) {
    if (e.type === 'snapshot') next = new Map(e.items.map((row) => [row.name, isReady(row)]));
    else if (e.type === 'deleted') next.delete(e.object.name);
    else if (e.type === 'added' || e.type === 'modified') next.set(e.object.name, isReady(e.object));
  }
  return next;
}

/** The node projection's status is `Ready`, `NotReady`, or either with `,SchedulingDisabled`. */
function isReady(row: Row): boolean {
  return String(row.status ?? '').split(',')[0] === 'Ready';
}

export function countNodes(nodes: ReadonlyMap<string, boolean> | undefined): NodeCounts | undefined {
  if (!nodes) return undefined;
  let ready = 0;
  nodes.forEach((r) => (ready += r ? 1 : 0));
  return { ready, total: nodes.size };
}
