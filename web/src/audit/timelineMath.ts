// The density timeline's geometry: where a time is drawn, and what range a drag across it (or
// a click on one bar) selects. Positions are fractions of the timeline's width (0 = `from`,
// 1 = `to`), so the maths do not depend on pixels.

/** Milliseconds a range must span at least: a zoom stops at one second. */
export const MIN_SPAN_MS = 1000;
/** A drag shorter than this fraction of the width is a click, not a selection. */
export const MIN_DRAG = 0.005;

export interface Span {
  /** Epoch milliseconds. */
  from: number;
  to: number;
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** The time at fraction `x` of the width. */
export function timeAt(x: number, span: Span): number {
  return span.from + clamp(x) * (span.to - span.from);
}

/** Where `t` falls across the width (clamped to the edges). */
export function fractionOf(t: number, span: Span): number {
  const width = span.to - span.from;
  return width > 0 ? clamp((t - span.from) / width) : 0;
}

/** Whole seconds around a range (the API takes RFC 3339; seconds read well in a URL), at least MIN_SPAN_MS wide. */
function widen(from: number, to: number): Span {
  const start = Math.floor(from / 1000) * 1000;
  const end = Math.max(Math.ceil(to / 1000) * 1000, start + MIN_SPAN_MS);
  return { from: start, to: end };
}

/**
 * The range a drag from fraction `x0` to `x1` selects (either direction), or null when the
 * pointer barely moved (a click).
 */
export function dragRange(x0: number, x1: number, span: Span): Span | null {
  const [a, b] = [clamp(Math.min(x0, x1)), clamp(Math.max(x0, x1))];
  if (b - a < MIN_DRAG) return null;
  return widen(timeAt(a, span), timeAt(b, span));
}

/** The range of bar `index` of `count` equal stretches. */
export function bucketRange(index: number, count: number, span: Span): Span {
  const width = (span.to - span.from) / count;
  return widen(span.from + index * width, span.from + (index + 1) * width);
}

/** Twice the range around its middle, never past `now` (then it ends at now). */
export function zoomOut(span: Span, now: number): Span {
  const width = span.to - span.from;
  let to = span.to + width / 2;
  let from = span.from - width / 2;
  if (to > now) {
    from -= to - now;
    to = now;
  }
  return widen(from, Math.max(to, from + MIN_SPAN_MS));
}
