// What the History tab shows, as pure functions (unit tested): the loaded pages as one list,
// the source toggles in the URL, and how an entry reads (what happened, its paths as chips,
// when, where its audit record is).

import { writeView } from '../audit/filters';
import { formatAge } from '../lib/format';
import type { HistoryItem, HistoryPage, HistorySource } from './types';

export const SOURCES: readonly HistorySource[] = ['console', 'change', 'event'];
export const SOURCE_LABELS: Record<HistorySource, string> = { console: 'Console', change: 'Change', event: 'Event' };

/** Changed paths a row shows as chips; the rest are counted ("+n") and listed when it is expanded. */
export const CHIPS = 6;

/** The loaded pages as one list, newest first, each entry once (a refetch may shift a page). */
export function loadedItems(pages: readonly HistoryPage[] | undefined): HistoryItem[] {
  const seen = new Set<string>();
  const out: HistoryItem[] = [];
  for (const page of pages ?? []) {
    for (const item of page.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      out.push(item);
    }
  }
  return out;
}

const isSource = (value: string): value is HistorySource => (SOURCES as readonly string[]).includes(value);

/** The sources the URL's `hide` hides (`hide=event,change`); unknown names are dropped. */
export function hiddenSources(param: string | null): Set<HistorySource> {
  return new Set((param ?? '').split(',').map((s) => s.trim()).filter(isSource));
}

/** The `hide` value for `hidden` (in a fixed order), or null when every source shows. */
export function hideParam(hidden: ReadonlySet<HistorySource>): string | null {
  const names = SOURCES.filter((s) => hidden.has(s));
  return names.length ? names.join(',') : null;
}

/** `hidden` with `source` flipped. */
export function toggled(hidden: ReadonlySet<HistorySource>, source: HistorySource): Set<HistorySource> {
  const next = new Set(hidden);
  if (next.has(source)) next.delete(source);
  else next.add(source);
  return next;
}

/** The entries of the sources that show. */
export function visibleItems(items: readonly HistoryItem[], hidden: ReadonlySet<HistorySource>): HistoryItem[] {
  return hidden.size === 0 ? items.slice() : items.filter((i) => !hidden.has(i.source));
}

/** How many loaded entries each source has. */
export function countBySource(items: readonly HistoryItem[]): Record<HistorySource, number> {
  const counts: Record<HistorySource, number> = { console: 0, change: 0, event: 0 };
  for (const item of items) counts[item.source] += 1;
  return counts;
}

/** What happened, in a few words: `scale`, `updated status`, `created`, an Event's reason. */
export function whatText(item: Pick<HistoryItem, 'source' | 'action' | 'subresource'>): string {
  // A console action names itself (`scale`); an observed write says which part it wrote.
  if (item.source === 'change' && item.subresource) return `${item.action} ${item.subresource}`;
  return item.action;
}

/** The first `max` changed paths, and how many more there are (listed or not kept). */
export function pathChips(item: Pick<HistoryItem, 'paths' | 'truncated'>, max: number = CHIPS): { shown: string[]; more: number } {
  const shown = item.paths.slice(0, max);
  return { shown, more: item.paths.length - shown.length + Math.max(0, item.truncated) };
}

/** `just now` (under 5 s, or ahead of this browser's clock), `45s ago`, `3h ago`; empty for a time that is not one. */
export function relativeTime(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  return now - at < 5000 ? 'just now' : `${formatAge(iso, now)} ago`;
}

/**
 * The audit page showing a console entry's request, opened on its detail; the range starts a
 * minute before it, so the row is in the table however old it is. Null for other entries.
 */
export function auditLink(item: Pick<HistoryItem, 'requestId' | 'ts'>): string | null {
  if (!item.requestId) return null;
  const at = Date.parse(item.ts);
  const from = Number.isNaN(at) ? undefined : new Date(Math.floor(at / 1000) * 1000 - 60_000).toISOString().replace('.000Z', 'Z');
  const query = writeView({ filters: { requestId: item.requestId }, range: { kind: 'custom', ...(from ? { from } : {}) }, live: true, event: item.requestId });
  return `/audit?${query.toString()}`;
}

/**
 * The entries where the object became a new one (deleted and created again under its name): its
 * uid differs from that of the next older entry that names one.
 */
export function newIncarnations(items: readonly HistoryItem[]): Set<string> {
  const out = new Set<string>();
  let older: string | null = null;
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const item = items[i];
    if (!item?.uid) continue;
    if (older !== null && item.uid !== older) out.add(item.id);
    older = item.uid;
  }
  return out;
}

/** The entry `delta` rows away from `current` (the first when none, or it is not shown), kept inside the list. */
export function moveCursor(ids: readonly string[], current: string | null, delta: 1 | -1): string | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at < 0) return ids[0] ?? null;
  return ids[Math.max(0, Math.min(ids.length - 1, at + delta))] ?? null;
}
