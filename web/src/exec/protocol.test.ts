import { describe, expect, it } from 'vitest';

import { CLOSE_FRAME, commandParam, describeClose, encodeBinaryInput, encodeInput, execPath, parseControl, resizeFrame, wsUrl } from './protocol';

describe('control frames', () => {
  it('reads what the server sends', () => {
    expect(parseControl('{"type":"hello","sessionId":"abc","container":"shell","recordInput":true}')).toEqual({
      type: 'hello',
      sessionId: 'abc',
      container: 'shell',
      recordInput: true,
    });
    expect(parseControl('{"type":"hello","sessionId":"abc","container":"shell"}')).toMatchObject({ recordInput: false });
    expect(parseControl('{"type":"idle_warn","secondsRemaining":30}')).toEqual({ type: 'idle_warn', secondsRemaining: 30 });
    expect(parseControl('{"type":"closed","reason":"container_exit","exitCode":3}')).toEqual({ type: 'closed', reason: 'container_exit', exitCode: 3 });
    expect(parseControl('{"type":"closed","reason":"idle","exitCode":null}')).toEqual({ type: 'closed', reason: 'idle', exitCode: null });
    expect(parseControl('{"type":"error","code":"E_NO_SHELL","message":"no shell","retryable":false}')).toEqual({
      type: 'error',
      code: 'E_NO_SHELL',
      message: 'no shell',
      retryable: false,
    });
  });

  it('ignores anything else', () => {
    for (const text of ['not json', '42', 'null', '[]', '{"type":"dance"}', '{"type":"hello"}', '{"type":"idle_warn","secondsRemaining":"x"}']) {
      expect(parseControl(text)).toBeNull();
    }
  });

  it('sends resize and close as JSON text, never a size the server ignores', () => {
    expect(JSON.parse(resizeFrame(120, 40) ?? '')).toEqual({ type: 'resize', cols: 120, rows: 40 });
    expect(resizeFrame(0, 40)).toBeNull();
    expect(resizeFrame(80, -1)).toBeNull();
    expect(resizeFrame(80.5, 24)).toBeNull();
    expect(JSON.parse(CLOSE_FRAME)).toEqual({ type: 'close' });
  });
});

describe('stdin frames', () => {
  it('are UTF-8 bytes of what was typed', () => {
    expect([...encodeInput('ls\r')]).toEqual([108, 115, 13]);
    expect([...encodeInput('é')]).toEqual([0xc3, 0xa9]);
  });

  it('keep binary input byte for byte', () => {
    expect([...encodeBinaryInput('\x1b[M\xff!')]).toEqual([0x1b, 0x5b, 0x4d, 0xff, 0x21]);
  });
});

describe('the exec URL', () => {
  it('is the pod object route with its query', () => {
    expect(execPath({ cluster: 'alpha', namespace: 'team-a', pod: 'web-1' })).toBe('/api/clusters/alpha/resources/core/v1/pods/team-a/web-1/exec');
    expect(execPath({ cluster: 'a b', namespace: 'ns', pod: 'p', container: 'side car', tty: false })).toBe(
      '/api/clusters/a%20b/resources/core/v1/pods/ns/p/exec?container=side+car&tty=false',
    );
  });

  it('carries a command as base64url JSON (UTF-8, no padding)', () => {
    const param = commandParam(['sh', '-c', 'echo é?>']);
    expect(param).not.toMatch(/[+/=]/);
    const base64 = param.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(['sh', '-c', 'echo é?>']);
    expect(execPath({ cluster: 'c', namespace: 'n', pod: 'p', command: ['ls'] })).toBe(`/api/clusters/c/resources/core/v1/pods/n/p/exec?command=${commandParam(['ls'])}`);
  });

  it('is same-origin ws, or wss under https', () => {
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, '/x?y=1')).toBe('ws://127.0.0.1:8080/x?y=1');
    expect(wsUrl({ protocol: 'https:', host: 'console.example' }, '/x')).toBe('wss://console.example/x');
  });
});

describe('close reasons', () => {
  it('are said in words, with the exit code when it tells something', () => {
    expect(describeClose('container_exit', 3)).toBe('Session ended: the process exited (exit code 3).');
    expect(describeClose('completed', 0)).toBe('Session ended: the shell exited.');
    expect(describeClose('terminated', null)).toBe('Session ended: it was ended from the session list.');
    expect(describeClose('brand_new', null)).toBe('Session ended: brand new.');
  });
});
