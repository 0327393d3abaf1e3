// Live updates: ONE multiplexed EventSource per tab (`GET /api/streams`, docs/watch.md), with a
// subscription per visible list. Events are routed by their `sub` to the list's listeners in
// short batches; the list applies them to its query cache (api/liveList.ts, lib/liveRows.ts).
// The audit page's live tail rides the same stream: a subscription with the audit filters
// (`{"audit": {…}}`) whose `audit` events carry newly committed rows (docs/audit.md).
//
// Health: `live` while the stream is open, `reconnecting` while it is being (re)opened with
// backoff, `polling` when it could not be opened (three failures in a row, or no EventSource):
// lists whose subscription is not live keep polling every POLL_INTERVAL_MS.

import { useSyncExternalStore } from 'react';

import { ApiError, signInAgain } from './api/client';
import { type AuditSubscribeBody, api } from './api/endpoints';
import type { Row, SubscribeBody } from './api/types.gen';
import type { AuditItem } from './audit/types';

export type StreamHealth = 'live' | 'reconnecting' | 'polling';

export const POLL_INTERVAL_MS = 5000;
/** Events are handed to listeners in batches, at most this often. */
export const BATCH_MS = 50;
/** A subscription nobody uses any more is dropped after this (StrictMode remounts, page flips). */
export const RELEASE_MS = 1000;
/** Failed opens in a row before the badge says `polling`. */
export const FAILURES_BEFORE_POLLING = 3;
const MAX_BACKOFF_MS = 30_000;

export interface ListTarget {
  cluster: string;
  /** `core` (or `''`) for the core group. */
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  labelSelector?: string;
}

export type LiveEvent =
  | { type: 'snapshot'; resourceVersion: string; items: Row[] }
  | { type: 'added' | 'modified' | 'deleted'; resourceVersion: string; object: Row }
  | { type: 'relist' };

export interface LiveListener<E = LiveEvent> {
  onEvents(events: E[]): void;
  /** Whether this list is kept fresh by the stream (else: poll). */
  onLive(live: boolean): void;
  /** The server refused the subscription (403, 400, 429): it stays off until the stream reconnects. */
  onRefused?(error: unknown): void;
}

/** The audit filters a live tail subscribes with (strings, as `GET /api/audit` takes them). */
export type AuditFilter = Record<string, string>;

/**
 * What the live tail hears: rows that match, newest first; or `gap` when rows were missed
 * (more than one event carries, or the stream was down): read the first page again.
 */
export type AuditLiveEvent = { type: 'rows'; items: AuditItem[] } | { type: 'gap' };

/** A list, or the audit trail. */
type Target = { list: ListTarget } | { audit: AuditFilter };

/** What the stream needs of EventSource (a fake in tests). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string> | Event) => void): void;
  close(): void;
}

export interface LiveDeps {
  open(url: string): EventSourceLike;
  subscribe: typeof api.subscribe;
  unsubscribe: typeof api.unsubscribe;
  /** The session ended (`auth_expired`): sign in again. */
  signIn(): void;
  /** The stream could not be opened: ask whether we are still signed in (a 401 signs in). */
  probeSession(): Promise<unknown>;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Sub {
  key: string;
  target: Target;
  listeners: Set<LiveListener<LiveEvent> | LiveListener<AuditLiveEvent>>;
  /** The server's subscriptionId on the current stream. */
  id?: string;
  /** The stream a subscribe request is in flight on. */
  attaching?: string;
  /** The last resourceVersion seen, to resume without a snapshot. */
  lastEventId?: string;
  live: boolean;
  /** Whether it was ever subscribed (an audit tail re-subscribed has missed rows). */
  attached?: boolean;
  /** Why the server refused it on the current stream (told to listeners that join later). */
  refused?: unknown;
  queue: (LiveEvent | AuditLiveEvent)[];
  flush?: unknown;
  release?: unknown;
}

const DELTAS = ['added', 'modified', 'deleted'] as const;

/** The key of an audit tail (filters in a stable order). */
export function auditKey(filter: AuditFilter): string {
  return JSON.stringify(['audit', ...Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The filters an `auditKey` names. */
export function fromAuditKey(key: string): AuditFilter {
  const [, ...entries] = JSON.parse(key) as [string, ...[string, string][]];
  return Object.fromEntries(entries);
}

export function targetKey(t: ListTarget): string {
  const group = t.group === '' ? 'core' : t.group;
  return JSON.stringify([t.cluster, group, t.version, t.resource, t.namespace ?? '', t.labelSelector ?? '']);
}

/** The target a `targetKey` names. */
export function fromTargetKey(key: string): ListTarget {
  const [cluster = '', group = '', version = '', resource = '', namespace = '', labelSelector = ''] = JSON.parse(key) as string[];
  return { cluster, group, version, resource, namespace: namespace || undefined, labelSelector: labelSelector || undefined };
}

function parse(event: MessageEvent<string> | Event): Record<string, unknown> | null {
  if (!('data' in event) || typeof event.data !== 'string' || event.data === '') return null;
  try {
    const value: unknown = JSON.parse(event.data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class LiveStreams {
  private readonly deps: LiveDeps;
  private readonly subs = new Map<string, Sub>();
  private readonly byId = new Map<string, Sub>();
  /** Events for a subscription whose POST has not answered yet (the snapshot comes first). */
  private readonly early = new Map<string, { name: string; event: MessageEvent<string> | Event }[]>();
  /** Subscriptions we ended: their last events are dropped, not held. */
  private readonly ended = new Set<string>();
  private source: EventSourceLike | null = null;
  private streamId: string | null = null;
  private failures = 0;
  private attempt = 0;
  private retry: unknown = null;
  private stopped = false;
  private healthNow: StreamHealth = 'polling';
  private readonly healthListeners = new Set<() => void>();

  constructor(deps: LiveDeps) {
    this.deps = deps;
  }

  health(): StreamHealth {
    return this.healthNow;
  }

  onHealth(listener: () => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Keeps `target` live for `listener` until the returned function is called. */
  subscribe(target: ListTarget, listener: LiveListener): () => void {
    return this.add(targetKey(target), { list: target }, listener);
  }

  /** Tails the audit rows that match `filter` for `listener` until the returned function is called. */
  subscribeAudit(filter: AuditFilter, listener: LiveListener<AuditLiveEvent>): () => void {
    return this.add(auditKey(filter), { audit: filter }, listener);
  }

  private add(key: string, target: Target, listener: LiveListener<LiveEvent> | LiveListener<AuditLiveEvent>): () => void {
    let sub = this.subs.get(key);
    if (!sub) {
      sub = { key, target, listeners: new Set(), live: false, queue: [] };
      this.subs.set(key, sub);
      if (this.streamId) void this.attach(sub);
    }
    if (sub.release !== undefined) {
      this.deps.clearTimeout(sub.release);
      sub.release = undefined;
    }
    sub.listeners.add(listener);
    listener.onLive(sub.live);
    if (sub.refused !== undefined) listener.onRefused?.(sub.refused);
    if (!this.source && this.retry === null && !this.stopped) this.connect();
    const held = sub;
    return () => {
      held.listeners.delete(listener);
      if (held.listeners.size === 0 && held.release === undefined) {
        held.release = this.deps.setTimeout(() => this.release(held), RELEASE_MS);
      }
    };
  }

  /** Signed out: closes the stream for good (no reconnect); subscriptions stop being live. */
  stop(): void {
    this.stopped = true;
    if (this.retry !== null) this.deps.clearTimeout(this.retry);
    this.retry = null;
    this.close();
    this.setHealth('polling');
  }

  private release(sub: Sub): void {
    sub.release = undefined;
    if (sub.listeners.size > 0 || this.subs.get(sub.key) !== sub) return;
    this.subs.delete(sub.key);
    if (sub.flush !== undefined) this.deps.clearTimeout(sub.flush);
    if (sub.id) {
      this.byId.delete(sub.id);
      this.ended.add(sub.id);
      if (this.streamId) void this.unsubscribe(this.streamId, sub.id);
    }
  }

  private async unsubscribe(streamId: string, id: string): Promise<void> {
    try {
      await this.deps.unsubscribe(streamId, id);
    } catch {
      // Already gone with its stream: nothing to undo.
    }
  }

  private setHealth(next: StreamHealth): void {
    if (next === this.healthNow) return;
    this.healthNow = next;
    this.healthListeners.forEach((l) => l());
  }

  private setLive(sub: Sub, live: boolean): void {
    if (sub.live === live) return;
    sub.live = live;
    sub.listeners.forEach((l) => l.onLive(live));
  }

  private connect(): void {
    this.retry = null;
    if (this.stopped) return;
    let source: EventSourceLike;
    try {
      source = this.deps.open('/api/streams');
    } catch {
      this.failures = FAILURES_BEFORE_POLLING;
      this.setHealth('polling');
      return;
    }
    this.source = source;
    if (this.failures < FAILURES_BEFORE_POLLING) this.setHealth('reconnecting');
    source.addEventListener('stream', (e) => {
      const data = parse(e);
      if (this.source !== source || typeof data?.streamId !== 'string') return;
      this.streamId = data.streamId;
      this.failures = 0;
      this.attempt = 0;
      this.setHealth('live');
      this.subs.forEach((sub) => void this.attach(sub));
    });
    for (const name of ['snapshot', ...DELTAS, 'relist', 'backpressure', 'audit', 'audit_gap']) {
      source.addEventListener(name, (e) => this.source === source && this.route(name, e));
    }
    source.addEventListener('error', (e) => {
      if (this.source !== source) return;
      // `event: error` from the server ends one subscription; a bare error is the connection.
      if (parse(e)) this.route('error', e);
      else this.drop(false);
    });
    source.addEventListener('server_shutdown', () => this.source === source && this.drop(true));
    source.addEventListener('auth_expired', () => {
      if (this.source !== source) return;
      this.close();
      this.deps.signIn();
    });
  }

  /** Closes the current stream; every subscription stops being live. */
  private close(): void {
    this.source?.close();
    this.source = null;
    this.streamId = null;
    this.byId.clear();
    this.early.clear();
    this.ended.clear();
    this.subs.forEach((sub) => {
      sub.id = undefined;
      sub.refused = undefined;
      this.setLive(sub, false);
    });
  }

  /** The stream ended: reconnect with backoff (at once-ish after a clean server shutdown). */
  private drop(announced: boolean): void {
    const opened = this.streamId !== null;
    this.close();
    if (!opened && !announced) {
      this.failures += 1;
      if (this.failures >= FAILURES_BEFORE_POLLING) {
        this.setHealth('polling');
        // A 401 here sends the browser to sign in (api/client).
        void this.deps.probeSession().catch(() => undefined);
      } else this.setHealth('reconnecting');
    } else this.setHealth('reconnecting');
    if (this.subs.size === 0) return;
    const delay = announced ? 500 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.retry = this.deps.setTimeout(() => this.connect(), delay);
  }

  private async attach(sub: Sub): Promise<void> {
    const streamId = this.streamId;
    if (!streamId || sub.id || sub.attaching === streamId) return;
    sub.attaching = streamId;
    let id: string;
    try {
      const answer = await this.deps.subscribe(streamId, subscribeBody(sub));
      id = answer.subscriptionId;
    } catch (error) {
      sub.attaching = undefined;
      // The stream is gone under us: the connection's own error reconnects. Otherwise (403,
      // 400, 429) this list polls; its own fetch shows the envelope.
      if (error instanceof ApiError && error.status === 404 && error.code === 'E_NOT_FOUND' && this.streamId === streamId) this.drop(false);
      else {
        sub.refused = error;
        sub.listeners.forEach((l) => l.onRefused?.(error));
      }
      return;
    }
    sub.attaching = undefined;
    sub.refused = undefined;
    if (this.streamId !== streamId) return;
    if (this.subs.get(sub.key) !== sub || sub.id) {
      this.ended.add(id);
      void this.unsubscribe(streamId, id);
      return;
    }
    sub.id = id;
    this.byId.set(id, sub);
    this.setLive(sub, true);
    // An audit tail has no resume point: whatever was committed while it was away is read again.
    if ('audit' in sub.target && sub.attached) this.enqueue(sub, { type: 'gap' });
    sub.attached = true;
    const early = this.early.get(id) ?? [];
    this.early.delete(id);
    early.forEach(({ name, event }) => this.route(name, event));
  }

  private route(name: string, event: MessageEvent<string> | Event): void {
    const data = parse(event);
    const id = typeof data?.sub === 'string' ? data.sub : null;
    if (!data || !id || this.ended.has(id)) return;
    const sub = this.byId.get(id);
    if (!sub) {
      const held = this.early.get(id) ?? [];
      held.push({ name, event });
      this.early.set(id, held);
      return;
    }
    if (name === 'backpressure' || name === 'error') {
      // That subscription ended: resume it from where it was (an error polls until the stream
      // reconnects, since retrying a refusal at once would only be refused again).
      this.byId.delete(id);
      this.ended.add(id);
      sub.id = undefined;
      this.setLive(sub, false);
      if (name === 'backpressure') void this.attach(sub);
      return;
    }
    const lastEventId = 'lastEventId' in event && typeof event.lastEventId === 'string' ? event.lastEventId : '';
    if (name === 'audit') {
      const items = Array.isArray(data.items) ? (data.items as AuditItem[]) : [];
      if (items.length > 0) this.enqueue(sub, { type: 'rows', items });
    } else if (name === 'audit_gap') {
      this.enqueue(sub, { type: 'gap' });
    } else if (name === 'snapshot') {
      const resourceVersion = String(data.resourceVersion ?? '');
      const items = Array.isArray(data.items) ? (data.items as Row[]) : [];
      sub.lastEventId = resourceVersion || undefined;
      this.enqueue(sub, { type: 'snapshot', resourceVersion, items });
    } else if (name === 'relist') {
      sub.lastEventId = undefined;
      this.enqueue(sub, { type: 'relist' });
    } else if (data.object && typeof data.object === 'object') {
      if (lastEventId) sub.lastEventId = lastEventId;
      this.enqueue(sub, { type: name as (typeof DELTAS)[number], resourceVersion: lastEventId, object: data.object as Row });
    }
  }

  private enqueue(sub: Sub, event: LiveEvent | AuditLiveEvent): void {
    sub.queue.push(event);
    if (sub.flush !== undefined) return;
    sub.flush = this.deps.setTimeout(() => {
      sub.flush = undefined;
      const batch = sub.queue;
      sub.queue = [];
      // A subscription's events are all of its target's type.
      sub.listeners.forEach((l) => (l.onEvents as (events: (LiveEvent | AuditLiveEvent)[]) => void)(batch));
    }, BATCH_MS);
  }
}

/** The subscribe request of `sub`: a list (resuming where it was), or the audit filters. */
function subscribeBody(sub: Sub): SubscribeBody | AuditSubscribeBody {
  if ('audit' in sub.target) return { audit: sub.target.audit };
  const t = sub.target.list;
  return {
    cluster: t.cluster,
    group: t.group === '' ? 'core' : t.group,
    version: t.version,
    resource: t.resource,
    ...(t.namespace ? { namespace: t.namespace } : {}),
    ...(t.labelSelector ? { labelSelector: t.labelSelector } : {}),
    ...(sub.lastEventId ? { lastEventId: sub.lastEventId } : {}),
  };
}

function browserDeps(): LiveDeps {
  return {
    open: (url) => {
      if (typeof EventSource === 'undefined') throw new Error('no EventSource');
      return new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike;
    },
    subscribe: api.subscribe,
    unsubscribe: api.unsubscribe,
    signIn: signInAgain,
    probeSession: () => api.whoami(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
  };
}

let shared: LiveStreams | null = null;

/** The tab's one stream, opened on the first subscription. */
export function liveStreams(): LiveStreams {
  shared ??= new LiveStreams(browserDeps());
  return shared;
}

export function useStreamHealth(): StreamHealth {
  const streams = liveStreams();
  return useSyncExternalStore(
    (listener) => streams.onHealth(listener),
    () => streams.health(),
    () => streams.health(),
  );
}

/** How often a view that the stream does not keep fresh polls. */
export function refetchInterval(): number {
  return POLL_INTERVAL_MS;
}
