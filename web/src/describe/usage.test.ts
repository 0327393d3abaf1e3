import { describe, expect, it } from 'vitest';

import { cpuMillis, memoryBytes, nodeUsageShares, podUsageLines } from './usage';

const Mi = 1024 * 1024;

const pod = {
  spec: {
    initContainers: [{ name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '50m', memory: '32Mi' } } }],
    containers: [
      { name: 'app', resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } },
      { name: 'log', resources: { requests: { cpu: '100m' } } },
    ],
  },
};

describe('a pod’s usage against requests and limits', () => {
  const lines = podUsageLines(pod, {
    namespace: 'team-a',
    name: 'p',
    cpu: 420,
    memory: 190 * Mi,
    containers: [
      { name: 'log', cpu: 20, memory: 10 * Mi },
      { name: 'app', cpu: 300, memory: 150 * Mi },
      { name: 'proxy', cpu: 100, memory: 30 * Mi },
    ],
  });

  it("lists containers in the spec's order with their own requests and limits", () => {
    expect(lines.containers.map((c) => c.name)).toEqual(['proxy', 'app', 'log']);
    expect(lines.containers[1]).toEqual({ name: 'app', cpu: { used: 300, request: 500, limit: 1000 }, memory: { used: 150 * Mi, request: 128 * Mi, limit: 256 * Mi } });
    expect(lines.containers[2]?.memory).toEqual({ used: 10 * Mi, request: null, limit: null });
  });

  it('totals requests only when every container sets one', () => {
    expect(lines.total.cpu).toEqual({ used: 420, request: 650, limit: null });
    expect(lines.total.memory).toEqual({ used: 190 * Mi, request: null, limit: null });
  });

  it("takes the pod's own resources when it sets them", () => {
    const withPodLevel = { spec: { ...pod.spec, resources: { limits: { cpu: '2', memory: '1Gi' } } } };
    const total = podUsageLines(withPodLevel, { name: 'p', cpu: 420, memory: 190 * Mi }).total;
    expect([total.cpu.limit, total.memory.limit]).toEqual([2000, 1024 * Mi]);
    expect(total.cpu.request).toBeNull();
  });
});

describe('a node’s usage against its allocatable', () => {
  it('is in millicores and bytes, null where not reported', () => {
    const node = { status: { allocatable: { cpu: '3900m', memory: '15Gi', pods: '110' } } };
    expect(nodeUsageShares(node, { name: 'n', cpu: 120, memory: Mi })).toEqual({ cpu: { used: 120, allocatable: 3900 }, memory: { used: Mi, allocatable: 15 * 1024 * Mi } });
    expect(nodeUsageShares({}, { name: 'n', cpu: 120, memory: Mi }).cpu.allocatable).toBeNull();
  });
});

describe('quantities', () => {
  it('reads CPU as millicores and memory as bytes', () => {
    expect(cpuMillis('2')).toBe(2000);
    expect(cpuMillis('250m')).toBe(250);
    expect(cpuMillis(undefined)).toBeNull();
    expect(cpuMillis('lots')).toBeNull();
    expect(memoryBytes('64Mi')).toBe(64 * Mi);
    expect(memoryBytes('1G')).toBe(1e9);
  });
});
