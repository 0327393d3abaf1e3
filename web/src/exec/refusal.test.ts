import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import type { SessionSummary } from '../api/types.gen';
import { autoRestarts, reconnectDelay, reconnects } from './reconnect';
import { capFromList, capInfo, isLasting, isUpgradeOnly, refusalOf } from './refusal';

describe('the cap dialog', () => {
  it('lists details.activeSessions oldest first, dropping malformed entries', () => {
    const error = new ApiError(429, 'E_CAP_USER', 'at most 2 terminal sessions per user; end one first', {
      limit: 2,
      activeSessions: [
        { id: 's2', user: 'alice', cluster: 'alpha', namespace: 'ns', pod: 'b', container: 'c', tty: true, startedAt: '2026-01-01T10:05:00Z' },
        { id: 's1', user: 'alice', cluster: 'alpha', namespace: 'ns', pod: 'a', container: 'c', tty: true, startedAt: '2026-01-01T10:00:00Z' },
        { cluster: 'no id' },
        'junk',
      ],
    });
    const cap = capInfo(error);
    expect(cap.limit).toBe(2);
    expect(cap.message).toMatch(/at most 2/);
    expect(cap.sessions.map((s) => s.id)).toEqual(['s1', 's2']);
    expect(cap.sessions[0]).toEqual({ id: 's1', cluster: 'alpha', namespace: 'ns', pod: 'a', container: 'c', startedAt: '2026-01-01T10:00:00Z' });
  });

  it('survives details that are not what it expects', () => {
    expect(capInfo(new ApiError(429, 'E_CAP_USER', 'full', null))).toEqual({ limit: null, message: 'full', sessions: [] });
    expect(capInfo(new ApiError(429, 'E_CAP_USER', 'full', { activeSessions: 'x' })).sessions).toEqual([]);
  });

  it('from the session list keeps only the user’s own sessions when the list has everyone’s', () => {
    const s = (id: string, user: string, startedAt: string): SessionSummary => ({
      id,
      user,
      cluster: 'alpha',
      namespace: 'ns',
      pod: 'p',
      container: 'c',
      tty: true,
      startedAt,
      idleSeconds: 0,
      bytesIn: 0,
      bytesOut: 0,
    });
    const list = [s('b', 'alice', '2026-01-01T10:05:00Z'), s('x', 'bob', '2026-01-01T09:00:00Z'), s('a', 'alice', '2026-01-01T10:00:00Z')];
    expect(capFromList(list, 'alice').sessions.map((x) => x.id)).toEqual(['a', 'b']);
    expect(capFromList(list, undefined).sessions.map((x) => x.id)).toEqual(['x', 'a', 'b']);
  });
});

describe('refusals', () => {
  it('are told apart by status and code', () => {
    expect(refusalOf(new ApiError(429, 'E_CAP_USER', 'full', { limit: 5, activeSessions: [] })).kind).toBe('cap');
    expect(refusalOf(new ApiError(403, 'E_EXEC_DISABLED', 'exec is disabled on cluster alpha'))).toEqual({
      kind: 'disabled',
      message: 'Terminals are switched off for this cluster: exec is disabled on cluster alpha',
    });
    expect(refusalOf(new ApiError(403, 'E_FORBIDDEN', 'pods "p" is forbidden')).kind).toBe('forbidden');
    expect(refusalOf(new ApiError(403, 'E_ORIGIN', 'cross-origin')).kind).toBe('other');
    expect(refusalOf(new ApiError(404, 'E_NOT_FOUND', 'pod p not found'))).toEqual({ kind: 'not-found', message: 'pod p not found' });
    expect(refusalOf(new ApiError(429, 'E_CAP_CLUSTER', 'cluster full')).kind).toBe('other');
  });

  it('an upgrade-only 400 means the plain GET passed every check it makes', () => {
    expect(isUpgradeOnly(new ApiError(400, 'E_BAD_REQUEST', 'exec needs a WebSocket upgrade: Connection header did not include upgrade'))).toBe(true);
    expect(isUpgradeOnly(new ApiError(400, 'E_BAD_REQUEST', 'command must be a base64-encoded JSON array of strings: not base64'))).toBe(false);
  });

  it('lasting refusals stop reconnect attempts, passing ones do not', () => {
    expect(isLasting({ kind: 'not-found', message: '' })).toBe(true);
    expect(isLasting({ kind: 'forbidden', message: '' })).toBe(true);
    expect(isLasting({ kind: 'other', message: '' })).toBe(false);
  });
});

describe('reconnect rules', () => {
  it('back off 0, 1, 3, 8 seconds, four attempts', () => {
    expect([1, 2, 3, 4, 5].map(reconnectDelay)).toEqual([0, 1000, 3000, 8000, null]);
    expect(reconnectDelay(0)).toBeNull();
  });

  it('reconnect after drops and transient closes, never after the server or user ended it', () => {
    expect(reconnects({ kind: 'dropped' })).toBe(true);
    expect(reconnects({ kind: 'closed', reason: 'server_shutdown' })).toBe(true);
    expect(reconnects({ kind: 'closed', reason: 'stream_canceled' })).toBe(true);
    for (const reason of ['completed', 'container_exit', 'idle', 'client', 'deadline', 'forbidden', 'no_shell', 'terminated']) {
      expect(reconnects({ kind: 'closed', reason })).toBe(false);
    }
    expect(reconnects({ kind: 'error', code: 'E_NO_SHELL', retryable: false })).toBe(false);
    expect(reconnects({ kind: 'error', code: 'E_X', retryable: true })).toBe(true);
    expect(reconnects({ kind: 'user' })).toBe(false);
  });

  it('restart terminals a hidden tab closed only when the user is back within a minute', () => {
    expect(autoRestarts(1000, 1000 + 59_000)).toBe(true);
    expect(autoRestarts(1000, 1000 + 61_000)).toBe(false);
    expect(autoRestarts(1000, 500)).toBe(false);
  });
});
