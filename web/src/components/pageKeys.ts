// Row shortcuts (j/k/arrows, Enter, x, v, Esc) belong to the page on screen: a list registers a
// handler, the Shell's one key listener hands it those keys (never while typing in a field).

import { useEffect, useRef } from 'react';

export type PageKey = 'down' | 'up' | 'open' | 'select' | 'split' | 'clear';

/** Returns whether the page used the key (then its default action is prevented). */
type Handler = (key: PageKey) => boolean;

let current: Handler | null = null;

export function runPageKey(key: PageKey): boolean {
  return current ? current(key) : false;
}

/** Makes `handler` the page's key handler while the component is mounted. */
export function usePageKeys(handler: Handler): void {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const mine: Handler = (key) => latest.current(key);
    current = mine;
    return () => {
      if (current === mine) current = null;
    };
  }, []);
}
