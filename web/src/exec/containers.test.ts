import { describe, expect, it } from 'vitest';

import { defaultContainer, execFit, podContainers } from './containers';
import { execRoute, replayRoute } from './routes';

const pod = {
  metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'side' } },
  spec: {
    containers: [{ name: 'app' }, { name: 'side' }],
    initContainers: [{ name: 'setup' }],
    ephemeralContainers: [{ name: 'debugger' }],
  },
  status: {
    containerStatuses: [
      { name: 'side', state: { waiting: { reason: 'CrashLoopBackOff' } } },
      { name: 'app', state: { running: {} } },
    ],
    initContainerStatuses: [{ name: 'setup', state: { terminated: { reason: 'Completed' } } }],
  },
};

describe('the container picker', () => {
  it('lists containers, init and ephemeral containers with their state', () => {
    expect(podContainers(pod)).toEqual([
      { name: 'app', kind: 'container', state: 'running', running: true },
      { name: 'side', kind: 'container', state: 'waiting: CrashLoopBackOff', running: false },
      { name: 'setup', kind: 'init', state: 'terminated: Completed', running: false },
      { name: 'debugger', kind: 'ephemeral', state: 'unknown', running: false },
    ]);
    expect(podContainers(undefined)).toEqual([]);
    expect(podContainers({ spec: { containers: [{ image: 'no name' }, 'junk'] } })).toEqual([]);
  });

  it('picks the default-container annotation, else the first regular container', () => {
    expect(defaultContainer(pod, podContainers(pod))).toBe('side');
    const plain = { ...pod, metadata: {} };
    expect(defaultContainer(plain, podContainers(plain))).toBe('app');
    const odd = { ...pod, metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'gone' } } };
    expect(defaultContainer(odd, podContainers(odd))).toBe('app');
    expect(defaultContainer(undefined, [])).toBeUndefined();
  });
});

describe('where the Exec button goes', () => {
  it('on pods and on workloads with a selector, not on services or other kinds', () => {
    expect(execFit('core', 'pods', {})).toEqual({ kind: 'pod' });
    const deployment = { spec: { selector: { matchLabels: { app: 'web' } } } };
    expect(execFit('apps', 'deployments', deployment)).toEqual({ kind: 'workload', selector: 'app=web' });
    expect(execFit('batch', 'jobs', deployment)).toEqual({ kind: 'workload', selector: 'app=web' });
    expect(execFit('core', 'services', { spec: { selector: { app: 'web' } } })).toEqual({ kind: 'none' });
    expect(execFit('core', 'configmaps', {})).toEqual({ kind: 'none' });
  });

  it('links the full-page terminal and the replay', () => {
    expect(execRoute({ cluster: 'alpha', namespace: 'ns', pod: 'p' })).toBe('/clusters/alpha/r/core/v1/pods/ns/p/exec');
    expect(execRoute({ cluster: 'alpha', namespace: 'ns', pod: 'p', container: 'a b' })).toBe('/clusters/alpha/r/core/v1/pods/ns/p/exec?container=a%20b');
    expect(replayRoute('abc')).toBe('/exec/recordings/abc');
  });
});
