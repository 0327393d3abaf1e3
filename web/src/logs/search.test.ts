import { describe, expect, it } from 'vitest';

import { toLine } from './lines';
import { Ring } from './ring';
import { lineMatches, matchRanges, SearchIndex } from './search';

const ringOf = (texts: string[], capacity = 100) => {
  const ring = new Ring<ReturnType<typeof toLine>>(capacity);
  ring.push(texts.map((l) => toLine({ t: '', l })));
  return ring;
};

describe('matching', () => {
  it('ignores case unless the query has an upper-case letter', () => {
    const line = toLine({ t: '', l: 'Connection Reset by peer' });
    expect(lineMatches(line, 'reset')).toBe(true);
    expect(lineMatches(line, 'Reset')).toBe(true);
    expect(lineMatches(line, 'RESET')).toBe(false);
    expect(lineMatches(line, '')).toBe(false);
  });

  it('searches the text without colour codes', () => {
    expect(lineMatches(toLine({ t: '', l: '\x1b[31mERR\x1b[0mOR' }), 'error')).toBe(true);
  });

  it('gives the ranges to highlight, not overlapping', () => {
    expect(matchRanges('aaaa', 'aa')).toEqual([[0, 2], [2, 4]]);
    expect(matchRanges('Foo foo', 'foo')).toEqual([[0, 3], [4, 7]]);
    expect(matchRanges('Foo foo', 'Foo')).toEqual([[0, 3]]);
    expect(matchRanges('x', '')).toEqual([]);
  });
});

describe('SearchIndex', () => {
  it('counts matches and steps through them, wrapping around', () => {
    const ring = ringOf(['a', 'x', 'b', 'x', 'x']);
    const index = new SearchIndex();
    index.setQuery('x', ring);
    expect(index.count).toBe(3);
    expect(index.next(-1)).toBe(1);
    expect(index.next(1)).toBe(3);
    expect(index.next(4)).toBe(1);
    expect(index.prev(3)).toBe(1);
    expect(index.prev(1)).toBe(4);
    expect(index.ordinal(3)).toBe(1);
    expect(index.ordinal(2)).toBe(-1);
  });

  it('takes in new lines and forgets those the ring dropped', () => {
    const ring = ringOf(['x1', 'a', 'x2'], 4);
    const index = new SearchIndex();
    index.setQuery('x', ring);
    ring.push(['x3', 'b', 'x4'].map((l) => toLine({ t: '', l })));
    index.update(ring);
    // The ring now holds seqs 2..5: x2, x3, b, x4.
    expect(index.count).toBe(3);
    expect([index.at(0), index.at(1), index.at(2)]).toEqual([2, 3, 5]);
    expect(index.next(5)).toBe(2);
  });

  it('has nothing to find for an empty query', () => {
    const index = new SearchIndex();
    index.setQuery('', ringOf(['a']));
    expect(index.count).toBe(0);
    expect(index.next(0)).toBeUndefined();
    expect(index.prev(0)).toBeUndefined();
  });

  it('searches 50,000 lines well within 100 ms', () => {
    const ring = new Ring<ReturnType<typeof toLine>>();
    ring.push(Array.from({ length: 50_000 }, (_, i) => toLine({ t: '', l: `2026-01-02 INFO request ${i} served path=/api/v1/items/${i % 977} status=200 duration=${i % 91}ms` })));
    const index = new SearchIndex();
    const started = performance.now();
    index.setQuery('items/976 ', ring);
    const ms = performance.now() - started;
    expect(index.count).toBe(51);
    // A generous bound for a slow CI machine; the browser bench measures the real figure.
    expect(ms).toBeLessThan(100);
  });
});
