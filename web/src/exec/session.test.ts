import { describe, expect, it } from 'vitest';

import type { Refusal } from './refusal';
import { ExecSession, type SessionDeps, type SocketLike } from './session';

class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  sent: (string | number[])[] = [];
  closedWith: number | undefined;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string | Uint8Array<ArrayBuffer>) {
    this.sent.push(typeof data === 'string' ? data : [...data]);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // The server's side.
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  text(frame: object) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }
  bytes(text: string) {
    this.onmessage?.(new MessageEvent('message', { data: new TextEncoder().encode(text).buffer }));
  }
  hello(id: string) {
    this.open();
    this.text({ type: 'hello', sessionId: id, container: 'shell', recordInput: false });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
}

function harness(refusal: Refusal | null = null) {
  const sockets: FakeSocket[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  const diagnosed: string[] = [];
  let now = 1_000_000;
  const deps: SessionDeps = {
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    diagnose: async (path) => {
      diagnosed.push(path);
      return refusal;
    },
    location: { protocol: 'http:', host: 'console.test' },
    now: () => now,
    setTimer: (run, ms) => {
      const t = { run, ms };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => {
      const i = timers.indexOf(t as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const session = new ExecSession({ cluster: 'alpha', namespace: 'ns', pod: 'box', container: 'shell' }, deps);
  const output: string[] = [];
  session.onOutput((b) => output.push(new TextDecoder().decode(b)));
  const fire = async () => {
    const t = timers.shift();
    if (!t) throw new Error('no timer');
    t.run();
    await Promise.resolve();
    return t.ms;
  };
  return { session, sockets, timers, diagnosed, output, fire, advance: (ms: number) => (now += ms), last: () => sockets[sockets.length - 1] as FakeSocket };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('a terminal session', () => {
  it('connects same-origin, opens on hello, sends input, sizes and a close frame', () => {
    const h = harness();
    expect(h.last().url).toBe('ws://console.test/api/clusters/alpha/resources/core/v1/pods/ns/box/exec?container=shell');
    expect(h.last().binaryType).toBe('arraybuffer');
    expect(h.session.view.phase).toBe('connecting');
    h.session.resize(100, 30);
    h.session.input('early');
    expect(h.last().sent).toEqual([]); // nothing before hello
    h.last().hello('s1');
    expect(h.session.view).toMatchObject({ phase: 'open', shells: 1, sessionId: 's1', container: 'shell', recordInput: false });
    expect(h.last().sent).toEqual(['{"type":"resize","cols":100,"rows":30}']);
    h.session.input('ls\r');
    h.session.resize(100, 30); // unchanged: not sent again
    h.session.resize(90, 30);
    expect(h.last().sent.slice(1)).toEqual([[108, 115, 13], '{"type":"resize","cols":90,"rows":30}']);
    h.last().bytes('file\r\n');
    expect(h.output).toEqual(['file\r\n']);
    const socket = h.last();
    h.session.close();
    expect(socket.sent[socket.sent.length - 1]).toBe('{"type":"close"}');
    expect(socket.closedWith).toBe(1000);
    expect(h.session.view.phase).toBe('ended');
  });

  it('keeps output that came before anyone listened', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().bytes('early');
    const late: string[] = [];
    // a second listener gets only what comes next; the first one had it all
    h.session.onOutput((b) => late.push(new TextDecoder().decode(b)));
    h.last().bytes('next');
    expect(h.output).toEqual(['early', 'next']);
    expect(late).toEqual(['next']);
  });

  it('counts down after idle_warn, until input or output', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().text({ type: 'idle_warn', secondsRemaining: 30 });
    expect(h.session.view.idleCloseAt).toBe(1_000_000 + 30_000);
    h.session.input('x');
    expect(h.session.view.idleCloseAt).toBeUndefined();
    h.last().text({ type: 'idle_warn', secondsRemaining: 10 });
    h.last().bytes('y');
    expect(h.session.view.idleCloseAt).toBeUndefined();
  });

  it('ends on a closed frame with its reason and exit code, and does not reconnect', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().text({ type: 'closed', reason: 'container_exit', exitCode: 3 });
    h.last().drop();
    expect(h.session.view.phase).toBe('ended');
    expect(h.session.view.ended).toMatchObject({ reason: 'container_exit', exitCode: 3, text: 'Session ended: the process exited (exit code 3).' });
    expect(h.timers).toEqual([]);
    expect(h.output.join('')).toContain('exit code 3');
  });

  it('reconnects a dropped session after 0, 1, 3, 8 s as new shells, then gives up', async () => {
    const h = harness();
    h.last().hello('s1');
    h.last().drop();
    expect(h.session.view).toMatchObject({ phase: 'reconnecting', attempt: 1 });
    expect(await h.fire()).toBe(0);
    h.last().drop(); // attempt 1 fails before hello
    await flush();
    expect(h.diagnosed).toHaveLength(1);
    expect(h.session.view).toMatchObject({ phase: 'reconnecting', attempt: 2 });
    expect(await h.fire()).toBe(1000);
    h.last().drop();
    await flush();
    expect(await h.fire()).toBe(3000);
    h.last().drop();
    await flush();
    expect(await h.fire()).toBe(8000);
    h.last().drop();
    await flush();
    expect(h.session.view.phase).toBe('ended');
    expect(h.session.view.ended?.text).toBe('Gave up reconnecting after 4 attempts.');
    expect(h.sockets).toHaveLength(5);
  });

  it('says a reconnect is a new shell, and resets the attempts', async () => {
    const h = harness();
    h.session.resize(80, 24);
    h.last().hello('s1');
    h.last().drop();
    await h.fire();
    h.last().hello('s2');
    expect(h.session.view).toMatchObject({ phase: 'open', attempt: 0, shells: 2, sessionId: 's2' });
    expect(h.output.join('')).toContain('NEW shell (session s2)');
    // the new shell gets the size too
    expect(h.last().sent).toEqual(['{"type":"resize","cols":80,"rows":24}']);
  });

  it('reconnects after server_shutdown but not after being ended from the session list', async () => {
    const h = harness();
    h.last().hello('s1');
    h.last().text({ type: 'closed', reason: 'server_shutdown', exitCode: null });
    h.last().drop();
    expect(h.session.view.phase).toBe('reconnecting');
    await h.fire();
    h.last().hello('s2');
    h.last().text({ type: 'closed', reason: 'terminated', exitCode: null });
    h.last().drop();
    expect(h.session.view.phase).toBe('ended');
    expect(h.session.view.ended?.reason).toBe('terminated');
  });

  it('shows why it never opened (the diagnosis), without reconnecting', async () => {
    const refusal: Refusal = { kind: 'disabled', message: 'Terminals are switched off for this cluster' };
    const h = harness(refusal);
    h.last().drop();
    await flush();
    expect(h.diagnosed).toEqual(['/api/clusters/alpha/resources/core/v1/pods/ns/box/exec?container=shell']);
    expect(h.session.view.phase).toBe('ended');
    expect(h.session.view.ended?.refusal).toEqual(refusal);
    expect(h.timers).toEqual([]);
  });

  it('stops reconnecting on a lasting refusal (the pod is gone)', async () => {
    const h = harness({ kind: 'not-found', message: 'pod box not found' });
    h.last().hello('s1');
    h.last().drop();
    await h.fire();
    h.last().drop();
    await flush();
    expect(h.session.view.phase).toBe('ended');
    expect(h.session.view.ended?.text).toBe('pod box not found');
  });

  it('ends with the error frame of a shell that could not start', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().text({ type: 'error', code: 'E_NO_SHELL', message: 'no shell in the container', retryable: false });
    h.last().text({ type: 'closed', reason: 'no_shell', exitCode: 127 });
    h.last().drop();
    expect(h.session.view.ended).toMatchObject({ text: 'no shell in the container (E_NO_SHELL)', reason: 'no_shell' });
  });

  it('a restart after the end is a new shell', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().text({ type: 'closed', reason: 'idle', exitCode: null });
    h.last().drop();
    h.session.restart();
    expect(h.sockets).toHaveLength(2);
    h.last().hello('s2');
    expect(h.session.view).toMatchObject({ phase: 'open', shells: 2, ended: undefined });
  });

  it('closing while reconnecting cancels the attempt', () => {
    const h = harness();
    h.last().hello('s1');
    h.last().drop();
    h.session.close();
    expect(h.timers).toEqual([]);
    expect(h.session.view.phase).toBe('ended');
  });
});
