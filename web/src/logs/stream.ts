// Reads one log stream into a LogStore: frames in the wire format of docs/api.md (unnamed line
// frames; `meta`, `dropped`, `done`, `error` events). A refusal before the stream (the envelope)
// ends it with that error. A followed stream whose connection breaks is reopened with backoff
// from the last line's time; lines it already has (per pod) are not shown twice.

import { ApiError, signInAgain } from '../api/client';
import type { Clock } from '../lib/throttle';
import { browserClock } from '../lib/throttle';
import { type LineFrame, type LogLine, toFrame, toLine } from './lines';
import { SseParser } from './sse';
import { type LogStore, toMeta } from './store';
import { type LogView, MAX_TAIL, streamQuery } from './viewState';

/** Waits before reopening a broken stream, by attempt (the last one repeats). */
export const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];

/** Frames handled between two yields to the browser (a big read must not hold a frame). */
export const FRAMES_PER_SLICE = 1000;

export interface StreamDeps extends Clock {
  /** Opens `GET {obj}/logs{query}`; rejects with the envelope's ApiError when refused. */
  open(query: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** Lets the browser paint and handle input (default: a zero timeout). */
  yieldNow?: () => Promise<void>;
  /** The session ended (`event: auth_expired`): sign in again (default: the app's 401 step). */
  signIn?: () => void;
}

const zeroTimeout = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** An RFC3339 time as a string that sorts like the time (fractions padded to nanoseconds). */
export function timeKey(t: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(.*)$/.exec(t);
  if (!m) return t;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

/**
 * The lines already shown, per pod: the newest time and the texts seen at that time. A stream
 * reopened from that time sends them again; they are skipped, later lines are not.
 */
export class SeenLines {
  private readonly last = new Map<string, { key: string; t: string; texts: Set<string> }>();

  /**
   * Records `line`. On a reopened stream (`resumed`), false when it was already seen (or is
   * older than what was); a first stream shows every line as it comes.
   */
  admit(line: LineFrame, resumed: boolean): boolean {
    const pod = line.p ?? '';
    const key = timeKey(line.t);
    const seen = this.last.get(pod);
    if (seen && key < seen.key) return !resumed;
    if (seen && key === seen.key) {
      const text = `${line.c ?? ''}\0${line.l}`;
      if (seen.texts.has(text)) return !resumed;
      seen.texts.add(text);
      return true;
    }
    this.last.set(pod, { key, t: line.t, texts: new Set([`${line.c ?? ''}\0${line.l}`]) });
    return true;
  }

  /** Where a reopened stream starts: the oldest of the pods' newest lines (none seen: undefined). */
  resumeFrom(): string | undefined {
    let oldest: { key: string; t: string } | undefined;
    for (const seen of this.last.values()) if (!oldest || seen.key < oldest.key) oldest = seen;
    return oldest?.t;
  }
}

/** The query that reopens `view`'s stream from `t` (whole seconds: the apiserver's sinceTime is). */
export function resumeQuery(view: LogView, t: string): string {
  const at = Date.parse(t);
  const from = Number.isNaN(at) ? t : new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return streamQuery({ ...view, since: '', sinceTime: from, tail: MAX_TAIL });
}

type Ending = { kind: 'done' } | { kind: 'error'; message: string } | { kind: 'cut' } | { kind: 'signed-out' };

/** Starts reading `view`'s stream into `store`; returns the function that stops it. */
export function runLogStream(store: LogStore, view: LogView, deps: StreamDeps = { ...browserClock, open: () => Promise.reject(new Error('no stream')) }): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let timer: unknown;
  const seen = new SeenLines();
  const follows = view.follow && !view.previous;

  /** Reads one connection to its end; `delivered` says whether any frame came. */
  async function connect(query: string, resumed: boolean): Promise<{ ending: Ending; delivered: boolean }> {
    const mine = new AbortController();
    controller = mine;
    const body = await deps.open(query, mine.signal);
    store.update({ phase: 'streaming', error: null });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let delivered = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || stopped) return { ending: { kind: 'cut' }, delivered };
        let lines: LogLine[] = [];
        let handled = 0;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          delivered = true;
          // The browser hands over whatever arrived while it was busy, history can be megabytes.
          if (++handled % FRAMES_PER_SLICE === 0) {
            store.add(lines);
            lines = [];
            await (deps.yieldNow ?? zeroTimeout)();
            if (stopped) return { ending: { kind: 'cut' }, delivered };
          }
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            continue; // not ours to read
          }
          if (event.event === 'message') {
            const frame = toFrame(data);
            if (frame && seen.admit(frame, resumed)) lines.push(toLine(frame));
          } else if (event.event === 'meta') store.update({ meta: toMeta(data) });
          else if (event.event === 'dropped') store.addDropped(Number((data as { count?: unknown }).count) || 0);
          else if (event.event === 'server_shutdown' || event.event === 'auth_expired') {
            store.add(lines);
            // The server is going away (another one will answer: reopen), or the session ended.
            return { ending: event.event === 'auth_expired' ? { kind: 'signed-out' } : { kind: 'cut' }, delivered };
          } else if (event.event === 'done' || event.event === 'error') {
            store.add(lines);
            const message = (data as { message?: unknown }).message;
            return { ending: event.event === 'done' ? { kind: 'done' } : { kind: 'error', message: typeof message === 'string' ? message : 'the log stream failed' }, delivered };
          }
        }
        store.add(lines);
      }
    } finally {
      mine.abort();
      if (controller === mine) controller = null;
    }
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let reconnects = 0;
    for (;;) {
      const from = seen.resumeFrom();
      const resumed = reconnects > 0 && from !== undefined;
      const query = resumed ? resumeQuery(view, from) : streamQuery(view);
      let result: { ending: Ending; delivered: boolean };
      try {
        result = await connect(query, resumed);
      } catch (error) {
        if (stopped) return;
        // A refusal (400, 403, 404, 429) will be refused again: say why and stop.
        if (error instanceof ApiError && error.status < 500) return store.update({ phase: 'failed', error });
        if (reconnects === 0 && attempt === 0 && !follows) return store.update({ phase: 'failed', error });
        result = { ending: { kind: 'cut' }, delivered: false };
      }
      if (stopped) return;
      const { ending, delivered } = result;
      if (ending.kind === 'done') return store.update({ phase: 'done' });
      if (ending.kind === 'error') return store.update({ phase: 'failed', error: new Error(ending.message) });
      if (ending.kind === 'signed-out') {
        store.update({ phase: 'failed', error: new Error('the session ended: sign in again') });
        return (deps.signIn ?? signInAgain)();
      }
      if (!follows) return store.update({ phase: 'failed', error: new Error('the connection closed before the log ended') });
      if (delivered) attempt = 0;
      reconnects += 1;
      store.update({ phase: 'reconnecting', reconnects });
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 1000;
      attempt += 1;
      await new Promise<void>((resolve) => {
        timer = deps.setTimeout(resolve, wait);
      });
      if (stopped) return;
    }
  }

  void run();
  return () => {
    stopped = true;
    controller?.abort();
    if (timer !== undefined) deps.clearTimeout(timer);
    store.stop();
  };
}
