// Pure helpers over the Helm diff and drift answers: how a value reads in a cell, how object
// changes group, and which drift entry belongs to a release resource.

import type { JsonValue } from '../api/types.gen';
import type { Change, ChangeKind, ObjectChange, ReleaseResource } from './types';

/** A before/after value in one cell: strings bare, absent as `—`, the rest as compact JSON. */
export function showValue(value: JsonValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Object changes grouped by kind of change, in the order a reader wants them. */
export function groupObjects(objects: ObjectChange[]): { kind: ChangeKind; title: string; objects: ObjectChange[] }[] {
  const titles: Record<ChangeKind, string> = { modify: 'Changed', add: 'Added', remove: 'Removed' };
  return (['modify', 'add', 'remove'] as const)
    .map((kind) => ({ kind, title: titles[kind], objects: objects.filter((o) => o.kind === kind) }))
    .filter((g) => g.objects.length > 0);
}

/** `1 changed · 2 added` style summary of a diff (empty when nothing differs). */
export function summarize(objects: ObjectChange[], values: Change[]): string {
  const parts = groupObjects(objects).map((g) => `${g.objects.length} ${g.title.toLowerCase()}`);
  if (values.length > 0) parts.push(`${values.length} value${values.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/**
 * The comparison key of a release resource. The server names a manifest object `Kind ns/name`
 * with the manifest's own namespace, or `Kind name` when the chart leaves it to the release:
 * both are tried.
 */
export function resourceKeys(r: ReleaseResource): string[] {
  return [`${r.kind ?? ''} ${r.namespace}/${r.name ?? ''}`, `${r.kind ?? ''} ${r.name ?? ''}`];
}
