import { describe, expect, it } from 'vitest';

import { fakeClock } from '../testClock';
import { throttle } from './throttle';

describe('throttle', () => {
  it('runs at once, then folds a burst into one trailing call', () => {
    const { clock, advance } = fakeClock();
    let calls = 0;
    const t = throttle(() => (calls += 1), 1000, clock);
    t();
    expect(calls).toBe(1);
    t();
    t();
    advance(500);
    expect(calls).toBe(1);
    advance(500);
    expect(calls).toBe(2);
    advance(5000);
    expect(calls).toBe(2);
    t();
    expect(calls).toBe(3);
  });

  it('can be cancelled', () => {
    const { clock, advance, pending } = fakeClock();
    let calls = 0;
    const t = throttle(() => (calls += 1), 1000, clock);
    t();
    t();
    t.cancel();
    expect(pending()).toBe(0);
    advance(2000);
    expect(calls).toBe(1);
  });
});
