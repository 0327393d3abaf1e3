import { describe, expect, it } from 'vitest';

import type { ListPage, Row } from '../api/types.gen';
import type { LiveEvent } from '../live';
import { type ListData, planLive } from './liveRows';

const row = (name: string, extra: Record<string, unknown> = {}): Row => ({ name, namespace: 'team-a', ...extra });
const page = (names: string[], more?: string): ListPage => ({ items: names.map((n) => row(n)), columns: [], total: names.length + (more ? 10 : 0), resourceVersion: '10', continue: more });
const data = (...pages: ListPage[]): ListData => ({ pages, pageParams: pages.map((_, i) => (i === 0 ? undefined : `c${i}`)) });
const names = (plan: ReturnType<typeof planLive>) => (plan.kind === 'set' ? plan.data.pages.map((p) => p.items.map((r) => r.name)) : plan.kind);
const delta = (type: 'added' | 'modified' | 'deleted', name: string, rv = '11', extra: Record<string, unknown> = {}): LiveEvent => ({ type, resourceVersion: rv, object: row(name, extra) });

describe('planLive in the default (namespace, name) order', () => {
  it('inserts an added row where it sorts, counts it, and moves the resourceVersion', () => {
    const plan = planLive(data(page(['a', 'c'])), [delta('added', 'b')], {});
    expect(names(plan)).toEqual([['a', 'b', 'c']]);
    expect(plan.kind === 'set' && [plan.data.pages[0]?.total, plan.data.pages[0]?.resourceVersion]).toEqual([3, '11']);
  });
  it('appends after the last row only when no page is left to load', () => {
    expect(names(planLive(data(page(['a'])), [delta('added', 'z')], {}))).toEqual([['a', 'z']]);
    expect(names(planLive(data(page(['a'], 'next')), [delta('added', 'z')], {}))).toEqual([['a']]);
  });
  it('replaces a modified row in place and removes a deleted one', () => {
    const plan = planLive(data(page(['a', 'b']), page(['c'])), [delta('modified', 'c', '12', { phase: 'Running' }), delta('deleted', 'a', '13')], {});
    expect(names(plan)).toEqual([['b'], ['c']]);
    expect(plan.kind === 'set' && plan.data.pages[1]?.items[0]?.phase).toBe('Running');
    expect(plan.kind === 'set' && plan.data.pages[0]?.resourceVersion).toBe('13');
  });
  it('lets a snapshot replace every row when all pages are loaded', () => {
    const snapshot: LiveEvent = { type: 'snapshot', resourceVersion: '20', items: [row('y'), row('x')] };
    const plan = planLive(data(page(['a', 'b'])), [{ type: 'relist' }, snapshot], {});
    expect(names(plan)).toEqual([['x', 'y']]);
    expect(plan.kind === 'set' && plan.data.pages[0]?.total).toBe(2);
  });
  it('refetches for a snapshot when more pages exist, and ignores one at the same version', () => {
    expect(planLive(data(page(['a'], 'next')), [{ type: 'snapshot', resourceVersion: '20', items: [] }], {}).kind).toBe('refetch');
    expect(planLive(data(page(['a'])), [{ type: 'snapshot', resourceVersion: '10', items: [] }], {}).kind).toBe('none');
  });
  it('does nothing before the list has loaded', () => {
    expect(planLive(undefined, [delta('added', 'a')], {}).kind).toBe('none');
  });
});

describe('planLive with a server-side sort or search', () => {
  it('refetches instead of guessing the server order', () => {
    expect(planLive(data(page(['a'])), [delta('added', 'b')], { sort: '-restarts' }).kind).toBe('refetch');
    expect(planLive(data(page(['a'])), [delta('modified', 'a')], { q: 'a' }).kind).toBe('refetch');
  });
});

describe('planLive keeps the usage cells the stream does not carry', () => {
  it('on a row replaced in place, and on rows a snapshot brings again', () => {
    const used = (name: string) => row(name, { cpu: 50, memory: 1024 });
    const list = data({ ...page([]), items: [used('a'), used('b')] });
    const modified = planLive(list, [delta('modified', 'a', '12', { phase: 'Running' })], {});
    expect(modified.kind === 'set' && modified.data.pages[0]?.items[0]).toEqual(row('a', { phase: 'Running', cpu: 50, memory: 1024 }));
    const snapshot = planLive(list, [{ type: 'snapshot', resourceVersion: '20', items: [row('b'), row('c')] }], {});
    expect(snapshot.kind === 'set' && snapshot.data.pages[0]?.items).toEqual([used('b'), row('c')]);
  });
});
