// What one log stream has delivered: lines in a ring, the find index over them, the pod set
// (`meta`), and how the stream is doing. Lines are taken in as they arrive but handed to the
// view in batches, at most every FLUSH_MS: React renders once per batch, never once per line.

import type { Clock } from '../lib/throttle';
import { browserClock } from '../lib/throttle';
import type { LogLine } from './lines';
import { RING_CAPACITY, Ring } from './ring';
import { SearchIndex } from './search';

export const FLUSH_MS = 50;

/** A pod of a workload's stream (`meta.pods`). */
export interface MetaPod {
  name: string;
  node?: string;
  container?: string;
}

/** A pod left out of the stream and why (`meta.omitted`: limit, forbidden, budget, no-container, filtered). */
export interface OmittedPod {
  name: string;
  reason: string;
}

export interface Meta {
  pods: MetaPod[];
  omitted: OmittedPod[];
}

export type Phase = 'connecting' | 'streaming' | 'reconnecting' | 'done' | 'failed';

export interface StreamState {
  phase: Phase;
  /** Why it failed (the envelope's message, or the stream's `event: error`). */
  error: unknown;
  meta: Meta | null;
  /** Lines the server dropped because this browser read too slowly (`event: dropped`). */
  dropped: number;
  /** Times the stream was reopened after the connection broke. */
  reconnects: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `meta` frame read defensively (entries without a name are left out). */
export function toMeta(value: unknown): Meta {
  const v = isRecord(value) ? value : {};
  const list = (x: unknown) => (Array.isArray(x) ? x.filter(isRecord).filter((e) => typeof e.name === 'string') : []);
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  return {
    pods: list(v.pods).map((p) => ({ name: String(p.name), node: str(p.node), container: str(p.container) })),
    omitted: list(v.omitted).map((p) => ({ name: String(p.name), reason: str(p.reason) ?? '' })),
  };
}

const INITIAL: StreamState = { phase: 'connecting', error: null, meta: null, dropped: 0, reconnects: 0 };

export class LogStore {
  ring: Ring<LogLine>;
  search = new SearchIndex();
  private state: StreamState = INITIAL;
  private pending: LogLine[] = [];
  private timer: unknown;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly clock: Clock;

  constructor(capacity: number = RING_CAPACITY, clock: Clock = browserClock) {
    this.ring = new Ring<LogLine>(capacity);
    this.clock = clock;
  }

  /** Forgets everything (the stream is opened again from the start); the find stays. */
  reset(): void {
    this.stopTimer();
    this.pending = [];
    this.ring = new Ring<LogLine>(this.ring.capacity);
    const find = this.search.query;
    this.search = new SearchIndex();
    this.search.setQuery(find, this.ring);
    this.state = INITIAL;
    this.changed();
  }

  /** Changes whenever what the view shows changes (for useSyncExternalStore). */
  getVersion = (): number => this.version;

  getState(): StreamState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Takes lines in; the view sees them with the next batch. */
  add(lines: LogLine[]): void {
    if (lines.length === 0) return;
    for (const line of lines) this.pending.push(line);
    if (this.timer === undefined) this.timer = this.clock.setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Hands pending lines to the view now. */
  flush(): void {
    this.stopTimer();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.ring.push(batch);
    this.search.update(this.ring);
    this.changed();
  }

  /** Finds `query` in the loaded lines (empty: no find). */
  setFind(query: string): void {
    if (query === this.search.query) return;
    this.search.setQuery(query, this.ring);
    this.changed();
  }

  update(patch: Partial<StreamState>): void {
    // Lines that arrived before an ending are shown before it.
    if (patch.phase === 'done' || patch.phase === 'failed') this.flush();
    this.state = { ...this.state, ...patch };
    this.changed();
  }

  addDropped(count: number): void {
    if (count > 0) this.update({ dropped: this.state.dropped + count });
  }

  /** Hands over what is pending and stops the batch timer (the stream was closed). */
  stop(): void {
    this.flush();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private changed(): void {
    this.version += 1;
    this.listeners.forEach((l) => l());
  }
}
