import { describe, expect, it } from 'vitest';

import { containersOf, defaultContainer } from './containers';

const pod = {
  metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'app' } },
  spec: {
    containers: [{ name: 'proxy' }, { name: 'app' }],
    initContainers: [{ name: 'migrate' }],
    ephemeralContainers: [{ name: 'debugger' }, { nameless: true }],
  },
};

describe('containers', () => {
  it('lists a pod\'s containers, init and ephemeral ones after them', () => {
    expect(containersOf('pods', pod)).toEqual([
      { name: 'proxy', kind: 'container' },
      { name: 'app', kind: 'container' },
      { name: 'migrate', kind: 'init' },
      { name: 'debugger', kind: 'ephemeral' },
    ]);
  });

  it('defaults to the annotated container, else the first', () => {
    expect(defaultContainer('pods', pod)).toBe('app');
    expect(defaultContainer('pods', { spec: pod.spec })).toBe('proxy');
    const unknown = { ...pod, metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'gone' } } };
    expect(defaultContainer('pods', unknown)).toBe('proxy');
  });

  it('reads workload templates, and a CronJob\'s job template', () => {
    const template = { metadata: { annotations: {} }, spec: { containers: [{ name: 'web' }], initContainers: [{ name: 'init' }] } };
    expect(containersOf('deployments', { spec: { template } }).map((c) => c.name)).toEqual(['web', 'init']);
    expect(containersOf('cronjobs', { spec: { jobTemplate: { spec: { template } } } }).map((c) => c.name)).toEqual(['web', 'init']);
    expect(defaultContainer('statefulsets', { spec: { template } })).toBe('web');
  });

  it('has nothing to offer for a Service or a broken object', () => {
    expect(containersOf('services', { spec: { selector: { app: 'x' } } })).toEqual([]);
    expect(containersOf('pods', undefined)).toEqual([]);
    expect(containersOf('pods', { spec: { containers: 'nope' } })).toEqual([]);
    expect(defaultContainer('pods', {})).toBeUndefined();
  });
});
