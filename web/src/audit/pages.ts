// The audit table's loaded pages (a TanStack infinite query, paged by offset), and the live
// tail's rows merged on top of them.

import type { InfiniteData } from '@tanstack/react-query';

import { formatCount } from '../lib/format';
import type { AuditItem, AuditPage } from './types';

export type AuditData = InfiniteData<AuditPage, number>;

/** Rows per page (the API's largest is 500). */
export const PAGE_SIZE = 200;
/** `total` is counted up to this many rows (`totalCapped` beyond). */
export const COUNT_CAP = 10_000;

/** The loaded rows, newest first, each once (live rows shift later pages by their number). */
export function loadedRows(data: AuditData | undefined): AuditItem[] {
  if (!data) return [];
  const seen = new Set<number>();
  const rows: AuditItem[] = [];
  for (const page of data.pages) {
    for (const item of page.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      rows.push(item);
    }
  }
  return rows;
}

/**
 * The offset of the page after `pages`, or undefined when every row is loaded. Rows the live
 * tail added are counted: the server has them too, ahead of the older ones.
 */
export function nextOffset(pages: AuditPage[]): number | undefined {
  const first = pages[0];
  const last = pages[pages.length - 1];
  if (!first || !last) return undefined;
  const loaded = pages.reduce((n, p) => n + p.items.length, 0);
  if (last.items.length < last.limit) return undefined;
  if (!first.totalCapped && loaded >= first.total) return undefined;
  return loaded;
}

/** Newest first, as the server orders rows: time, then id. */
function newerFirst(a: AuditItem, b: AuditItem): number {
  const ta = Date.parse(a.timestamp);
  const tb = Date.parse(b.timestamp);
  return ta !== tb ? tb - ta : b.id - a.id;
}

/** `data` with the live tail's `items` on top (those not loaded yet), and the count raised. */
export function withLiveRows(data: AuditData | undefined, items: AuditItem[]): AuditData | undefined {
  const first = data?.pages[0];
  if (!data || !first) return data;
  const loaded = new Set(data.pages.flatMap((p) => p.items.map((i) => i.id)));
  const fresh: AuditItem[] = [];
  for (const item of items) {
    if (loaded.has(item.id)) continue;
    loaded.add(item.id);
    fresh.push(item);
  }
  if (fresh.length === 0) return data;
  const total = first.total + fresh.length;
  const page: AuditPage = {
    ...first,
    items: [...fresh, ...first.items].sort(newerFirst),
    total: Math.min(total, COUNT_CAP),
    totalCapped: first.totalCapped || total >= COUNT_CAP,
  };
  return { ...data, pages: [page, ...data.pages.slice(1)] };
}

/** Only the first page (to read it again after a gap in the live tail). */
export function firstPageOnly(data: AuditData | undefined): AuditData | undefined {
  if (!data || data.pages.length <= 1) return data;
  return { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) };
}

/** "12 rows", "200 of 1,234", "200 of 10,000+". */
export function countText(loaded: number, first: AuditPage | undefined): string {
  if (!first) return '';
  const total = `${formatCount(first.total)}${first.totalCapped ? '+' : ''}`;
  if (loaded >= first.total && !first.totalCapped) return `${total} ${first.total === 1 ? 'row' : 'rows'}`;
  return `${formatCount(loaded)} of ${total}`;
}
