import { describe, expect, it } from 'vitest';

import { type AuditData, countText, firstPageOnly, loadedRows, nextOffset, withLiveRows } from './pages';
import type { AuditItem, AuditPage } from './types';

const item = (id: number, seconds = id): AuditItem => ({
  id,
  timestamp: new Date(Date.UTC(2026, 2, 1, 0, 0, seconds)).toISOString(),
  requestId: `r${id}`,
  route: null,
  phase: 'outcome',
  verb: 'scale',
  outcome: 'success',
  actor: { sub: 'kate', groups: [] },
  cluster: 'alpha',
  resource: {},
  reason: null,
  extra: null,
});

const page = (ids: number[], total: number, offset = 0, limit = 3, totalCapped = false): AuditPage => ({ items: ids.map((i) => item(i)), total, totalCapped, limit, offset });
const data = (...pages: AuditPage[]): AuditData => ({ pages, pageParams: pages.map((p) => p.offset) });

describe('audit pages', () => {
  it('pages by offset until the total is loaded', () => {
    expect(nextOffset([page([9, 8, 7], 7)])).toBe(3);
    expect(nextOffset([page([9, 8, 7], 7), page([6, 5, 4], 7, 3)])).toBe(6);
    expect(nextOffset([page([9, 8, 7], 7), page([6, 5, 4], 7, 3), page([3], 7, 6)])).toBeUndefined();
    expect(nextOffset([page([3, 2, 1], 3)])).toBeUndefined();
  });

  it('keeps paging past a capped count while pages come full', () => {
    expect(nextOffset([page([9, 8, 7], 10_000, 0, 3, true)])).toBe(3);
  });

  it('puts live rows on top, once, and counts them; later pages start after them', () => {
    const before = data(page([9, 8, 7], 9));
    const after = withLiveRows(before, [item(11), item(10), item(9)]);
    expect(loadedRows(after).map((r) => r.id)).toEqual([11, 10, 9, 8, 7]);
    expect(after?.pages[0]?.total).toBe(11);
    expect(nextOffset(after?.pages ?? [])).toBe(5);
    expect(withLiveRows(after, [item(10)])).toBe(after);
  });

  it('orders live rows newest first by time, then id', () => {
    const after = withLiveRows(data(page([5], 1, 0, 3)), [item(7, 1), item(6, 100)]);
    expect(loadedRows(after).map((r) => r.id)).toEqual([6, 5, 7]);
  });

  it('shows a row repeated by a shifted page once', () => {
    expect(loadedRows(data(page([9, 8, 7], 9), page([7, 6, 5], 9, 3))).map((r) => r.id)).toEqual([9, 8, 7, 6, 5]);
  });

  it('caps the count at 10,000+', () => {
    const after = withLiveRows(data(page([9], 9_999, 0, 200)), [item(10), item(11)]);
    expect(after?.pages[0]).toMatchObject({ total: 10_000, totalCapped: true });
  });

  it('keeps the first page only, to read it again', () => {
    const two = data(page([9, 8, 7], 9), page([6, 5, 4], 9, 3));
    expect(firstPageOnly(two)).toEqual({ pages: [two.pages[0]], pageParams: [0] });
  });

  it('says how many rows are shown', () => {
    expect(countText(3, page([3, 2, 1], 3))).toBe('3 rows');
    expect(countText(200, page([], 1234))).toBe('200 of 1,234');
    expect(countText(200, page([], 10_000, 0, 200, true))).toBe('200 of 10,000+');
    expect(countText(0, undefined)).toBe('');
  });
});
