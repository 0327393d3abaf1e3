// When a terminal reconnects (the Go original's rules): a dropped connection is retried after
// 0, 1, 3 and 8 seconds, four attempts, and every attempt is a new shell (the old process is
// gone with its connection). A session the server ended on purpose is not retried.

/** Delays before attempts 1..4. */
export const RECONNECT_DELAYS_MS = [0, 1000, 3000, 8000] as const;

/** The drawer holds at most this many terminals. */
export const MAX_TABS = 5;

/** A tab hidden this long closes its terminals (they hold a server slot and a shell). */
export const HIDDEN_CLOSE_MS = 5 * 60_000;

/** Terminals closed because the tab was hidden restart by themselves if the user is back within this. */
export const AUTO_RESTART_WINDOW_MS = 60_000;

/** The delay before attempt `attempt` (1-based), or `null` once the attempts are used up. */
export function reconnectDelay(attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) return null;
  return RECONNECT_DELAYS_MS[attempt - 1] ?? null;
}

/** How a connection ended, as far as reconnecting cares. */
export type Ending =
  /** The socket dropped without the server saying why. */
  | { kind: 'dropped' }
  /** The server's `closed` frame. */
  | { kind: 'closed'; reason: string }
  /** The server's `error` frame. */
  | { kind: 'error'; code: string; retryable: boolean }
  /** The user closed the terminal. */
  | { kind: 'user' };

/** Close reasons that say the connection, not the shell, went away. */
const TRANSIENT_REASONS = new Set(['heartbeat_timeout', 'stream_canceled', 'server_shutdown']);

/** Whether an ending (of a session that had opened) is worth a new shell. */
export function reconnects(ending: Ending): boolean {
  switch (ending.kind) {
    case 'dropped':
      return true;
    case 'closed':
      return TRANSIENT_REASONS.has(ending.reason);
    case 'error':
      return ending.retryable;
    case 'user':
      return false;
  }
}

/** Whether terminals closed (because the tab was hidden) at `closedAt` restart when the user is back at `now`. */
export function autoRestarts(closedAt: number, now: number): boolean {
  return now >= closedAt && now - closedAt <= AUTO_RESTART_WINDOW_MS;
}
