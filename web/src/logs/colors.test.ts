import { describe, expect, it } from 'vitest';

import { fnv1a, POD_PALETTE, podColor, podColorIndex } from './colors';

describe('pod colours', () => {
  it('hash with FNV-1a', () => {
    // Reference values of 32-bit FNV-1a.
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('give a pod the same colour every time, from its name alone', () => {
    const names = ['web-7d9c-abcde', 'web-7d9c-fghij', 'db-0'];
    const first = names.map(podColor);
    expect([...names].reverse().map(podColor)).toEqual([...first].reverse());
    expect(podColor('web-7d9c-abcde')).toBe(POD_PALETTE[podColorIndex('web-7d9c-abcde')]);
  });

  it('spread a ReplicaSet\'s pods over the palette', () => {
    const used = new Set(Array.from({ length: 24 }, (_, i) => podColorIndex(`web-5f7b8c9d4-${i.toString(36)}x${i}`)));
    expect(used.size).toBeGreaterThanOrEqual(8);
  });
});
