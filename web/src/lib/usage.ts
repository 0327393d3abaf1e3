// CPU and memory usage from metrics-server (metrics.k8s.io) as the console shows it: cells
// written as `kubectl top` writes them, shares of a request, limit or allocatable, and keeping
// usage on list rows the live stream replaces. Pure functions: unit tested.

import type { ListPage, Row, Usage } from '../api/types.gen';
import type { KindRef } from './resources';

/** The kinds metrics.k8s.io reports usage of (the usage endpoint's `{kind}`). */
export type UsageKind = 'pods' | 'nodes';

/** The usage endpoint's query (docs/api.md, Usage). */
export interface UsageQuery {
  /** Pods only; absent: every namespace. */
  namespace?: string;
  /** One object. */
  name?: string;
  /** `cpu`, `-cpu`, `memory`, `-memory` (`-`: descending). */
  sort?: string;
  /** 1–5000. */
  limit?: number;
}

/** The row keys (and list columns) of usage: integer millicores and bytes. */
export const USAGE_KEYS = ['cpu', 'memory'] as const;
export type UsageKey = (typeof USAGE_KEYS)[number];

/** metrics-server scrapes every 10–15 s: usage on screen is read again this often. */
export const USAGE_POLL_MS = 15_000;

/** The most the usage endpoint answers at once. */
export const USAGE_LIMIT = 5000;

/** Whether list column `key` is a usage column. */
export function isUsageKey(key: string): key is UsageKey {
  return key === 'cpu' || key === 'memory';
}

/** The usage kind of a kind's list (core/v1 pods and nodes), else null. */
export function usageKind(ref: KindRef): UsageKind | null {
  if ((ref.group !== 'core' && ref.group !== '') || ref.version !== 'v1') return null;
  return ref.resource === 'pods' || ref.resource === 'nodes' ? ref.resource : null;
}

/** Whether a list answer of `ref` carries usage columns (the server adds them only when metrics are available). */
export function listHasUsage(ref: KindRef, columns: ListPage['columns'] | undefined): boolean {
  return usageKind(ref) !== null && (columns ?? []).some((c) => isUsageKey(c.key));
}

/** The usage endpoint's query string (with `?`), empty parameters left out; order is stable. */
export function usageQueryString(query: UsageQuery): string {
  const search = new URLSearchParams();
  if (query.namespace) search.set('namespace', query.namespace);
  if (query.name) search.set('name', query.name);
  if (query.sort) search.set('sort', query.sort);
  if (query.limit !== undefined) search.set('limit', String(query.limit));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A list's `sort` when it is one the usage endpoint takes too (so polled usage covers the same rows first). */
export function usageSort(sort: string | undefined): string | undefined {
  return sort !== undefined && isUsageKey(sort.replace(/^-/, '')) ? sort : undefined;
}

/** CPU as `kubectl top` writes it: whole millicores, rounded up (`25m`, `1250m`); '' when not a number. */
export function formatCpu(millicores: number): string {
  if (!Number.isFinite(millicores)) return '';
  return `${Math.max(0, Math.ceil(millicores))}m`;
}

const BINARY = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * Memory in binary units: below 10 of a unit with one decimal (`1.2Gi`, `1Gi`), else whole
 * (`40Mi`, `12Gi`); below 1 Ki in bytes (`512B`); '' when not a number.
 */
export function formatMemory(bytes: number): string {
  if (!Number.isFinite(bytes)) return '';
  const b = Math.max(0, bytes);
  if (b < 1024) return `${Math.round(b)}B`;
  let unit = 0;
  let value = b / 1024;
  const shown = (v: number) => (v < 10 ? Math.round(v * 10) / 10 : Math.round(v));
  // 1023.7Mi is written 1Gi, not 1024Mi.
  while (unit < BINARY.length - 1 && shown(value) >= 1024) {
    unit += 1;
    value /= 1024;
  }
  return `${shown(value)}${BINARY[unit]}`;
}

/** metrics-server's window (`10.014s`, a Go duration) in whole seconds (`10s`); other forms as they are. */
export function formatWindow(window: string | undefined): string {
  if (!window) return '';
  const m = /^(\d+(?:\.\d+)?)s$/.exec(window);
  return m ? `${Math.max(1, Math.round(Number(m[1])))}s` : window;
}

/** A usage cell's text: `formatCpu` or `formatMemory`; '' when the value is not a number. */
export function formatUsage(key: UsageKey, value: unknown): string {
  if (typeof value !== 'number') return '';
  return key === 'cpu' ? formatCpu(value) : formatMemory(value);
}

/** `used` as a whole percent of `of`, or null when there is nothing to compare with (none, zero, not a number). */
export function usagePercent(used: number, of: number | null | undefined): number | null {
  if (of === null || of === undefined || !Number.isFinite(of) || of <= 0 || !Number.isFinite(used)) return null;
  return Math.round((Math.max(0, used) / of) * 100);
}

/** What a usage bar says: `120m of 500m request (24%)`; the number alone without anything to compare with. */
export function usageText(key: UsageKey, used: number, of: number | null | undefined, what: string): string {
  const pct = usagePercent(used, of);
  if (pct === null || of === null || of === undefined) return formatUsage(key, used);
  return `${formatUsage(key, used)} of ${formatUsage(key, of)} ${what} (${pct}%)`;
}

/**
 * `row` (from the live stream, which carries no usage) with the usage cells `old` (the row it
 * replaces) had and it lacks: usage is read from metrics-server by the list and by polling,
 * never by the watch. The same object when there is nothing to keep.
 */
export function keepUsage(old: Row | undefined, row: Row): Row {
  if (!old) return row;
  let out = row;
  for (const key of USAGE_KEYS) {
    if (row[key] === undefined && old[key] !== undefined) {
      if (out === row) out = { ...row };
      out[key] = old[key];
    }
  }
  return out;
}

const usageKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/**
 * Pages of rows with fresh usage laid over the rows it names (by namespace and name); rows it
 * does not name keep theirs. Returns null when no cell changes (nothing to set), else new pages
 * where only the changed rows (and their pages) are new objects.
 */
export function overlayUsage<P extends { items: Row[] }>(pages: P[], items: Usage[]): P[] | null {
  if (items.length === 0) return null;
  const byKey = new Map(items.map((u) => [usageKey(u.namespace, u.name), u]));
  let changed = false;
  const out = pages.map((page) => {
    let rows: Row[] | null = null;
    page.items.forEach((row, i) => {
      const u = byKey.get(usageKey(row.namespace, row.name));
      if (!u || (row.cpu === u.cpu && row.memory === u.memory)) return;
      rows ??= page.items.slice();
      rows[i] = { ...row, cpu: u.cpu, memory: u.memory };
    });
    if (!rows) return page;
    changed = true;
    return { ...page, items: rows };
  });
  return changed ? out : null;
}
