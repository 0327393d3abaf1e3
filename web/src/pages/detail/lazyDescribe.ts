// The describe view's code (every kind's fields and sections) is a chunk of its own: lists
// fetch it once they have painted, so the first detail page does not wait for it and the
// list's first paint does not carry it.
//
// It is not a React.lazy component: a lazy component suspends on its first render even when its
// chunk is already in (its factory's promise is new), and React then holds the Suspense fallback
// for at least 300 ms — every first detail page of a tab took 330–380 ms (describe bench).

import { type ComponentProps, createElement, useEffect, useState } from 'react';

type DescribeModule = typeof import('./Describe');

let loaded: DescribeModule | null = null;
let loading: Promise<DescribeModule> | null = null;

/** Fetches the describe chunk (once; later calls share the same promise; a failure may be retried). */
export function loadDescribe(): Promise<DescribeModule> {
  loading ??= import('./Describe').then(
    (m) => (loaded = m),
    (e: unknown) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}

/** The describe view once its chunk is in; "Loading…" until then (no Suspense fallback). */
export function Describe(props: ComponentProps<DescribeModule['Describe']>) {
  const [module, setModule] = useState(loaded);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (module) return;
    let current = true;
    loadDescribe().then(
      (m) => current && setModule(m),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [module]);
  if (module) return createElement(module.Describe, props);
  const note = failed ? 'The describe view could not be loaded: reload the page.' : 'Loading…';
  return createElement('p', { className: 'text-sm text-slate-500', role: failed ? 'alert' : undefined }, note);
}

/** Fetches the chunk when the browser is idle (or soon, where it has no idle callback). */
export function preloadDescribeWhenIdle(): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const id = window.requestIdleCallback(() => void loadDescribe(), {
      timeout: 2000,
    });
    return () => window.cancelIdleCallback(id);
  }
  const id = window.setTimeout(() => void loadDescribe(), 500);
  return () => window.clearTimeout(id);
}
