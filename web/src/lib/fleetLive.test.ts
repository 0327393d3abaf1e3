import { describe, expect, it } from 'vitest';

import { applyNodeEvents, countNodes } from './fleetLive';

describe('applyNodeEvents', () => {
  it('counts ready nodes from a snapshot and follows deltas', () => {
    let nodes = applyNodeEvents(undefined, [
      { type: 'snapshot', resourceVersion: '1', items: [{ name: 'n0', status: 'Ready' }, { name: 'n1', status: 'Ready,SchedulingDisabled' }, { name: 'n2', status: 'NotReady' }] },
    ]);
    expect(countNodes(nodes)).toEqual({ ready: 2, total: 3 });
    nodes = applyNodeEvents(nodes, [
      { type: 'modified', resourceVersion: '2', object: { name: 'n0', status: 'NotReady' } },
      { type: 'added', resourceVersion: '3', object: { name: 'n3', status: 'Ready' } },
      { type: 'deleted', resourceVersion: '4', object: { name: 'n2', status: 'NotReady' } },
      { type: 'relist' },
    ]);
    expect(countNodes(nodes)).toEqual({ ready: 2, total: 3 });
    expect(countNodes(undefined)).toBeUndefined();
  });

  it('does not change the map it was given', () => {
    const before = new Map([['n0', true]]);
    applyNodeEvents(before, [{ type: 'deleted', resourceVersion: '2', object: { name: 'n0' } }]);
    expect(before.size).toBe(1);
  });
});
