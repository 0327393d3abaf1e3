import { describe, expect, it } from 'vitest';

import { podSelection, selectorString } from './selector';

describe('selectorString', () => {
  it('joins matchLabels', () => {
    expect(selectorString({ matchLabels: { app: 'web', tier: 'front' } })).toBe('app=web,tier=front');
  });

  it('writes matchExpressions in set-based syntax', () => {
    expect(
      selectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'staging'] },
          { key: 'canary', operator: 'NotIn', values: ['true'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,env in (prod,staging),canary notin (true),team,!legacy');
  });

  it('is null for no or an empty selector', () => {
    expect(selectorString(undefined)).toBeNull();
    expect(selectorString({})).toBeNull();
    expect(selectorString({ matchLabels: {} })).toBeNull();
  });
});

describe('podSelection', () => {
  const deployment = { spec: { selector: { matchLabels: { app: 'web' } } } };
  it('covers the workloads', () => {
    for (const [group, resource] of [['apps', 'deployments'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['apps', 'replicasets'], ['batch', 'jobs']]) {
      expect(podSelection(group ?? '', resource ?? '', deployment)).toEqual({ applies: true, selector: 'app=web' });
    }
  });

  it('reads a Service selector map', () => {
    expect(podSelection('core', 'services', { spec: { selector: { app: 'api' } } })).toEqual({ applies: true, selector: 'app=api' });
    expect(podSelection('core', 'services', { spec: {} })).toEqual({ applies: true, selector: null });
  });

  it('does not apply to other kinds', () => {
    expect(podSelection('core', 'configmaps', deployment)).toEqual({ applies: false });
    expect(podSelection('batch', 'cronjobs', deployment)).toEqual({ applies: false });
    expect(podSelection('apps', 'deployments', undefined)).toEqual({ applies: true, selector: null });
  });
});
