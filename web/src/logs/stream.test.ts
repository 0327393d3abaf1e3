import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { fakeClock } from '../testClock';
import { LogStore } from './store';
import { BACKOFF_MS, resumeQuery, runLogStream, SeenLines, timeKey } from './stream';
import { DEFAULT_VIEW } from './viewState';

/** A response body the test writes to. */
function body() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    send: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    close: () => controller.close(),
  };
}

/** Lets the stream's promises run. */
const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setTimeout(r, 0));
};

const line = (t: string, l: string, p?: string) => `data: ${JSON.stringify({ t, l, ...(p ? { p } : {}) })}\n\n`;

function harness() {
  const { clock, advance } = fakeClock();
  const store = new LogStore(100, clock);
  const queries: string[] = [];
  const bodies: ReturnType<typeof body>[] = [];
  let refuse: unknown = null;
  const open = async (query: string) => {
    queries.push(query);
    if (refuse) throw refuse;
    const b = body();
    bodies.push(b);
    return b.stream;
  };
  const texts = () => Array.from({ length: store.ring.size }, (_, i) => store.ring.at(i)?.text);
  return { store, clock, advance, queries, bodies, open, texts, refuseWith: (e: unknown) => void (refuse = e) };
}

describe('runLogStream', () => {
  it('hands lines to the view in batches, not one by one', async () => {
    const h = harness();
    let renders = 0;
    h.store.subscribe(() => (renders += 1));
    const stop = runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open });
    await settle();
    expect(h.queries).toEqual(['?tailLines=1000']);
    expect(h.store.getState().phase).toBe('streaming');
    const before = renders;
    for (let i = 0; i < 30; i += 1) h.bodies[0]?.send(line(`2026-01-02T00:00:${String(i).padStart(2, '0')}Z`, `line ${i}`));
    await settle();
    expect(h.store.ring.size).toBe(0);
    h.advance(50);
    expect(h.store.ring.size).toBe(30);
    expect(renders - before).toBe(1);
    stop();
  });

  it('reads meta, dropped and done', async () => {
    const h = harness();
    runLogStream(h.store, { ...DEFAULT_VIEW, follow: false }, { ...h.clock, open: h.open });
    await settle();
    expect(h.queries).toEqual(['?follow=false&tailLines=1000']);
    const b = h.bodies[0];
    b?.send('event: meta\ndata: {"pods":[{"name":"web-a","node":"n1","container":"app"},{"bad":1}],"omitted":[{"name":"web-c","reason":"limit"}]}\n\n');
    b?.send(line('2026-01-02T00:00:01Z', 'a', 'web-a'));
    b?.send('event: dropped\ndata: {"count":7}\n\nevent: dropped\ndata: {"count":3}\n\n');
    b?.send('event: done\ndata: {}\n\n');
    await settle();
    const state = h.store.getState();
    expect(state.phase).toBe('done');
    expect(state.meta).toEqual({ pods: [{ name: 'web-a', node: 'n1', container: 'app' }], omitted: [{ name: 'web-c', reason: 'limit' }] });
    expect(state.dropped).toBe(10);
    // Lines before the end are shown at once.
    expect(h.texts()).toEqual(['a']);
    expect(h.store.ring.at(0)?.pod).toBe('web-a');
  });

  it('stops with the envelope when the server refuses', async () => {
    const h = harness();
    const refusal = new ApiError(400, 'E_BAD_REQUEST', 'container "nope" is not one of: app, sidecar', { containers: ['app', 'sidecar'] });
    h.refuseWith(refusal);
    runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open });
    await settle();
    expect(h.store.getState()).toMatchObject({ phase: 'failed', error: refusal });
    h.advance(60_000);
    await settle();
    expect(h.queries.length).toBe(1);
  });

  it('stops with the message of an error event', async () => {
    const h = harness();
    runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open });
    await settle();
    h.bodies[0]?.send('event: error\ndata: {"message":"the apiserver went away"}\n\n');
    await settle();
    const state = h.store.getState();
    expect(state.phase).toBe('failed');
    expect((state.error as Error).message).toBe('the apiserver went away');
  });

  it('reopens a followed stream that broke, from its last line, without repeating lines', async () => {
    const h = harness();
    runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open });
    await settle();
    h.bodies[0]?.send(line('2026-01-02T00:00:01.5Z', 'a') + line('2026-01-02T00:00:02.25Z', 'b'));
    await settle();
    h.bodies[0]?.close();
    await settle();
    expect(h.store.getState()).toMatchObject({ phase: 'reconnecting', reconnects: 1 });
    h.advance(BACKOFF_MS[0] ?? 0);
    await settle();
    expect(h.queries[1]).toBe(resumeQuery(DEFAULT_VIEW, '2026-01-02T00:00:02.25Z'));
    expect(h.queries[1]).toContain('sinceTime=2026-01-02T00%3A00%3A02Z');
    // The reopened stream sends the last line again, then new ones.
    h.bodies[1]?.send(line('2026-01-02T00:00:02.25Z', 'b') + line('2026-01-02T00:00:03Z', 'c'));
    await settle();
    h.advance(50);
    expect(h.texts()).toEqual(['a', 'b', 'c']);
    expect(h.store.getState().phase).toBe('streaming');
  });

  it('signs in again when the session ended, and reopens after a server shutdown', async () => {
    const h = harness();
    let signIns = 0;
    runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open, signIn: () => (signIns += 1) });
    await settle();
    h.bodies[0]?.send('event: server_shutdown\ndata: {}\n\n');
    await settle();
    expect(h.store.getState().phase).toBe('reconnecting');
    h.advance(BACKOFF_MS[0] ?? 0);
    await settle();
    h.bodies[1]?.send('event: auth_expired\ndata: {}\n\n');
    await settle();
    expect(h.store.getState().phase).toBe('failed');
    expect(signIns).toBe(1);
    expect(h.queries.length).toBe(2);
  });

  it('says a static stream was cut instead of reopening it', async () => {
    const h = harness();
    runLogStream(h.store, { ...DEFAULT_VIEW, follow: false }, { ...h.clock, open: h.open });
    await settle();
    h.bodies[0]?.close();
    await settle();
    expect(h.store.getState().phase).toBe('failed');
    expect(h.queries.length).toBe(1);
  });

  it('stops reading when stopped', async () => {
    const h = harness();
    const stop = runLogStream(h.store, DEFAULT_VIEW, { ...h.clock, open: h.open });
    await settle();
    stop();
    h.bodies[0]?.send(line('2026-01-02T00:00:01Z', 'late'));
    await settle();
    h.advance(1000);
    expect(h.store.ring.size).toBe(0);
  });
});

describe('SeenLines', () => {
  it('skips, on a reopened stream, what each pod already showed', () => {
    const seen = new SeenLines();
    expect(seen.admit({ t: '2026-01-02T00:00:05Z', l: 'x', p: 'a' }, false)).toBe(true);
    expect(seen.admit({ t: '2026-01-02T00:00:03Z', l: 'y', p: 'b' }, false)).toBe(true);
    expect(seen.resumeFrom()).toBe('2026-01-02T00:00:03Z');
    // Replayed: older than what pod a showed, and pod b's very line.
    expect(seen.admit({ t: '2026-01-02T00:00:04Z', l: 'old', p: 'a' }, true)).toBe(false);
    expect(seen.admit({ t: '2026-01-02T00:00:03Z', l: 'y', p: 'b' }, true)).toBe(false);
    // New: another line at the same time, and later lines.
    expect(seen.admit({ t: '2026-01-02T00:00:03Z', l: 'y2', p: 'b' }, true)).toBe(true);
    expect(seen.admit({ t: '2026-01-02T00:00:04Z', l: 'z', p: 'b' }, true)).toBe(true);
  });

  it('shows every line of a first stream, in whatever order it comes', () => {
    const seen = new SeenLines();
    expect(seen.admit({ t: '2026-01-02T00:00:05Z', l: 'x' }, false)).toBe(true);
    expect(seen.admit({ t: '2026-01-02T00:00:04Z', l: 'x' }, false)).toBe(true);
    expect(seen.admit({ t: '2026-01-02T00:00:05Z', l: 'x' }, false)).toBe(true);
  });

  it('orders times by their value, whatever the fraction digits', () => {
    expect(timeKey('2026-01-02T00:00:05.1Z') > timeKey('2026-01-02T00:00:05.12Z')).toBe(false);
    expect(timeKey('2026-01-02T00:00:05Z') < timeKey('2026-01-02T00:00:05.000000001Z')).toBe(true);
  });
});
