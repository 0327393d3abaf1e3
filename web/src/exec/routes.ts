// The console's own pages for terminals.

import { PODS_REF } from '../lib/kinds';
import { detailRoute } from '../lib/resources';
import type { ExecTarget } from './protocol';

/** Open sessions and recordings. */
export const SESSIONS_ROUTE = '/exec';

/** A terminal in a pod on a page of its own (`?container=`). */
export function execRoute(target: Pick<ExecTarget, 'cluster' | 'namespace' | 'pod' | 'container'>): string {
  const base = `${detailRoute(target.cluster, PODS_REF, target.namespace, target.pod)}/exec`;
  return target.container ? `${base}?container=${encodeURIComponent(target.container)}` : base;
}

/** The replay of a recording. */
export function replayRoute(id: string): string {
  return `${SESSIONS_ROUTE}/recordings/${encodeURIComponent(id)}`;
}
