// The seam for live updates. Today every view polls; the multiplexed event stream (issue 6)
// plugs in here: open the stream, apply deltas to the query cache, report its health, and
// return `false` from `refetchInterval` while the stream is live.

import { useSyncExternalStore } from 'react';

export type StreamHealth = 'live' | 'reconnecting' | 'polling';

export const POLL_INTERVAL_MS = 5000;

let health: StreamHealth = 'polling';
const listeners = new Set<() => void>();

export function setStreamHealth(next: StreamHealth): void {
  if (next === health) return;
  health = next;
  listeners.forEach((l) => l());
}

export function streamHealth(): StreamHealth {
  return health;
}

export function useStreamHealth(): StreamHealth {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    streamHealth,
    streamHealth,
  );
}

/** How often a view polls: every few seconds until a live stream keeps the cache fresh. */
export function refetchInterval(): number | false {
  return health === 'live' ? false : POLL_INTERVAL_MS;
}
