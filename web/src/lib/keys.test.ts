import { describe, expect, it, vi } from 'vitest';

import { type Binding, feedKey, initialKeyState, isTypingTarget } from './keys';

function bindings() {
  const slash = vi.fn();
  const pods = vi.fn();
  const deploys = vi.fn();
  const list: Binding[] = [
    { keys: '/', run: slash },
    { keys: 'g p', run: pods },
    { keys: 'g d', run: deploys },
  ];
  return { list, slash, pods, deploys };
}

describe('feedKey', () => {
  it('matches single keys at once', () => {
    const { list, slash } = bindings();
    const { match } = feedKey(initialKeyState(), '/', 0, list);
    match?.run();
    expect(slash).toHaveBeenCalled();
  });

  it('matches a two-key sequence typed in time', () => {
    const { list } = bindings();
    const first = feedKey(initialKeyState(), 'g', 1000, list);
    expect(first.match).toBeUndefined();
    expect(first.state.pending).toEqual(['g']);
    expect(feedKey(first.state, 'p', 1500, list).match?.keys).toBe('g p');
    expect(feedKey(first.state, 'd', 1500, list).match?.keys).toBe('g d');
  });

  it('forgets a stale prefix', () => {
    const { list } = bindings();
    const first = feedKey(initialKeyState(), 'g', 1000, list);
    expect(feedKey(first.state, 'p', 2500, list).match).toBeUndefined();
  });

  it('starts over on an unrelated key', () => {
    const { list } = bindings();
    const first = feedKey(initialKeyState(), 'g', 0, list);
    const second = feedKey(first.state, 'x', 10, list);
    expect(second.match).toBeUndefined();
    expect(second.state.pending).toEqual([]);
    expect(feedKey(first.state, '/', 10, list).match?.keys).toBe('/');
  });
});

describe('isTypingTarget', () => {
  it('knows form fields', () => {
    expect(isTypingTarget(document.createElement('input'))).toBe(true);
    expect(isTypingTarget(document.createElement('div'))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
