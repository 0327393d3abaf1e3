import { describe, expect, it } from 'vitest';

import { type Clock, throttle } from './throttle';

function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let id = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: ++id });
      return id;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers = timers.filter((x) => x !== t);
      t.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

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
