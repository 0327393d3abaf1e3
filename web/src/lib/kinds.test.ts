import { describe, expect, it } from 'vitest';

import { builtinByKind, customKinds, findBuiltin } from './kinds';

describe('kinds', () => {
  it('finds built-ins by resource and by owner kind', () => {
    expect(findBuiltin({ group: 'apps', version: 'v1', resource: 'deployments' })?.kind).toBe('Deployment');
    expect(builtinByKind('apps/v1', 'ReplicaSet')?.resource).toBe('replicasets');
    expect(builtinByKind('v1', 'Node')?.namespaced).toBe(false);
    expect(builtinByKind('example.com/v1', 'Widget')).toBeUndefined();
  });

  it('turns CRD rows into sidebar entries', () => {
    const rows = [
      { name: 'widgets.example.com', group: 'example.com', kind: 'Widget', scope: 'Namespaced', versions: 'v1beta1, v1' },
      { name: 'clusterthings.ops.io', group: 'ops.io', kind: 'ClusterThing', scope: 'Cluster', versions: 'v2' },
      { name: 'broken', versions: '' },
    ];
    expect(customKinds(rows)).toEqual([
      { group: 'ops.io', version: 'v2', resource: 'clusterthings', kind: 'ClusterThing', label: 'ClusterThing', namespaced: false },
      { group: 'example.com', version: 'v1beta1', resource: 'widgets', kind: 'Widget', label: 'Widget', namespaced: true },
    ]);
  });
});
