// The describe view's key fields per kind: data, one table, read by DescribeFields. A field is
// a label and where its value is; a field naming another object links to it.

import { at, type Json, records, stringMap, taintText } from './model';

/** Another object a field names: the describe view links to it when the catalog lists its kind. */
export interface Target {
  group: string;
  resource: string;
  /** Namespaced targets live in the described object's namespace unless given. */
  namespace?: string;
  name: string;
}

/** One key field: its label, its value as text (absent: not shown), and what it names. */
export interface Field {
  label: string;
  value: (o: Json) => string | undefined;
  link?: (o: Json) => Target | null;
}

const show = (v: unknown): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : undefined;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Json);
    return entries.length ? entries.map(([k, x]) => `${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join(', ') : undefined;
  }
  return String(v);
};

/** A field read from a path. */
const f = (label: string, ...path: string[]): Field => ({ label, value: (o) => show(at(o, path)) });

/** A field read from a path that names an object of `group/resource`. */
const ref = (label: string, group: string, resource: string, path: string[], namespaced = true): Field => ({
  label,
  value: (o) => show(at(o, path)),
  link: (o) => {
    const name = at(o, path);
    if (typeof name !== 'string' || !name) return null;
    return { group, resource, name, ...(namespaced ? {} : { namespace: '' }) };
  },
});

/** A field computed from the object. */
const calc = (label: string, value: (o: Json) => unknown): Field => ({ label, value: (o) => show(value(o)) });

const annotation = (label: string, key: string): Field => calc(label, (o) => stringMap(at(o, ['metadata', 'annotations']))[key]);

const selector = (label: string, ...path: string[]): Field =>
  calc(label, (o) => {
    const sel = at(o, path) as Json | undefined;
    if (!sel) return undefined;
    const labels = Object.entries(stringMap(sel.matchLabels ?? (sel.matchExpressions ? {} : sel))).map(([k, v]) => `${k}=${v}`);
    const exprs = records(sel.matchExpressions).map((e) => `${String(e.key)} ${String(e.operator)} (${(Array.isArray(e.values) ? e.values : []).join(',')})`);
    const all = [...labels, ...exprs];
    return all.length ? all.join(', ') : '(everything)';
  });

const condition = (label: string, type: string): Field =>
  calc(label, (o) => {
    const c = records(at(o, ['status', 'conditions'])).find((x) => x.type === type);
    return c ? `${String(c.status)}${c.reason ? ` (${String(c.reason)})` : ''}` : undefined;
  });

const lbAddresses = (o: Json) => records(at(o, ['status', 'loadBalancer', 'ingress'])).map((i) => i.ip ?? i.hostname);

/** Key fields per kind, by `group/resource` (the core group is `core`). */
export const KIND_FIELDS: Record<string, Field[]> = {
  'core/pods': [
    calc('Status', (o) => [at(o, ['status', 'phase']), at(o, ['status', 'reason'])].filter(Boolean).join(' · ')),
    ref('Node', 'core', 'nodes', ['spec', 'nodeName'], false),
    f('Pod IP', 'status', 'podIP'),
    f('Host IP', 'status', 'hostIP'),
    f('QoS class', 'status', 'qosClass'),
    ref('Service account', 'core', 'serviceaccounts', ['spec', 'serviceAccountName']),
    ref('Priority class', 'scheduling.k8s.io', 'priorityclasses', ['spec', 'priorityClassName'], false),
    ref('Runtime class', 'node.k8s.io', 'runtimeclasses', ['spec', 'runtimeClassName'], false),
    f('Restart policy', 'spec', 'restartPolicy'),
    f('Started', 'status', 'startTime'),
    calc('Node selector', (o) => at(o, ['spec', 'nodeSelector'])),
    calc('Tolerations', (o) => records(at(o, ['spec', 'tolerations'])).map(taintText)),
  ],
  'apps/deployments': [
    f('Replicas', 'spec', 'replicas'),
    f('Strategy', 'spec', 'strategy', 'type'),
    calc('Max surge / unavailable', (o) => {
      const r = at(o, ['spec', 'strategy', 'rollingUpdate']) as Json | undefined;
      return r ? `${String(r.maxSurge ?? '25%')} / ${String(r.maxUnavailable ?? '25%')}` : undefined;
    }),
    f('Min ready seconds', 'spec', 'minReadySeconds'),
    f('Progress deadline', 'spec', 'progressDeadlineSeconds'),
    annotation('Revision', 'deployment.kubernetes.io/revision'),
    selector('Selector', 'spec', 'selector'),
    f('Paused', 'spec', 'paused'),
  ],
  'apps/statefulsets': [
    f('Replicas', 'spec', 'replicas'),
    ref('Service', 'core', 'services', ['spec', 'serviceName']),
    f('Pod management', 'spec', 'podManagementPolicy'),
    f('Update strategy', 'spec', 'updateStrategy', 'type'),
    f('Current revision', 'status', 'currentRevision'),
    f('Update revision', 'status', 'updateRevision'),
    selector('Selector', 'spec', 'selector'),
  ],
  'apps/daemonsets': [
    f('Desired scheduled', 'status', 'desiredNumberScheduled'),
    f('Currently scheduled', 'status', 'currentNumberScheduled'),
    f('Misscheduled', 'status', 'numberMisscheduled'),
    f('Update strategy', 'spec', 'updateStrategy', 'type'),
    selector('Selector', 'spec', 'selector'),
  ],
  'apps/replicasets': [
    f('Replicas', 'spec', 'replicas'),
    f('Current', 'status', 'replicas'),
    f('Ready', 'status', 'readyReplicas'),
    f('Available', 'status', 'availableReplicas'),
    selector('Selector', 'spec', 'selector'),
  ],
  'batch/jobs': [
    f('Completions', 'spec', 'completions'),
    f('Parallelism', 'spec', 'parallelism'),
    f('Active', 'status', 'active'),
    f('Succeeded', 'status', 'succeeded'),
    f('Failed', 'status', 'failed'),
    f('Backoff limit', 'spec', 'backoffLimit'),
    f('Started', 'status', 'startTime'),
    f('Completed', 'status', 'completionTime'),
    f('Suspended', 'spec', 'suspend'),
    selector('Selector', 'spec', 'selector'),
  ],
  'batch/cronjobs': [
    f('Schedule', 'spec', 'schedule'),
    f('Time zone', 'spec', 'timeZone'),
    f('Suspended', 'spec', 'suspend'),
    f('Concurrency policy', 'spec', 'concurrencyPolicy'),
    f('Last schedule', 'status', 'lastScheduleTime'),
    f('Last success', 'status', 'lastSuccessfulTime'),
    calc('Active jobs', (o) => records(at(o, ['status', 'active'])).map((j) => j.name)),
    f('History kept (ok / failed)', 'spec', 'successfulJobsHistoryLimit'),
  ],
  'autoscaling/horizontalpodautoscalers': [
    calc('Scale target', (o) => {
      const t = at(o, ['spec', 'scaleTargetRef']) as Json | undefined;
      return t ? `${String(t.kind)}/${String(t.name)}` : undefined;
    }),
    f('Min replicas', 'spec', 'minReplicas'),
    f('Max replicas', 'spec', 'maxReplicas'),
    f('Current replicas', 'status', 'currentReplicas'),
    f('Desired replicas', 'status', 'desiredReplicas'),
    f('Last scaled', 'status', 'lastScaleTime'),
  ],
  'policy/poddisruptionbudgets': [
    f('Min available', 'spec', 'minAvailable'),
    f('Max unavailable', 'spec', 'maxUnavailable'),
    f('Current healthy', 'status', 'currentHealthy'),
    f('Desired healthy', 'status', 'desiredHealthy'),
    f('Disruptions allowed', 'status', 'disruptionsAllowed'),
    f('Expected pods', 'status', 'expectedPods'),
    selector('Selector', 'spec', 'selector'),
  ],
  'core/services': [
    f('Type', 'spec', 'type'),
    calc('Cluster IPs', (o) => at(o, ['spec', 'clusterIPs']) ?? at(o, ['spec', 'clusterIP'])),
    f('External IPs', 'spec', 'externalIPs'),
    f('External name', 'spec', 'externalName'),
    calc('Load balancer', lbAddresses),
    f('Session affinity', 'spec', 'sessionAffinity'),
    f('External traffic policy', 'spec', 'externalTrafficPolicy'),
    f('Internal traffic policy', 'spec', 'internalTrafficPolicy'),
    selector('Selector', 'spec', 'selector'),
  ],
  'networking.k8s.io/ingresses': [
    ref('Ingress class', 'networking.k8s.io', 'ingressclasses', ['spec', 'ingressClassName'], false),
    calc('Load balancer', lbAddresses),
    calc('TLS', (o) => records(at(o, ['spec', 'tls'])).map((t) => `${(Array.isArray(t.hosts) ? t.hosts : []).join(',')} → ${String(t.secretName ?? '')}`)),
  ],
  'networking.k8s.io/ingressclasses': [
    f('Controller', 'spec', 'controller'),
    annotation('Default class', 'ingressclass.kubernetes.io/is-default-class'),
    calc('Parameters', (o) => {
      const p = at(o, ['spec', 'parameters']) as Json | undefined;
      return p ? `${String(p.kind)}/${String(p.name)}` : undefined;
    }),
  ],
  'discovery.k8s.io/endpointslices': [
    f('Address type', 'addressType'),
    ref('Service', 'core', 'services', ['metadata', 'labels', 'kubernetes.io/service-name']),
    annotation('Managed by', 'endpointslice.kubernetes.io/managed-by'),
    calc('Ports', (o) => records(o.ports).map((p) => `${String(p.name ?? '')} ${String(p.port)}/${String(p.protocol ?? 'TCP')}`.trim())),
  ],
  'networking.k8s.io/networkpolicies': [
    selector('Pod selector', 'spec', 'podSelector'),
    f('Policy types', 'spec', 'policyTypes'),
  ],
  'core/configmaps': [f('Immutable', 'immutable')],
  'core/secrets': [f('Type', 'type'), f('Immutable', 'immutable')],
  'core/serviceaccounts': [
    f('Automount token', 'automountServiceAccountToken'),
    calc('Image pull secrets', (o) => records(o.imagePullSecrets).map((s) => s.name)),
    calc('Secrets', (o) => records(o.secrets).map((s) => s.name)),
  ],
  'rbac.authorization.k8s.io/clusterroles': [
    calc('Aggregates', (o) => records(at(o, ['aggregationRule', 'clusterRoleSelectors'])).map((s) => stringMap(s.matchLabels))),
  ],
  'core/namespaces': [f('Status', 'status', 'phase')],
  'core/nodes': [
    f('Unschedulable', 'spec', 'unschedulable'),
    calc('Addresses', (o) => records(at(o, ['status', 'addresses'])).map((a) => `${String(a.type)}: ${String(a.address)}`)),
    f('Kubelet', 'status', 'nodeInfo', 'kubeletVersion'),
    f('OS image', 'status', 'nodeInfo', 'osImage'),
    f('Kernel', 'status', 'nodeInfo', 'kernelVersion'),
    f('Container runtime', 'status', 'nodeInfo', 'containerRuntimeVersion'),
    f('Architecture', 'status', 'nodeInfo', 'architecture'),
    f('Pod CIDR', 'spec', 'podCIDR'),
    f('Provider ID', 'spec', 'providerID'),
  ],
  'core/persistentvolumes': [
    f('Status', 'status', 'phase'),
    f('Capacity', 'spec', 'capacity', 'storage'),
    f('Access modes', 'spec', 'accessModes'),
    f('Reclaim policy', 'spec', 'persistentVolumeReclaimPolicy'),
    f('Volume mode', 'spec', 'volumeMode'),
    {
      label: 'Claim',
      value: (o) => show(at(o, ['spec', 'claimRef', 'name']) ? `${String(at(o, ['spec', 'claimRef', 'namespace']))}/${String(at(o, ['spec', 'claimRef', 'name']))}` : undefined),
      link: (o) => {
        const name = at(o, ['spec', 'claimRef', 'name']);
        const namespace = at(o, ['spec', 'claimRef', 'namespace']);
        return typeof name === 'string' && typeof namespace === 'string' ? { group: 'core', resource: 'persistentvolumeclaims', namespace, name } : null;
      },
    },
    ref('Storage class', 'storage.k8s.io', 'storageclasses', ['spec', 'storageClassName'], false),
    calc('Source', (o) => Object.keys((o.spec ?? {}) as Json).find((k) => ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk'].includes(k))),
  ],
  'core/persistentvolumeclaims': [
    f('Status', 'status', 'phase'),
    ref('Volume', 'core', 'persistentvolumes', ['spec', 'volumeName'], false),
    f('Capacity', 'status', 'capacity', 'storage'),
    f('Requested', 'spec', 'resources', 'requests', 'storage'),
    f('Access modes', 'spec', 'accessModes'),
    ref('Storage class', 'storage.k8s.io', 'storageclasses', ['spec', 'storageClassName'], false),
    f('Volume mode', 'spec', 'volumeMode'),
  ],
  'storage.k8s.io/storageclasses': [
    f('Provisioner', 'provisioner'),
    f('Reclaim policy', 'reclaimPolicy'),
    f('Binding mode', 'volumeBindingMode'),
    f('Allow expansion', 'allowVolumeExpansion'),
    annotation('Default class', 'storageclass.kubernetes.io/is-default-class'),
    calc('Parameters', (o) => o.parameters),
    f('Mount options', 'mountOptions'),
  ],
  'core/resourcequotas': [f('Scopes', 'spec', 'scopes')],
  'scheduling.k8s.io/priorityclasses': [
    f('Value', 'value'),
    f('Global default', 'globalDefault'),
    f('Preemption policy', 'preemptionPolicy'),
    f('Description', 'description'),
  ],
  'node.k8s.io/runtimeclasses': [
    f('Handler', 'handler'),
    calc('Overhead', (o) => at(o, ['overhead', 'podFixed'])),
    calc('Node selector', (o) => at(o, ['scheduling', 'nodeSelector'])),
    calc('Tolerations', (o) => records(at(o, ['scheduling', 'tolerations'])).map(taintText)),
  ],
  'core/events': [
    calc('Object', (o) => (at(o, ['involvedObject', 'name']) ? `${String(at(o, ['involvedObject', 'kind']))}/${String(at(o, ['involvedObject', 'name']))}` : undefined)),
    f('Type', 'type'),
    f('Reason', 'reason'),
    f('Message', 'message'),
    f('Count', 'count'),
    f('First seen', 'firstTimestamp'),
    calc('Last seen', (o) => o.lastTimestamp ?? o.eventTime),
    calc('Source', (o) => at(o, ['source', 'component']) ?? o.reportingComponent),
  ],
  'events.k8s.io/events': [
    calc('Object', (o) => (at(o, ['regarding', 'name']) ? `${String(at(o, ['regarding', 'kind']))}/${String(at(o, ['regarding', 'name']))}` : undefined)),
    f('Type', 'type'),
    f('Reason', 'reason'),
    f('Note', 'note'),
    f('Action', 'action'),
    calc('Count', (o) => at(o, ['series', 'count']) ?? at(o, ['deprecatedCount'])),
    f('When', 'eventTime'),
    f('Controller', 'reportingController'),
  ],
  // Well-known CRDs.
  'argoproj.io/applications': [
    f('Sync', 'status', 'sync', 'status'),
    f('Health', 'status', 'health', 'status'),
    f('Revision', 'status', 'sync', 'revision'),
    calc('Source', (o) => [at(o, ['spec', 'source', 'repoURL']), at(o, ['spec', 'source', 'path']) ?? at(o, ['spec', 'source', 'chart'])].filter(Boolean).join(' · ')),
    f('Target revision', 'spec', 'source', 'targetRevision'),
    calc('Destination', (o) => [at(o, ['spec', 'destination', 'server']) ?? at(o, ['spec', 'destination', 'name']), at(o, ['spec', 'destination', 'namespace'])].filter(Boolean).join(' · ')),
    f('Project', 'spec', 'project'),
    f('Operation', 'status', 'operationState', 'phase'),
  ],
  'cert-manager.io/certificates': [
    condition('Ready', 'Ready'),
    f('Not after', 'status', 'notAfter'),
    f('Renewal', 'status', 'renewalTime'),
    ref('Secret', 'core', 'secrets', ['spec', 'secretName']),
    calc('Issuer', (o) => `${String(at(o, ['spec', 'issuerRef', 'kind']) ?? 'Issuer')}/${String(at(o, ['spec', 'issuerRef', 'name']))}`),
    f('DNS names', 'spec', 'dnsNames'),
    f('Common name', 'spec', 'commonName'),
  ],
  'cert-manager.io/issuers': [condition('Ready', 'Ready'), calc('Type', (o) => issuerType(o)), f('ACME server', 'spec', 'acme', 'server'), f('ACME email', 'spec', 'acme', 'email')],
  'cert-manager.io/clusterissuers': [condition('Ready', 'Ready'), calc('Type', (o) => issuerType(o)), f('ACME server', 'spec', 'acme', 'server'), f('ACME email', 'spec', 'acme', 'email')],
  'monitoring.coreos.com/servicemonitors': [
    selector('Selector', 'spec', 'selector'),
    calc('Namespaces', (o) => (at(o, ['spec', 'namespaceSelector', 'any']) ? 'any' : at(o, ['spec', 'namespaceSelector', 'matchNames']))),
    f('Job label', 'spec', 'jobLabel'),
  ],
};

function issuerType(o: Json): string | undefined {
  return Object.keys((o.spec ?? {}) as Json).find((k) => ['acme', 'ca', 'selfSigned', 'vault', 'venafi'].includes(k));
}

/** The key fields of an object of `group/resource` that it has, with their values and links. */
export function keyFields(group: string, resource: string, object: Json): { label: string; value: string; target: Target | null }[] {
  const fields = KIND_FIELDS[`${group === '' ? 'core' : group}/${resource}`] ?? [];
  return fields.flatMap((field) => {
    const value = field.value(object);
    if (value === undefined) return [];
    return [{ label: field.label, value, target: field.link?.(object) ?? null }];
  });
}
