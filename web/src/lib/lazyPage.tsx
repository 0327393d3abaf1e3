// A page loaded on demand that can be loaded ahead: once `preload` has settled, the page
// renders at once instead of suspending. That matters beyond the round trip: React keeps a
// Suspense fallback on screen for at least 300 ms (FALLBACK_THROTTLE_MS) once it has shown it,
// so a page opened straight from the address bar waited that long after its code arrived.

import { type ComponentType, lazy } from 'react';

/** A lazily loaded page component and the call that loads it ahead. */
export interface LazyPage<P extends object> {
  /** The page; suspends only while its code is still loading. */
  Page: ComponentType<P>;
  /** Starts loading the code (once); settles when it is loaded or failed. */
  preload: () => Promise<void>;
}

export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): LazyPage<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const start = () => {
    loading ??= load().then((m) => {
      loaded = m.default;
      return m;
    });
    return loading;
  };
  const Lazy = lazy(start);
  function Page(props: P) {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Lazy {...props} />;
  }
  return {
    Page,
    // A failed load is left to the page's own render (its error boundary says so).
    preload: () =>
      start().then(
        () => undefined,
        () => undefined,
      ),
  };
}
