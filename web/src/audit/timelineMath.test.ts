import { describe, expect, it } from 'vitest';

import { bucketRange, dragRange, fractionOf, MIN_SPAN_MS, timeAt, zoomOut } from './timelineMath';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const span = { from: T0, to: T0 + 10 * HOUR };

describe('timeline maths', () => {
  it('maps fractions of the width to times and back, clamped to the edges', () => {
    expect(timeAt(0.5, span)).toBe(T0 + 5 * HOUR);
    expect(timeAt(-1, span)).toBe(T0);
    expect(timeAt(2, span)).toBe(span.to);
    expect(fractionOf(T0 + 2.5 * HOUR, span)).toBe(0.25);
    expect(fractionOf(T0 - HOUR, span)).toBe(0);
  });

  it('turns a drag either way into the range under it, in whole seconds', () => {
    expect(dragRange(0.2, 0.3, span)).toEqual({ from: T0 + 2 * HOUR, to: T0 + 3 * HOUR });
    expect(dragRange(0.3, 0.2, span)).toEqual({ from: T0 + 2 * HOUR, to: T0 + 3 * HOUR });
    // Past the edges: clamped to the drawn range.
    expect(dragRange(-0.5, 0.1, span)).toEqual({ from: T0, to: T0 + HOUR });
    const odd = dragRange(0.123456, 0.654321, span);
    expect(odd && odd.from % 1000).toBe(0);
    expect(odd && odd.to % 1000).toBe(0);
    expect(odd && odd.from <= timeAt(0.123456, span) && odd.to >= timeAt(0.654321, span)).toBe(true);
  });

  it('reads a barely moved pointer as a click, not a zoom', () => {
    expect(dragRange(0.5, 0.502, span)).toBeNull();
  });

  it('never zooms below one second', () => {
    const tiny = { from: T0, to: T0 + 2000 };
    const range = dragRange(0.4, 0.41, tiny);
    expect(range && range.to - range.from).toBe(MIN_SPAN_MS);
  });

  it('gives the range of one bar', () => {
    expect(bucketRange(3, 10, span)).toEqual({ from: T0 + 3 * HOUR, to: T0 + 4 * HOUR });
  });

  it('zooms out to twice the range around its middle, never into the future', () => {
    expect(zoomOut({ from: T0 + 4 * HOUR, to: T0 + 6 * HOUR }, T0 + 100 * HOUR)).toEqual({ from: T0 + 3 * HOUR, to: T0 + 7 * HOUR });
    expect(zoomOut({ from: T0 + 4 * HOUR, to: T0 + 6 * HOUR }, T0 + 6.5 * HOUR)).toEqual({ from: T0 + 2.5 * HOUR, to: T0 + 6.5 * HOUR });
  });
});
