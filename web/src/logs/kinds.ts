// Where an object's log page is, and whether its stream is one pod's. Kept tiny: the detail
// page imports it statically, the viewer itself loads on demand. Which kinds have logs is the
// server's to say (the kinds list's `logs`).

import { apiGroup, detailRoute, type KindRef } from '../lib/resources';

/** A pod's stream is one pod's; the others' merge the pods they select. */
export function isPodRef(ref: KindRef): boolean {
  return apiGroup(ref.group) === 'core' && ref.resource === 'pods';
}

/** The full-page log view of an object; `search` (with `?`, or empty) carries the view. */
export function logsRoute(cluster: string, ref: KindRef, namespace: string | undefined, name: string, search = ''): string {
  return `${detailRoute(cluster, ref, namespace, name)}/logs${search}`;
}
