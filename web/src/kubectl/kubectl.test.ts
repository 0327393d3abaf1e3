import { describe, expect, it } from 'vitest';

import { defaultTtl, formatDuration, initialClusters, relativeTime, tokenRequest, toggleCluster, ttlOptions, usageLines } from './kubectl';

const HOUR = 3600;

describe('token lifetimes', () => {
  it('offers the usual lifetimes up to the maximum, and the maximum itself', () => {
    expect(ttlOptions(8 * HOUR)).toEqual([15 * 60, HOUR, 4 * HOUR, 8 * HOUR]);
    expect(ttlOptions(HOUR)).toEqual([15 * 60, HOUR]);
    // A maximum that is no usual lifetime is offered as it is, never more.
    expect(ttlOptions(90 * 60)).toEqual([15 * 60, HOUR, 90 * 60]);
    expect(ttlOptions(60)).toEqual([60]);
    expect(Math.max(...ttlOptions(30 * 86_400))).toBe(30 * 86_400);
    expect(ttlOptions(0)).toEqual([]);
  });

  it('picks 8 hours when offered, else the longest', () => {
    expect(defaultTtl(ttlOptions(24 * HOUR))).toBe(8 * HOUR);
    expect(defaultTtl(ttlOptions(HOUR))).toBe(HOUR);
    expect(defaultTtl([])).toBeUndefined();
  });

  it('names durations in their two largest units', () => {
    expect(formatDuration(15 * 60)).toBe('15 minutes');
    expect(formatDuration(HOUR)).toBe('1 hour');
    expect(formatDuration(90 * 60)).toBe('1 hour 30 minutes');
    expect(formatDuration(7 * 86_400)).toBe('7 days');
    expect(formatDuration(86_400 + HOUR + 60)).toBe('1 day 1 hour');
    expect(formatDuration(5)).toBe('5 seconds');
  });
});

describe('cluster selection', () => {
  const all = ['alpha', 'beta', 'gamma'];

  it('starts with the cluster on screen, else the first', () => {
    expect(initialClusters('beta', all)).toEqual(['beta']);
    expect(initialClusters(undefined, all)).toEqual(['alpha']);
    expect(initialClusters('gone', all)).toEqual(['alpha']);
    expect(initialClusters(undefined, [])).toEqual([]);
  });

  it('ticks and unticks, keeping the clusters in their listed order', () => {
    expect(toggleCluster(['gamma'], 'alpha', true, all)).toEqual(['alpha', 'gamma']);
    expect(toggleCluster(['alpha', 'gamma'], 'alpha', false, all)).toEqual(['gamma']);
    expect(toggleCluster(['alpha'], 'alpha', true, all)).toEqual(['alpha']);
  });
});

describe('the usage lines', () => {
  it('use the saved file, the first cluster as the current context and the others by name', () => {
    expect(usageLines(['alpha'])).toEqual(['KUBECONFIG=~/Downloads/periscope.kubeconfig kubectl get pods']);
    expect(usageLines(['alpha', 'beta'])[1]).toBe('KUBECONFIG=~/Downloads/periscope.kubeconfig kubectl --context periscope-beta get pods');
  });
});

describe('the token form', () => {
  it('sends a trimmed name, the clusters and the lifetime', () => {
    expect(tokenRequest(' laptop ', ['alpha'], HOUR, 8 * HOUR)).toEqual({ body: { name: 'laptop', clusters: ['alpha'], ttlSeconds: HOUR } });
  });

  it('says what is missing or too much instead of sending', () => {
    const problem = (r: ReturnType<typeof tokenRequest>) => ('problem' in r ? r.problem : 'sent');
    expect(problem(tokenRequest('  ', ['alpha'], HOUR, 8 * HOUR))).toMatch(/Name/);
    expect(problem(tokenRequest('x'.repeat(101), ['alpha'], HOUR, 8 * HOUR))).toMatch(/100/);
    expect(problem(tokenRequest('laptop', [], HOUR, 8 * HOUR))).toMatch(/cluster/);
    expect(problem(tokenRequest('laptop', ['alpha'], undefined, 8 * HOUR))).toMatch(/how long/);
    expect(problem(tokenRequest('laptop', ['alpha'], 9 * HOUR, 8 * HOUR))).toBe('A token lives at most 8 hours.');
  });
});

describe('times', () => {
  const now = 1_000_000 * 1000;
  it('are relative to now', () => {
    expect(relativeTime(1_000_000 + 8 * HOUR, now)).toBe('in 8 hours');
    expect(relativeTime(1_000_000 - 180, now)).toBe('3 minutes ago');
    expect(relativeTime(1_000_000 - 10, now)).toBe('just now');
    expect(relativeTime(1_000_000 + 8 * HOUR - 2, now)).toBe('in 8 hours');
  });
});
