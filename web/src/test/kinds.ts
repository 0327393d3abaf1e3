// Kinds fixtures for unit tests: the server's built-in table (generated from it), plus a custom
// resource and a discovered kind as `GET /api/clusters/{c}/kinds` lists them after it.

import type { KindInfo, KindList } from '../api/types.gen';
import { BUILTIN_KINDS } from './builtinKinds.gen';

/** The seeded CRD's kind. */
export const WIDGETS: KindInfo = {
  group: 'periscope.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  label: 'Widget',
  shortNames: ['wdg'],
  category: 'Custom resources',
  builtin: false,
  actions: ['labels', 'delete'],
  live: true,
  logs: false,
};

/** A discovered kind that is neither built in nor custom. */
export const LEASES: KindInfo = { ...WIDGETS, group: 'coordination.k8s.io', kind: 'Lease', plural: 'leases', label: 'Lease', shortNames: [], category: null };

/** A cluster's kinds answer: the built-ins, then `more`. */
export function kindList(...more: KindInfo[]): KindList {
  return { kinds: [...BUILTIN_KINDS, ...more], errors: {} };
}
