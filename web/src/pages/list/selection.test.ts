import { describe, expect, it } from 'vitest';

import { MAX_SELECTED, parseKey, toggled, withAll } from './selection';

describe('list selection for bulk download', () => {
  it('ticks and unticks, refusing a tick past the cap', () => {
    const one = toggled(new Set(), 'a/x');
    expect([...one]).toEqual(['a/x']);
    expect([...toggled(one, 'a/x')]).toEqual([]);
    const full = withAll(new Set(), Array.from({ length: 150 }, (_, i) => `a/x${i}`));
    expect(full.size).toBe(MAX_SELECTED);
    expect(toggled(full, 'a/more')).toBe(full);
    expect(toggled(full, 'a/x0').size).toBe(MAX_SELECTED - 1);
  });

  it('reads row keys back as namespace and name', () => {
    expect(parseKey('team-a/web')).toEqual({ namespace: 'team-a', name: 'web' });
    expect(parseKey('/node-1')).toEqual({ namespace: undefined, name: 'node-1' });
  });
});
