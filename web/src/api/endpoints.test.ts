import { describe, expect, it } from 'vitest';

import { toEvent, toObject, toSecretKeys } from './endpoints';

describe('decoders of Kubernetes objects', () => {
  it('reads an Event defensively, newest timestamp first', () => {
    expect(toEvent({ type: 'Warning', reason: 'BackOff', message: 'm', count: 3, lastTimestamp: '2026-01-02T00:00:00Z', eventTime: null })).toEqual({
      type: 'Warning',
      reason: 'BackOff',
      message: 'm',
      count: 3,
      when: '2026-01-02T00:00:00Z',
    });
    expect(toEvent({ eventTime: null, metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } }).when).toBe('2026-01-01T00:00:00Z');
    expect(toEvent({ count: '3', reason: 7 })).toEqual({ type: undefined, reason: undefined, message: undefined, count: undefined, when: undefined });
    expect(toEvent(null).when).toBeUndefined();
  });

  it('takes only objects as objects', () => {
    expect(toObject({ kind: 'Pod' })).toEqual({ kind: 'Pod' });
    expect(() => toObject([])).toThrow();
    expect(() => toObject('text')).toThrow();
  });

  it("keeps a Secret's keys with a name", () => {
    expect(toSecretKeys([{ name: 'token', size: 12 }, { name: 'ca.crt' }, { size: 3 }, 'x'])).toEqual([
      { name: 'token', size: 12 },
      { name: 'ca.crt', size: 0 },
    ]);
    expect(toSecretKeys(undefined)).toEqual([]);
  });
});
