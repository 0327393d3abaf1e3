import { describe, expect, it } from 'vitest';

import { fakeClock } from '../testClock';
import { toLine } from './lines';
import { FLUSH_MS, LogStore, toMeta } from './store';

const lines = (...texts: string[]) => texts.map((l) => toLine({ t: '', l }));

describe('LogStore', () => {
  it('batches lines and keeps the find index current', () => {
    const { clock, advance } = fakeClock();
    const store = new LogStore(3, clock);
    store.setFind('x');
    store.add(lines('x1', 'a'));
    store.add(lines('x2'));
    expect(store.getVersion()).toBe(1);
    advance(FLUSH_MS);
    expect(store.ring.size).toBe(3);
    expect(store.search.count).toBe(2);
    store.add(lines('b', 'x3'));
    advance(FLUSH_MS);
    // x1 and a fell out of the ring of 3.
    expect(store.search.count).toBe(2);
    expect(store.ring.evicted).toBe(2);
  });

  it('shows pending lines before saying the stream ended', () => {
    const { clock } = fakeClock();
    const store = new LogStore(10, clock);
    store.add(lines('last'));
    store.update({ phase: 'done' });
    expect(store.ring.size).toBe(1);
  });
});

describe('toMeta', () => {
  it('reads what it can', () => {
    expect(toMeta(null)).toEqual({ pods: [], omitted: [] });
    expect(toMeta({ pods: [{ name: 'a' }, 'x'], omitted: [{ name: 'b' }] })).toEqual({
      pods: [{ name: 'a', node: undefined, container: undefined }],
      omitted: [{ name: 'b', reason: '' }],
    });
  });
});
