// The release list's filters, pure: which status chips there are, which releases they let
// through, and how filters live in the URL (`?status=deployed,pending&namespace=&q=`).

import type { ReleaseSummary } from './types';

/** The status chips: Helm's statuses, the three `pending-*` ones as one chip. */
export const STATUS_CHIPS = ['deployed', 'failed', 'pending', 'superseded', 'uninstalling', 'uninstalled', 'unknown'] as const;
export type StatusChip = (typeof STATUS_CHIPS)[number];

/** The chip a release status belongs to (a status Helm may add later counts as `unknown`). */
export function chipOf(status: string): StatusChip {
  if (status.startsWith('pending-')) return 'pending';
  return (STATUS_CHIPS as readonly string[]).includes(status) ? (status as StatusChip) : 'unknown';
}

/** The list's filters. */
export interface ReleaseFilter {
  /** Empty: every status. */
  statuses: StatusChip[];
  namespace: string | undefined;
  /** Case-insensitive part of the name (or of the chart's name). */
  q: string;
}

/** The filters a URL's query holds (unknown chips are dropped). */
export function readFilter(search: URLSearchParams): ReleaseFilter {
  const statuses = (search.get('status') ?? '')
    .split(',')
    .filter((s): s is StatusChip => (STATUS_CHIPS as readonly string[]).includes(s));
  return { statuses: [...new Set(statuses)], namespace: search.get('namespace') || undefined, q: search.get('q') ?? '' };
}

/** `search` with `patch` applied (empty values removed), chips in their display order. */
export function writeFilter(search: URLSearchParams, patch: Partial<ReleaseFilter>): URLSearchParams {
  const next = new URLSearchParams(search);
  const set = (key: string, value: string | undefined) => (value ? next.set(key, value) : next.delete(key));
  if (patch.statuses) set('status', STATUS_CHIPS.filter((c) => patch.statuses?.includes(c)).join(','));
  if ('namespace' in patch) set('namespace', patch.namespace);
  if ('q' in patch) set('q', patch.q);
  return next;
}

/** `statuses` with `chip` turned on or off. */
export function toggleChip(statuses: StatusChip[], chip: StatusChip): StatusChip[] {
  return statuses.includes(chip) ? statuses.filter((c) => c !== chip) : [...statuses, chip];
}

/** The releases the filter lets through, in the server's order (newest first). */
export function applyFilter(releases: ReleaseSummary[], filter: ReleaseFilter): ReleaseSummary[] {
  const q = filter.q.trim().toLowerCase();
  return releases.filter(
    (r) =>
      (filter.statuses.length === 0 || filter.statuses.includes(chipOf(r.status))) &&
      (!q || r.name.toLowerCase().includes(q) || r.chartName.toLowerCase().includes(q)),
  );
}

/** How many releases each chip would show (over the releases as listed). */
export function chipCounts(releases: ReleaseSummary[]): Record<StatusChip, number> {
  const counts = Object.fromEntries(STATUS_CHIPS.map((c) => [c, 0])) as Record<StatusChip, number>;
  for (const r of releases) counts[chipOf(r.status)] += 1;
  return counts;
}

/** A colour class per status family, for badges. */
export function statusTone(status: string): string {
  switch (chipOf(status)) {
    case 'deployed':
      return 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100';
    case 'failed':
      return 'bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100';
    case 'pending':
    case 'uninstalling':
      return 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100';
    default:
      return 'bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200';
  }
}
