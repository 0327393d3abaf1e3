// The describe view's code (every kind's fields and sections) is a chunk of its own: lists
// fetch it once they have painted, so the first detail page does not wait for it and the
// list's first paint does not carry it.

import { lazy } from 'react';

/** Fetches the describe chunk (once; later calls share the same promise). */
export const loadDescribe = () => import('./Describe');

/** The describe tab, rendered once its chunk is in. */
export const Describe = lazy(() => loadDescribe().then((m) => ({ default: m.Describe })));

/** Fetches the chunk when the browser is idle (or soon, where it has no idle callback). */
export function preloadDescribeWhenIdle(): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const id = window.requestIdleCallback(() => void loadDescribe(), { timeout: 2000 });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(() => void loadDescribe(), 500);
  return () => window.clearTimeout(id);
}
