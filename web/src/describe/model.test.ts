import { describe, expect, it } from 'vitest';

import { keyFields } from './fields';
import { backendProblem, daysUntil, endpointRows, ingressPaths, parseQuantity, podContainers, podVolumes, probeText, quotaRows, rollout, ruleRows } from './model';
import { sectionsFor } from './sections';

describe('parseQuantity', () => {
  it('reads decimal and binary suffixes, millis and exponents', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('10')).toBe(10);
    expect(parseQuantity('ten')).toBeNaN();
    expect(parseQuantity(undefined)).toBeNaN();
  });
});

describe('quotaRows', () => {
  it('lists hard resources in name order with the share used', () => {
    const rows = quotaRows({ status: { hard: { pods: '10', 'limits.memory': '2Gi' }, used: { pods: '5', 'limits.memory': '1536Mi' } } });
    expect(rows.map((r) => r.resource)).toEqual(['limits.memory', 'pods']);
    expect(rows[0]?.share).toBeCloseTo(0.75);
    expect(rows[1]).toMatchObject({ used: '5', hard: '10', share: 0.5 });
  });
  it('counts a resource with nothing used as 0 and a zero hard limit as no share', () => {
    const rows = quotaRows({ status: { hard: { secrets: '0', services: '4' }, used: {} } });
    expect(rows).toEqual([
      { resource: 'secrets', used: '0', hard: '0', share: null },
      { resource: 'services', used: '0', hard: '4', share: 0 },
    ]);
  });
});

describe('podContainers', () => {
  const pod = {
    spec: {
      initContainers: [{ name: 'setup', image: 'busybox' }, { name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          ports: [{ containerPort: 8080, name: 'http' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          resources: { requests: { cpu: '100m' }, limits: { memory: '128Mi' } },
          env: [
            { name: 'PLAIN', value: 'one' },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'S_' }],
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
        },
      ],
    },
    status: {
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 7,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
          lastState: { terminated: { reason: 'Error', exitCode: 2, finishedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    },
  };

  it('joins statuses by name, with the current and last state and restarts', () => {
    const [setup, proxy, app] = podContainers(pod);
    expect([setup?.role, proxy?.role, app?.role]).toEqual(['init', 'sidecar', 'app']);
    expect(app).toMatchObject({ ready: false, restarts: 7, ports: ['8080/TCP (http)'] });
    expect(app?.current).toMatchObject({ state: 'waiting', reason: 'CrashLoopBackOff' });
    expect(app?.last).toMatchObject({ state: 'terminated', reason: 'Error', exitCode: 2 });
    expect(setup?.current).toBeNull();
  });

  it('names where env comes from without a Secret value', () => {
    const app = podContainers(pod)[2];
    expect(app?.env.map((e) => e.source)).toEqual([
      { kind: 'value', value: 'one' },
      { kind: 'secret', name: 'creds', key: 'token', optional: false },
      { kind: 'field', path: 'metadata.name' },
    ]);
    expect(app?.envFrom).toEqual([{ kind: 'configMap', name: 'settings', prefix: 'S_' }]);
    expect(app?.mounts).toEqual([{ name: 'data', path: '/data', readOnly: true, subPath: '' }]);
    expect(app?.requests).toEqual({ cpu: '100m' });
  });

  it('writes probes as kubectl describe does', () => {
    expect(podContainers(pod)[2]?.probes).toEqual([{ kind: 'liveness', text: 'http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3' }]);
    expect(probeText({ tcpSocket: { port: 5432 } })).toBe('tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3');
    expect(probeText({ exec: { command: ['cat', '/ready'] }, failureThreshold: 1 })).toContain('exec [cat /ready]');
  });
});

describe('podVolumes', () => {
  it('names each volume type and the objects it reads', () => {
    const volumes = podVolumes({
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'settings' } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'data-0' } },
          { name: 'both', projected: { sources: [{ secret: { name: 's' } }, { serviceAccountToken: { path: 't' } }] } },
          { name: 'tmp', emptyDir: {} },
        ],
      },
    });
    expect(volumes.map((v) => [v.name, v.type, v.refs.map((r) => `${r.resource}/${r.name}`).join(' ')])).toEqual([
      ['cfg', 'configMap', 'configmaps/settings'],
      ['creds', 'secret', 'secrets/creds'],
      ['data', 'persistentVolumeClaim', 'persistentvolumeclaims/data-0'],
      ['both', 'projected', 'secrets/s'],
      ['tmp', 'emptyDir', ''],
    ]);
  });
});

describe('rollout', () => {
  const deployment = (status: Record<string, unknown>, generation = 2) => ({ kind: 'Deployment', metadata: { generation }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 3, ...status } });

  it('is complete when every replica is updated and available', () => {
    expect(rollout('Deployment', deployment({ updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }))).toMatchObject({ done: true, stuck: null });
  });

  it('explains a passed progress deadline', () => {
    const r = rollout('Deployment', deployment({ updatedReplicas: 1, availableReplicas: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] }));
    expect(r.done).toBe(false);
    expect(r.stuck).toContain('ReplicaSet "web-1" has timed out progressing');
    expect(r.stuck).toContain('1 of 3 pods run the new template');
  });

  it('explains pods that cannot be created, and an unobserved change', () => {
    expect(rollout('Deployment', deployment({ conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'exceeded quota: pods' }] })).stuck).toBe('Pods cannot be created: exceeded quota: pods');
    expect(rollout('Deployment', deployment({ updatedReplicas: 3, availableReplicas: 3 }, 3)).stuck).toContain('not yet acted');
  });

  it('counts a DaemonSet by scheduled nodes', () => {
    const r = rollout('DaemonSet', { spec: {}, status: { desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberReady: 3, numberAvailable: 3 } });
    expect(r).toMatchObject({ desired: 4, ready: 3, done: false, stuck: null });
  });
});

describe('ruleRows', () => {
  it('breaks rules down per group, resource and name, merging verbs, sorted', () => {
    const rows = ruleRows([
      { apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['watch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['update'] },
      { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    ]);
    expect(rows.map((r) => [r.resource, r.nonResourceUrl, r.resourceName, r.verbs.join(',')])).toEqual([
      ['', '/healthz', '', 'get'],
      ['configmaps', '', 'settings', 'update'],
      ['deployments', '', '', 'get,list'],
      ['deployments.apps', '', '', 'get,list'],
      ['pods', '', '', 'get,list,watch'],
      ['pods.apps', '', '', 'get,list'],
    ]);
  });
});

describe('ingress backends', () => {
  const ingress = {
    spec: {
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [{ host: 'shop.example', http: { paths: [{ path: '/api', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
    },
  };
  it('lists the default backend and each host × path', () => {
    expect(ingressPaths(ingress)).toEqual([
      { host: '*', path: '(default)', service: 'fallback', port: '80', resource: '' },
      { host: 'shop.example', path: '/api', service: 'api', port: 'http', resource: '' },
    ]);
  });
  it('resolves when the Service exists with the port, by name or number', () => {
    const [fallback, api] = ingressPaths(ingress);
    const svc = { spec: { ports: [{ name: 'http', port: 80 }] } };
    expect(backendProblem(api!, svc)).toBeNull();
    expect(backendProblem(fallback!, svc)).toBeNull();
    expect(backendProblem(api!, null)).toBe('Service api does not exist');
    expect(backendProblem(api!, { spec: { ports: [{ name: 'grpc', port: 9090 }] } })).toBe('Service api has no port http');
  });
});

describe('endpointRows', () => {
  it('lists every address, ready ones first', () => {
    const rows = endpointRows([
      { endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: false }, targetRef: { name: 'web-b' } }, { addresses: ['10.0.0.3'], conditions: { ready: true }, targetRef: { name: 'web-a' }, nodeName: 'n1' }] },
    ]);
    expect(rows).toEqual([
      { address: '10.0.0.3', ready: true, target: 'web-a', node: 'n1' },
      { address: '10.0.0.2', ready: false, target: 'web-b', node: '' },
    ]);
  });
});

describe('keyFields and sections', () => {
  it('shows the fields an object has, linking the objects they name', () => {
    const fields = keyFields('core', 'persistentvolumeclaims', { spec: { volumeName: 'pv-1', storageClassName: 'fast', accessModes: ['ReadWriteOnce'] }, status: { phase: 'Bound' } });
    expect(fields.map((f) => [f.label, f.value, f.target?.resource ?? null])).toEqual([
      ['Status', 'Bound', null],
      ['Volume', 'pv-1', 'persistentvolumes'],
      ['Access modes', 'ReadWriteOnce', null],
      ['Storage class', 'fast', 'storageclasses'],
    ]);
    expect(fields[1]?.target).toEqual({ group: 'core', resource: 'persistentvolumes', name: 'pv-1', namespace: '' });
  });
  it('gives custom resources their spec and status tree, built-in kinds their own sections', () => {
    expect(sectionsFor('example.com', 'widgets', false).map((s) => s.name)).toEqual(['SpecStatusTree']);
    expect(sectionsFor('core', 'pods', true).map((s) => s.name)).toEqual(['PodUsage', 'Containers', 'Volumes']);
    expect(sectionsFor('argoproj.io', 'applications', false).map((s) => s.name)).toEqual(['ArgoResources', 'SpecStatusTree']);
  });
  it('reads the well-known CRDs: Argo CD sync and health, cert-manager readiness and expiry, ServiceMonitor selectors', () => {
    const app = { spec: { source: { repoURL: 'https://git.example/app', path: 'deploy', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, project: 'default' }, status: { sync: { status: 'OutOfSync', revision: 'abc123' }, health: { status: 'Degraded' } } };
    expect(Object.fromEntries(keyFields('argoproj.io', 'applications', app).map((f) => [f.label, f.value]))).toMatchObject({
      Sync: 'OutOfSync',
      Health: 'Degraded',
      Source: 'https://git.example/app · deploy',
      Destination: 'https://kubernetes.default.svc · shop',
    });
    const cert = { spec: { secretName: 'shop-tls', issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' }, dnsNames: ['shop.example'] }, status: { notAfter: '2027-01-01T00:00:00Z', conditions: [{ type: 'Ready', status: 'False', reason: 'Expired' }] } };
    const certFields = keyFields('cert-manager.io', 'certificates', cert);
    expect(certFields.find((f) => f.label === 'Ready')?.value).toBe('False (Expired)');
    expect(certFields.find((f) => f.label === 'Issuer')?.value).toBe('ClusterIssuer/letsencrypt');
    expect(certFields.find((f) => f.label === 'Secret')?.target).toEqual({ group: 'core', resource: 'secrets', name: 'shop-tls' });
    expect(keyFields('cert-manager.io', 'clusterissuers', { spec: { acme: { server: 'https://acme.example' } } }).map((f) => f.value)).toEqual(['acme', 'https://acme.example']);
    const monitor = { spec: { selector: { matchLabels: { app: 'shop' } }, namespaceSelector: { any: true } } };
    expect(keyFields('monitoring.coreos.com', 'servicemonitors', monitor).map((f) => [f.label, f.value])).toEqual([
      ['Selector', 'app=shop'],
      ['Namespaces', 'any'],
    ]);
  });
  it('counts days until a time', () => {
    expect(daysUntil('2026-01-11T00:00:00Z', Date.parse('2026-01-01T00:00:00Z'))).toBe(10);
    expect(daysUntil('never')).toBeNull();
  });
});
