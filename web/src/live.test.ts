import { describe, expect, it } from 'vitest';

import { ApiError } from './api/client';
import type { SubscribeBody } from './api/types.gen';
import { type AuditLiveEvent, auditKey, BATCH_MS, fromAuditKey, type EventSourceLike, type LiveDeps, type LiveEvent, LiveStreams, RELEASE_MS } from './live';

class FakeSource implements EventSourceLike {
  readonly listeners = new Map<string, ((e: MessageEvent<string> | Event) => void)[]>();
  closed = false;
  addEventListener(type: string, listener: (e: MessageEvent<string> | Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data?: unknown, lastEventId = '') {
    const event = data === undefined ? new Event(type) : new MessageEvent(type, { data: JSON.stringify(data), lastEventId });
    this.listeners.get(type)?.forEach((l) => l(event));
  }
}

function harness(options: { subscribe?: (body: Record<string, unknown>) => Promise<unknown> } = {}) {
  const sources: FakeSource[] = [];
  const requests: { method: string; path: string; body?: unknown }[] = [];
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let now = 0;
  let nextId = 1;
  const signIns: number[] = [];
  const deps: LiveDeps = {
    open: () => {
      const source = new FakeSource();
      sources.push(source);
      return source;
    },
    subscribe: (async (streamId: string, body: SubscribeBody) => {
      requests.push({ method: 'POST', path: `/api/streams/${streamId}/subscriptions`, body });
      if (options.subscribe) return options.subscribe(body as Record<string, unknown>);
      return { subscriptionId: `s${requests.filter((r) => r.method === 'POST').length}` };
    }) as LiveDeps['subscribe'],
    unsubscribe: async (streamId: string, id: string) => {
      requests.push({ method: 'DELETE', path: `/api/streams/${streamId}/subscriptions/${id}` });
    },
    signIn: () => signIns.push(now),
    probeSession: async () => undefined,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = async (ms: number) => {
    now += ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      due.fn();
      await flush();
    }
  };
  return { streams: new LiveStreams(deps), sources, requests, advance, signIns };
}

const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

const target = { cluster: 'alpha', group: '', version: 'v1', resource: 'pods', namespace: 'team-a' };

function listener() {
  const batches: LiveEvent[][] = [];
  const live: boolean[] = [];
  return { batches, live, onEvents: (e: LiveEvent[]) => batches.push(e), onLive: (l: boolean) => live.push(l) };
}

describe('LiveStreams', () => {
  it('opens one stream, subscribes each list and batches its events', async () => {
    const h = harness();
    const pods = listener();
    const other = listener();
    h.streams.subscribe(target, pods);
    h.streams.subscribe({ ...target, resource: 'services' }, other);
    expect(h.sources).toHaveLength(1);
    expect(h.streams.health()).toBe('reconnecting');
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    expect(h.streams.health()).toBe('live');
    expect(h.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/api/streams/st1/subscriptions'],
      ['POST', '/api/streams/st1/subscriptions'],
    ]);
    expect(h.requests[0]?.body).toEqual({ cluster: 'alpha', group: 'core', version: 'v1', resource: 'pods', namespace: 'team-a' });
    expect(pods.live).toEqual([false, true]);

    h.sources[0]?.emit('added', { sub: 's1', object: { name: 'web-1', namespace: 'team-a' } }, '41');
    h.sources[0]?.emit('modified', { sub: 's1', object: { name: 'web-1', namespace: 'team-a' } }, '42');
    h.sources[0]?.emit('added', { sub: 's2', object: { name: 'svc' } }, '43');
    expect(pods.batches).toEqual([]);
    await h.advance(BATCH_MS);
    expect(pods.batches.map((b) => b.map((e) => e.type))).toEqual([['added', 'modified']]);
    expect(other.batches).toHaveLength(1);
  });

  it('keeps events that arrive before the subscribe answer', async () => {
    let answer: (v: unknown) => void = () => {};
    const h = harness({ subscribe: () => new Promise((resolve) => (answer = resolve)) });
    const pods = listener();
    h.streams.subscribe(target, pods);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    h.sources[0]?.emit('snapshot', { sub: 'early', resourceVersion: '7', items: [{ name: 'a' }] }, '7');
    answer({ subscriptionId: 'early' });
    await flush();
    await h.advance(BATCH_MS);
    expect(pods.batches).toEqual([[{ type: 'snapshot', resourceVersion: '7', items: [{ name: 'a' }] }]]);
  });

  it('unsubscribes a list nobody shows any more, after a short grace', async () => {
    const h = harness();
    const off = h.streams.subscribe(target, listener());
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    off();
    // A remount within the grace keeps the subscription.
    const again = h.streams.subscribe(target, listener());
    await h.advance(RELEASE_MS);
    expect(h.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    again();
    await h.advance(RELEASE_MS);
    expect(h.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/streams/st1/subscriptions/s1']);
  });

  it('reconnects with backoff after a drop and resumes from the last id', async () => {
    const h = harness();
    const pods = listener();
    h.streams.subscribe(target, pods);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    h.sources[0]?.emit('added', { sub: 's1', object: { name: 'a', namespace: 'team-a' } }, '55');
    h.sources[0]?.emit('server_shutdown', {});
    expect(h.sources[0]?.closed).toBe(true);
    expect(h.streams.health()).toBe('reconnecting');
    expect(pods.live.at(-1)).toBe(false);
    await h.advance(500);
    expect(h.sources).toHaveLength(2);
    h.sources[1]?.emit('stream', { streamId: 'st2' });
    await flush();
    const resume = h.requests.filter((r) => r.method === 'POST').at(-1);
    expect(resume?.path).toBe('/api/streams/st2/subscriptions');
    expect(resume?.body).toMatchObject({ lastEventId: '55' });
    expect(pods.live.at(-1)).toBe(true);
  });

  it('falls back to polling when the stream cannot be opened', async () => {
    const h = harness();
    h.streams.subscribe(target, listener());
    h.sources[0]?.emit('error');
    expect(h.streams.health()).toBe('reconnecting');
    await h.advance(1000);
    h.sources[1]?.emit('error');
    await h.advance(2000);
    h.sources[2]?.emit('error');
    expect(h.streams.health()).toBe('polling');
    // It keeps trying; once open it is live again.
    await h.advance(4000);
    h.sources[3]?.emit('stream', { streamId: 'st9' });
    expect(h.streams.health()).toBe('live');
  });

  it('signs in again on auth_expired', () => {
    const h = harness();
    h.streams.subscribe(target, listener());
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    h.sources[0]?.emit('auth_expired', {});
    expect(h.signIns).toHaveLength(1);
    expect(h.sources[0]?.closed).toBe(true);
  });

  it('stops a refused subscription (its list polls) and resubscribes after backpressure', async () => {
    const h = harness();
    const pods = listener();
    h.streams.subscribe(target, pods);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    h.sources[0]?.emit('added', { sub: 's1', object: { name: 'a', namespace: 'team-a' } }, '60');
    h.sources[0]?.emit('backpressure', { sub: 's1' });
    await flush();
    expect(h.requests.filter((r) => r.method === 'POST').at(-1)?.body).toMatchObject({ lastEventId: '60' });
    h.sources[0]?.emit('error', { sub: 's2', code: 'E_FORBIDDEN', message: 'no' });
    await flush();
    expect(pods.live.at(-1)).toBe(false);
    expect(h.streams.health()).toBe('live');
  });

  it('leaves a list polling when its subscription is refused', async () => {
    const h = harness({ subscribe: () => Promise.reject(new ApiError(403, 'E_FORBIDDEN', 'pods is forbidden')) });
    const pods = listener();
    const refusals: unknown[] = [];
    h.streams.subscribe(target, { ...pods, onRefused: (e) => refusals.push(e) });
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    expect(pods.live).toEqual([false]);
    expect(refusals).toHaveLength(1);
    expect((refusals[0] as ApiError).code).toBe('E_FORBIDDEN');
    // A page that comes back to it is told too.
    const later: unknown[] = [];
    h.streams.subscribe(target, { ...listener(), onRefused: (e) => later.push(e) });
    expect(later).toEqual(refusals);
    expect(h.sources[0]?.closed).toBe(false);
  });
});

describe('LiveStreams bookkeeping', () => {
  it('sends one subscribe per list even when the stream reopens while it is in flight', async () => {
    let answers: ((v: unknown) => void)[] = [];
    const h = harness({ subscribe: () => new Promise((resolve) => answers.push(resolve)) });
    h.streams.subscribe(target, listener());
    h.streams.subscribe(target, listener());
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    expect(h.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    answers[0]?.({ subscriptionId: 'a' });
    answers = [];
    await flush();
  });

  it('drops late events of a subscription it ended', async () => {
    const h = harness();
    const pods = listener();
    const off = h.streams.subscribe(target, pods);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    off();
    await h.advance(RELEASE_MS);
    h.sources[0]?.emit('added', { sub: 's1', object: { name: 'late' } }, '99');
    const again = listener();
    h.streams.subscribe(target, again);
    await flush();
    h.sources[0]?.emit('snapshot', { sub: 's2', resourceVersion: '100', items: [] }, '100');
    await h.advance(BATCH_MS);
    expect(again.batches.flat().map((e) => e.type)).toEqual(['snapshot']);
    expect(pods.batches).toEqual([]);
  });
});

describe('LiveStreams after sign-out', () => {
  it('closes the stream for good and opens none for new lists', async () => {
    const h = harness();
    const pods = listener();
    h.streams.subscribe(target, pods);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    h.streams.stop();
    expect(h.sources[0]?.closed).toBe(true);
    expect(pods.live.at(-1)).toBe(false);
    expect(h.streams.health()).toBe('polling');
    h.streams.subscribe({ ...target, resource: 'services' }, listener());
    await h.advance(60_000);
    expect(h.sources).toHaveLength(1);
  });

  it('round-trips a target through its key', async () => {
    const { fromTargetKey, targetKey } = await import('./live');
    expect(fromTargetKey(targetKey(target))).toEqual({ ...target, group: 'core', labelSelector: undefined });
    expect(fromTargetKey(targetKey({ cluster: 'a', group: 'apps', version: 'v1', resource: 'deployments', labelSelector: 'app=web' }))).toEqual({
      cluster: 'a',
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespace: undefined,
      labelSelector: 'app=web',
    });
  });

  it('tails the audit trail on the same stream: rows in batches, a gap, and a gap after a reconnect', async () => {
    const h = harness();
    const batches: AuditLiveEvent[][] = [];
    const live: boolean[] = [];
    const off = h.streams.subscribeAudit({ verb: 'scale', namespace: 'team-a' }, { onEvents: (e) => batches.push(e), onLive: (l) => live.push(l) });
    h.streams.subscribe(target, listener());
    expect(h.sources).toHaveLength(1);
    h.sources[0]?.emit('stream', { streamId: 'st1' });
    await flush();
    expect(h.requests[0]?.body).toEqual({ audit: { verb: 'scale', namespace: 'team-a' } });
    expect(live.at(-1)).toBe(true);

    const row = (id: number) => ({ id, requestId: `r${id}`, timestamp: '2026-01-01T00:00:00Z' });
    h.sources[0]?.emit('audit', { sub: 's1', items: [row(2), row(1)] });
    h.sources[0]?.emit('audit', { sub: 's1', items: [row(3)] });
    h.sources[0]?.emit('audit_gap', { sub: 's1' });
    await h.advance(BATCH_MS);
    expect(batches).toEqual([[{ type: 'rows', items: [row(2), row(1)] }, { type: 'rows', items: [row(3)] }, { type: 'gap' }]]);

    // Down and up again: rows committed meanwhile were not sent, so the page reads them.
    h.sources[0]?.emit('server_shutdown', {});
    expect(live.at(-1)).toBe(false);
    await h.advance(500);
    h.sources[1]?.emit('stream', { streamId: 'st2' });
    await flush();
    await h.advance(BATCH_MS);
    expect(live.at(-1)).toBe(true);
    expect(batches.at(-1)).toEqual([{ type: 'gap' }]);

    off();
    await h.advance(RELEASE_MS);
    expect(h.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/streams/st2/subscriptions/s3' });
  });

  it('keys an audit tail by its filters, in any order', () => {
    expect(auditKey({ verb: 'scale', actor: 'kate' })).toBe(auditKey({ actor: 'kate', verb: 'scale' }));
    expect(fromAuditKey(auditKey({ verb: 'scale', actor: 'kate' }))).toEqual({ actor: 'kate', verb: 'scale' });
    expect(auditKey({ verb: 'scale' })).not.toBe(auditKey({ verb: 'delete' }));
  });
});
