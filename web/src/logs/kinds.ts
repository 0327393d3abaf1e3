// Which objects have logs, and where their log page is. Kept tiny: the detail page imports it
// statically, the viewer itself loads on demand.

import { apiGroup, detailRoute, type KindRef } from '../lib/resources';

/** Kinds with a log stream (docs/api.md, Logs), by `group/resource`. */
const LOG_KINDS = new Set([
  'core/pods',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'apps/replicasets',
  'batch/jobs',
  'batch/cronjobs',
  'core/services',
]);

export function hasLogs(ref: KindRef): boolean {
  return LOG_KINDS.has(`${apiGroup(ref.group)}/${ref.resource}`);
}

/** A pod's stream is one pod's; the others' merge the pods they select. */
export function isPodRef(ref: KindRef): boolean {
  return apiGroup(ref.group) === 'core' && ref.resource === 'pods';
}

/** The full-page log view of an object; `search` (with `?`, or empty) carries the view. */
export function logsRoute(cluster: string, ref: KindRef, namespace: string | undefined, name: string, search = ''): string {
  return `${detailRoute(cluster, ref, namespace, name)}/logs${search}`;
}
