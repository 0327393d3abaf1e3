import { describe, expect, it } from 'vitest';

import type { Row } from '../api/types.gen';
import {
  formatCpu,
  formatMemory,
  formatUsage,
  formatWindow,
  keepUsage,
  listHasUsage,
  overlayUsage,
  usageKind,
  usagePercent,
  usageQueryString,
  usageSort,
  usageText,
} from './usage';

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

describe('usage cells, written as kubectl top writes them', () => {
  it('writes CPU in whole millicores, rounded up', () => {
    expect(formatCpu(25)).toBe('25m');
    expect(formatCpu(1250)).toBe('1250m');
    expect(formatCpu(0)).toBe('0m');
    expect(formatCpu(0.2)).toBe('1m');
    expect(formatCpu(Number.NaN)).toBe('');
  });

  it('writes memory in binary units: one decimal below 10, whole above', () => {
    expect(formatMemory(40 * Mi)).toBe('40Mi');
    expect(formatMemory(1.2 * Gi)).toBe('1.2Gi');
    expect(formatMemory(Gi)).toBe('1Gi');
    expect(formatMemory(12.4 * Gi)).toBe('12Gi');
    expect(formatMemory(512 * 1024)).toBe('512Ki');
    expect(formatMemory(300)).toBe('300B');
    expect(formatMemory(1023.7 * Mi)).toBe('1Gi');
    expect(formatMemory(Number.POSITIVE_INFINITY)).toBe('');
  });

  it("writes metrics-server's window in whole seconds", () => {
    expect(formatWindow('10.014s')).toBe('10s');
    expect(formatWindow('15s')).toBe('15s');
    expect(formatWindow('1m0s')).toBe('1m0s');
    expect(formatWindow(undefined)).toBe('');
  });

  it('writes a cell by its key, and nothing for a value that is not a number', () => {
    expect(formatUsage('cpu', 300)).toBe('300m');
    expect(formatUsage('memory', 200 * Mi)).toBe('200Mi');
    expect(formatUsage('cpu', '300m')).toBe('');
    expect(formatUsage('memory', undefined)).toBe('');
  });
});

describe('shares', () => {
  it('is a whole percent of what it is compared with, or null without one', () => {
    expect(usagePercent(120, 500)).toBe(24);
    expect(usagePercent(750, 500)).toBe(150);
    expect(usagePercent(1, 3)).toBe(33);
    expect(usagePercent(120, null)).toBeNull();
    expect(usagePercent(120, 0)).toBeNull();
    expect(usagePercent(120, undefined)).toBeNull();
    expect(usagePercent(Number.NaN, 500)).toBeNull();
  });

  it("says a bar's words, or the number alone", () => {
    expect(usageText('cpu', 120, 500, 'request')).toBe('120m of 500m request (24%)');
    expect(usageText('memory', 64 * Mi, 256 * Mi, 'limit')).toBe('64Mi of 256Mi limit (25%)');
    expect(usageText('cpu', 120, null, 'request')).toBe('120m');
  });
});

describe('which lists show usage', () => {
  const pods = { group: 'core', version: 'v1', resource: 'pods' };
  it('is core/v1 pods and nodes, when their answer has the columns', () => {
    expect(usageKind(pods)).toBe('pods');
    expect(usageKind({ group: '', version: 'v1', resource: 'nodes' })).toBe('nodes');
    expect(usageKind({ group: 'apps', version: 'v1', resource: 'pods' })).toBeNull();
    expect(usageKind({ group: 'core', version: 'v1', resource: 'services' })).toBeNull();
    expect(listHasUsage(pods, [{ key: 'name', label: 'Name' }, { key: 'cpu', label: 'CPU' }, { key: 'memory', label: 'Memory' }])).toBe(true);
    expect(listHasUsage(pods, [{ key: 'name', label: 'Name' }])).toBe(false);
    expect(listHasUsage(pods, undefined)).toBe(false);
    expect(listHasUsage({ group: 'example.com', version: 'v1', resource: 'widgets' }, [{ key: 'cpu', label: 'CPU' }])).toBe(false);
  });

  it("polls in the list's usage order when it has one", () => {
    expect(usageSort('-cpu')).toBe('-cpu');
    expect(usageSort('memory')).toBe('memory');
    expect(usageSort('-restarts')).toBeUndefined();
    expect(usageSort(undefined)).toBeUndefined();
    expect(usageQueryString({ namespace: 'team a', sort: '-cpu', limit: 5000 })).toBe('?namespace=team+a&sort=-cpu&limit=5000');
    expect(usageQueryString({ name: 'kwok-node-0' })).toBe('?name=kwok-node-0');
    expect(usageQueryString({})).toBe('');
  });
});

const row = (name: string, extra: Record<string, unknown> = {}): Row => ({ name, namespace: 'team-a', ...extra });

describe('keeping usage on rows the live stream replaces', () => {
  it('keeps the usage cells a delta lacks', () => {
    expect(keepUsage(row('a', { cpu: 50, memory: 1000 }), row('a', { phase: 'Running' }))).toEqual(row('a', { phase: 'Running', cpu: 50, memory: 1000 }));
  });

  it("takes the delta's own usage, and leaves a row alone when there is nothing to keep", () => {
    expect(keepUsage(row('a', { cpu: 50, memory: 1000 }), row('a', { cpu: 60 }))).toEqual(row('a', { cpu: 60, memory: 1000 }));
    const fresh = row('a', { phase: 'Running' });
    expect(keepUsage(row('a'), fresh)).toBe(fresh);
    expect(keepUsage(undefined, fresh)).toBe(fresh);
  });
});

describe('laying polled usage over the rows held', () => {
  const pages = [{ items: [row('a', { cpu: 1, memory: 2 }), row('b')] }, { items: [row('c', { cpu: 5, memory: 6 })] }];

  it('sets the cells of the rows it names, by namespace and name, and renews only those', () => {
    const out = overlayUsage(pages, [
      { namespace: 'team-a', name: 'b', cpu: 300, memory: 200 * Mi },
      { namespace: 'team-b', name: 'a', cpu: 999, memory: 999 },
    ]);
    expect(out?.[0]?.items.map((r) => [r.name, r.cpu, r.memory])).toEqual([
      ['a', 1, 2],
      ['b', 300, 200 * Mi],
    ]);
    expect(out?.[0]?.items[0]).toBe(pages[0]?.items[0]);
    expect(out?.[1]).toBe(pages[1]);
  });

  it('answers null when nothing changes', () => {
    expect(overlayUsage(pages, [{ namespace: 'team-a', name: 'c', cpu: 5, memory: 6 }])).toBeNull();
    expect(overlayUsage(pages, [])).toBeNull();
  });

  it('matches cluster-scoped rows (nodes) by name', () => {
    const nodes = [{ items: [{ name: 'kwok-node-0' } as Row] }];
    expect(overlayUsage(nodes, [{ name: 'kwok-node-0', cpu: 120, memory: Gi }])?.[0]?.items[0]).toEqual({ name: 'kwok-node-0', cpu: 120, memory: Gi });
  });
});
