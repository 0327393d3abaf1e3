// The describe view's code (every kind's fields and sections) is a chunk of its own: lists
// fetch it once they have painted, so the first detail page does not wait for it and the
// list's first paint does not carry it. It is a lazyPage: a plain React.lazy component suspends
// on its first render even with its chunk already in, and React then holds the fallback for
// 300 ms, which was most of a first detail page's time (describe bench: p50 377 ms).

import type { ComponentProps } from 'react';

import { lazyPage } from '../../lib/lazyPage';
import type { Describe as DescribeView } from './Describe';

const describe = lazyPage<ComponentProps<typeof DescribeView>>(() => import('./Describe').then((m) => ({ default: m.Describe })));

/** The describe tab: at once when its chunk is in, else suspends while it loads. */
export const Describe = describe.Page;

/** Fetches the describe chunk (once; later calls share the same load). */
export const loadDescribe = describe.preload;

/** Fetches the chunk when the browser is idle (or soon, where it has no idle callback). */
export function preloadDescribeWhenIdle(): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const id = window.requestIdleCallback(() => void loadDescribe(), { timeout: 2000 });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(() => void loadDescribe(), 500);
  return () => window.clearTimeout(id);
}
