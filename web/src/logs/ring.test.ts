import { describe, expect, it } from 'vitest';

import { Ring } from './ring';

const all = (ring: Ring<string>) => Array.from({ length: ring.size }, (_, i) => ring.at(i));

describe('Ring', () => {
  it('keeps lines in order until full, numbering them from 0', () => {
    const ring = new Ring<string>(3);
    expect(ring.push(['a', 'b'])).toBe(0);
    expect(all(ring)).toEqual(['a', 'b']);
    expect([ring.firstSeq, ring.endSeq, ring.size]).toEqual([0, 2, 2]);
    expect(ring.bySeq(1)).toBe('b');
  });

  it('drops the oldest lines when full and says how many', () => {
    const ring = new Ring<string>(3);
    ring.push(['a', 'b']);
    expect(ring.push(['c', 'd', 'e'])).toBe(2);
    expect(all(ring)).toEqual(['c', 'd', 'e']);
    expect([ring.firstSeq, ring.endSeq, ring.evicted]).toEqual([2, 5, 2]);
    expect(ring.bySeq(1)).toBeUndefined();
    expect(ring.bySeq(4)).toBe('e');
    expect(ring.at(3)).toBeUndefined();
  });

  it('takes a batch larger than itself, keeping its tail', () => {
    const ring = new Ring<number>(4);
    ring.push(Array.from({ length: 10 }, (_, i) => i));
    expect(Array.from({ length: 4 }, (_, i) => ring.at(i))).toEqual([6, 7, 8, 9]);
    expect(ring.firstSeq).toBe(6);
  });

  it('walks lines from a sequence number, skipping those gone', () => {
    const ring = new Ring<string>(2);
    ring.push(['a', 'b', 'c']);
    const seen: [string, number][] = [];
    ring.forEachFrom(0, (v, seq) => seen.push([v, seq]));
    expect(seen).toEqual([['b', 1], ['c', 2]]);
  });

  it('holds 50,000 lines by default', () => {
    expect(new Ring<string>().capacity).toBe(50_000);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Ring<string>(0)).toThrow(/positive integer/);
  });
});
