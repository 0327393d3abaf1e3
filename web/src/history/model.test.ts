import { describe, expect, it } from 'vitest';

import { readView } from '../audit/filters';
import { entry, page } from './fixture';
import {
  auditLink,
  countBySource,
  hiddenSources,
  hideParam,
  loadedItems,
  moveCursor,
  newIncarnations,
  pathChips,
  relativeTime,
  toggled,
  visibleItems,
  whatText,
} from './model';

describe('history pages', () => {
  it('joins pages newest first and shows an entry a shifted page repeats once', () => {
    const pages = [page([entry('change:5', 50), entry('event:a', 40)], 'c1'), page([entry('event:a', 40), entry('audit:3', 30)])];
    expect(loadedItems(pages).map((i) => i.id)).toEqual(['change:5', 'event:a', 'audit:3']);
    expect(loadedItems(undefined)).toEqual([]);
  });
});

describe('source toggles', () => {
  it('reads and writes the hidden sources in the URL, dropping unknown names', () => {
    expect([...hiddenSources('event, change,nonsense')]).toEqual(['event', 'change']);
    expect(hiddenSources(null).size).toBe(0);
    expect(hideParam(new Set(['event', 'console']))).toBe('console,event');
    expect(hideParam(new Set())).toBeNull();
  });

  it('flips one source and filters and counts entries by source', () => {
    const items = [entry('audit:1', 3, { source: 'console' }), entry('change:2', 2), entry('event:x', 1, { source: 'event' }), entry('change:3', 0)];
    const hidden = toggled(new Set(), 'change');
    expect([...hidden]).toEqual(['change']);
    expect(visibleItems(items, hidden).map((i) => i.id)).toEqual(['audit:1', 'event:x']);
    expect(visibleItems(items, toggled(hidden, 'change'))).toEqual(items);
    expect(countBySource(items)).toEqual({ console: 1, change: 2, event: 1 });
  });
});

describe('how an entry reads', () => {
  it('says what happened, with the subresource an observed write went through', () => {
    expect(whatText({ source: 'change', action: 'updated', subresource: 'status' })).toBe('updated status');
    expect(whatText({ source: 'change', action: 'created', subresource: null })).toBe('created');
    expect(whatText({ source: 'console', action: 'scale', subresource: 'scale' })).toBe('scale');
    expect(whatText({ source: 'event', action: 'ScalingReplicaSet', subresource: null })).toBe('ScalingReplicaSet');
  });

  it('shows the first six paths as chips and counts the rest, kept or not', () => {
    const paths = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    expect(pathChips({ paths, truncated: 0 })).toEqual({ shown: ['a', 'b', 'c', 'd', 'e', 'f'], more: 2 });
    expect(pathChips({ paths: ['a'], truncated: 44 })).toEqual({ shown: ['a'], more: 44 });
    expect(pathChips({ paths: [], truncated: 0 })).toEqual({ shown: [], more: 0 });
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-12-01T06:10:00Z');
    expect(relativeTime('2026-12-01T06:09:15Z', now)).toBe('45s ago');
    expect(relativeTime('2026-12-01T06:09:57Z', now)).toBe('just now');
    expect(relativeTime('2026-12-01T06:10:03Z', now)).toBe('just now');
    expect(relativeTime('2026-12-01T03:00:00Z', now)).toBe('3h ago');
    expect(relativeTime('not a time', now)).toBe('');
  });

  it('links a console entry to its audit record, whatever its age', () => {
    const link = auditLink({ requestId: 'req-1', ts: '2026-12-01T06:00:00.123456Z' });
    expect(link).toBe('/audit?requestId=req-1&from=2026-12-01T05%3A59%3A00Z&event=req-1');
    const view = readView(new URLSearchParams(link?.split('?')[1]));
    expect(view).toEqual({ filters: { requestId: 'req-1' }, range: { kind: 'custom', from: '2026-12-01T05:59:00Z' }, live: true, event: 'req-1' });
    expect(auditLink({ requestId: null, ts: '2026-12-01T06:00:00Z' })).toBeNull();
  });

  it('marks where the object was created again under its name', () => {
    const items = [
      entry('change:9', 9, { uid: 'uid-2' }),
      entry('event:e', 8, { source: 'event', uid: null }),
      entry('change:7', 7, { uid: 'uid-2', action: 'created' }),
      entry('change:6', 6, { action: 'deleted' }),
      entry('change:5', 5),
    ];
    expect([...newIncarnations(items)]).toEqual(['change:7']);
  });
});

describe('the highlighted entry', () => {
  it('moves by id, starts at the top and stays inside the list', () => {
    const ids = ['a', 'b', 'c'];
    expect(moveCursor(ids, null, 1)).toBe('a');
    expect(moveCursor(ids, 'a', 1)).toBe('b');
    expect(moveCursor(ids, 'c', 1)).toBe('c');
    expect(moveCursor(ids, 'a', -1)).toBe('a');
    expect(moveCursor(ids, 'gone', -1)).toBe('a');
    expect(moveCursor([], 'a', 1)).toBeNull();
  });
});
