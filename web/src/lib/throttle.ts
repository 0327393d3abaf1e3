// At most one call per interval: the first call after a quiet spell runs at once, later ones
// fold into one trailing call when the interval is over.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

export interface Throttled {
  (): void;
  cancel(): void;
}

export function throttle(fn: () => void, ms: number, clock: Clock = browserClock): Throttled {
  let last = Number.NEGATIVE_INFINITY;
  let timer: unknown;
  const call = (() => {
    const wait = last + ms - clock.now();
    if (wait <= 0) {
      last = clock.now();
      fn();
      return;
    }
    if (timer === undefined) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        call();
      }, wait);
    }
  }) as Throttled;
  call.cancel = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
