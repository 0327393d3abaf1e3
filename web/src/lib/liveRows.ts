// Applying the live stream's events to a list's loaded pages (TanStack infinite query data).
//
// In the default order (no `sort`, no `q`) rows are in (namespace, name) order on the server,
// the order of the watch store and of apiserver pages, so deltas are applied in place: a
// modified row is replaced, a deleted one removed, an added one inserted where it sorts among
// the loaded rows (or left for a later page when it sorts after them and more pages exist).
// With a server-side `sort` or `q` the client cannot place rows exactly as the server does
// (natural order, numbers, empty cells last, search), so any change means "refetch": the
// server answers those first pages from the live store, so that stays cheap and exact.
// Rows from the stream carry no usage (CPU, memory: read from metrics-server by the list and
// its polling, never watched): a row replaced in place keeps the usage cells it had.

import type { InfiniteData } from '@tanstack/react-query';

import type { ListPage, Row } from '../api/types.gen';
import type { LiveEvent } from '../live';
import { keepUsage } from './usage';

export type ListData = InfiniteData<ListPage, string | undefined>;

export type Plan = { kind: 'none' } | { kind: 'refetch' } | { kind: 'set'; data: ListData };

export interface View {
  sort?: string;
  q?: string;
}

function compareKey(a: Row, b: Row): number {
  const an = a.namespace ?? '';
  const bn = b.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const sameKey = (a: Row, b: Row) => compareKey(a, b) === 0;

const rowKey = (r: Row) => `${r.namespace ?? ''}/${r.name}`;

function hasMore(data: ListData): boolean {
  return Boolean(data.pages[data.pages.length - 1]?.continue);
}

/** What to do with `events` for a list showing `data` in `view`. */
export function planLive(data: ListData | undefined, events: LiveEvent[], view: View): Plan {
  if (!data || data.pages.length === 0 || events.length === 0) return { kind: 'none' };
  const first = data.pages[0] as ListPage;
  const changes = events.filter((e) => e.type !== 'relist');
  if (changes.length === 0) return { kind: 'none' };
  // A snapshot at the version the page was read at changes nothing.
  const only = changes.length === 1 ? changes[0] : undefined;
  if (only?.type === 'snapshot' && only.resourceVersion !== '' && only.resourceVersion === first.resourceVersion) return { kind: 'none' };
  if (view.sort || view.q) return { kind: 'refetch' };

  let pages = data.pages.map((p) => ({ ...p, items: p.items.slice() }));
  let pageParams = data.pageParams;
  let total = first.total;
  let resourceVersion = first.resourceVersion;
  for (const event of changes) {
    if (event.type === 'snapshot') {
      if (hasMore({ pages, pageParams })) return { kind: 'refetch' };
      const before = new Map(pages.flatMap((p) => p.items).map((r) => [rowKey(r), r]));
      const items = event.items.map((r) => keepUsage(before.get(rowKey(r)), r)).sort(compareKey);
      pages = [{ ...(pages[0] as ListPage), items, continue: undefined }];
      pageParams = pageParams.slice(0, 1);
      total = items.length;
    } else {
      const row = event.object;
      const page = pages.find((p) => p.items.some((r) => sameKey(r, row)));
      const index = page ? page.items.findIndex((r) => sameKey(r, row)) : -1;
      if (event.type === 'deleted') {
        if (page && index >= 0) page.items.splice(index, 1);
        if (total !== undefined) total = Math.max(0, total - 1);
      } else if (page && index >= 0) {
        page.items[index] = keepUsage(page.items[index], row);
      } else {
        // Counted even when it belongs to a page not loaded yet.
        insert(pages, row);
        if (total !== undefined) total += 1;
      }
    }
    if ('resourceVersion' in event && event.resourceVersion) resourceVersion = event.resourceVersion;
  }
  pages[0] = { ...(pages[0] as ListPage), total, resourceVersion };
  return { kind: 'set', data: { pages, pageParams } };
}

/** Inserts `row` where it sorts among the loaded rows, unless it belongs to a page not loaded. */
function insert(pages: ListPage[], row: Row): void {
  for (const page of pages) {
    const at = page.items.findIndex((r) => compareKey(r, row) > 0);
    if (at >= 0) {
      page.items.splice(at, 0, row);
      return;
    }
  }
  const last = pages[pages.length - 1];
  if (last && !last.continue) last.items.push(row);
}
