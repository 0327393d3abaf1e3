// What the describe views compute from an object: pure functions over its JSON, unit tested.
// Each mirrors what `kubectl describe` derives, so the console and the terminal agree.

export type Json = Record<string, unknown>;

/** The value at `path` in `obj`, or undefined. */
export function at(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), obj);
}

/** `value` as an array of objects (anything else: empty). */
export function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => !!v && typeof v === 'object') : [];
}

/** `value` as a string map (anything else: empty). */
export function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

// ---------------------------------------------------------------------------------------------
// Quantities

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `1Gi`, `1e3`, `2`) as a number; NaN when it is not one. */
export function parseQuantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(value.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? Number.NaN);
}

/** The share `used` is of `hard` (0..), or null when either is not a quantity or hard is 0. */
export function usedShare(used: unknown, hard: unknown): number | null {
  const u = parseQuantity(used ?? '0');
  const h = parseQuantity(hard);
  if (!Number.isFinite(u) || !Number.isFinite(h) || h <= 0) return null;
  return u / h;
}

/** One row of a ResourceQuota: resource, used, hard, and the share used. */
export interface QuotaRow {
  resource: string;
  used: string;
  hard: string;
  share: number | null;
}

/** A ResourceQuota's resources in name order, as `kubectl describe quota` lists them. */
export function quotaRows(quota: Json): QuotaRow[] {
  const hard = stringMap(at(quota, ['status', 'hard']) ?? at(quota, ['spec', 'hard']));
  const used = stringMap(at(quota, ['status', 'used']));
  return Object.keys(hard)
    .sort()
    .map((resource) => ({ resource, used: used[resource] ?? '0', hard: hard[resource] ?? '', share: usedShare(used[resource] ?? '0', hard[resource]) }));
}

// ---------------------------------------------------------------------------------------------
// Pods

/** How one container is doing: its state, why, and since when. */
export interface ContainerState {
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason: string;
  message: string;
  exitCode: number | null;
  since: string;
}

function stateOf(state: unknown): ContainerState | null {
  for (const kind of ['running', 'waiting', 'terminated'] as const) {
    const s = at(state, [kind]) as Json | undefined;
    if (!s) continue;
    return {
      state: kind,
      reason: text(s.reason),
      message: text(s.message),
      exitCode: typeof s.exitCode === 'number' ? s.exitCode : null,
      since: text(s.startedAt ?? s.finishedAt),
    };
  }
  return null;
}

/** Where an environment variable's value comes from; a Secret's value is never read. */
export type EnvSource =
  | { kind: 'value'; value: string }
  | { kind: 'secret' | 'configMap'; name: string; key: string; optional: boolean }
  | { kind: 'field'; path: string }
  | { kind: 'resource'; resource: string; container: string };

export interface EnvVar {
  name: string;
  source: EnvSource;
}

/** One container of a pod, with everything `kubectl describe pod` shows about it. */
export interface ContainerInfo {
  name: string;
  role: 'init' | 'sidecar' | 'app' | 'ephemeral';
  image: string;
  ready: boolean | null;
  restarts: number;
  current: ContainerState | null;
  last: ContainerState | null;
  ports: string[];
  probes: { kind: string; text: string }[];
  requests: Record<string, string>;
  limits: Record<string, string>;
  env: EnvVar[];
  envFrom: { kind: 'secret' | 'configMap'; name: string; prefix: string }[];
  mounts: { name: string; path: string; readOnly: boolean; subPath: string }[];
  command: string[];
}

function envSource(env: Json): EnvSource {
  const from = env.valueFrom as Json | undefined;
  if (!from) return { kind: 'value', value: text(env.value) };
  const secret = from.secretKeyRef as Json | undefined;
  if (secret) return { kind: 'secret', name: text(secret.name), key: text(secret.key), optional: secret.optional === true };
  const cm = from.configMapKeyRef as Json | undefined;
  if (cm) return { kind: 'configMap', name: text(cm.name), key: text(cm.key), optional: cm.optional === true };
  const field = from.fieldRef as Json | undefined;
  if (field) return { kind: 'field', path: text(field.fieldPath) };
  const res = from.resourceFieldRef as Json | undefined;
  return { kind: 'resource', resource: text(res?.resource), container: text(res?.containerName) };
}

/** A probe as `kubectl describe` writes it: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function probeText(probe: Json): string {
  let action = 'unknown';
  const http = probe.httpGet as Json | undefined;
  const tcp = probe.tcpSocket as Json | undefined;
  const exec = probe.exec as Json | undefined;
  const grpc = probe.grpc as Json | undefined;
  if (http) action = `http-get ${text(http.scheme || 'HTTP').toLowerCase()}://${text(http.host)}:${text(http.port)}${text(http.path)}`;
  else if (tcp) action = `tcp-socket ${text(tcp.host)}:${text(tcp.port)}`;
  else if (exec) action = `exec [${(Array.isArray(exec.command) ? exec.command : []).map(text).join(' ')}]`;
  else if (grpc) action = `grpc <pod>:${text(grpc.port)} ${text(grpc.service)}`.trim();
  const n = (key: string, fallback: number) => (typeof probe[key] === 'number' ? (probe[key] as number) : fallback);
  return `${action} delay=${n('initialDelaySeconds', 0)}s timeout=${n('timeoutSeconds', 1)}s period=${n('periodSeconds', 10)}s #success=${n('successThreshold', 1)} #failure=${n('failureThreshold', 3)}`;
}

/** A pod's containers (init, then app, then ephemeral), joined with their statuses by name. */
export function podContainers(pod: Json): ContainerInfo[] {
  const statuses = new Map<string, Json>();
  for (const list of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    for (const s of records(at(pod, ['status', list]))) statuses.set(text(s.name), s);
  }
  const out: ContainerInfo[] = [];
  const add = (c: Json, role: ContainerInfo['role']) => {
    const status = statuses.get(text(c.name));
    const res = (c.resources ?? {}) as Json;
    out.push({
      name: text(c.name),
      role: role === 'init' && c.restartPolicy === 'Always' ? 'sidecar' : role,
      image: text(c.image),
      ready: typeof status?.ready === 'boolean' ? status.ready : null,
      restarts: typeof status?.restartCount === 'number' ? status.restartCount : 0,
      current: stateOf(status?.state),
      last: stateOf(status?.lastState),
      ports: records(c.ports).map((p) => `${text(p.containerPort)}/${text(p.protocol || 'TCP')}${p.name ? ` (${text(p.name)})` : ''}`),
      probes: (['startupProbe', 'livenessProbe', 'readinessProbe'] as const)
        .filter((k) => c[k] && typeof c[k] === 'object')
        .map((k) => ({ kind: k.replace('Probe', ''), text: probeText(c[k] as Json) })),
      requests: stringMap(res.requests),
      limits: stringMap(res.limits),
      env: records(c.env).map((e) => ({ name: text(e.name), source: envSource(e) })),
      envFrom: records(c.envFrom).flatMap((e): ContainerInfo['envFrom'] => {
        const prefix = text(e.prefix);
        if (e.secretRef) return [{ kind: 'secret' as const, name: text((e.secretRef as Json).name), prefix }];
        if (e.configMapRef) return [{ kind: 'configMap' as const, name: text((e.configMapRef as Json).name), prefix }];
        return [];
      }),
      mounts: records(c.volumeMounts).map((m) => ({ name: text(m.name), path: text(m.mountPath), readOnly: m.readOnly === true, subPath: text(m.subPath) })),
      command: [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].map(text),
    });
  };
  for (const c of records(at(pod, ['spec', 'initContainers']))) add(c, 'init');
  for (const c of records(at(pod, ['spec', 'containers']))) add(c, 'app');
  for (const c of records(at(pod, ['spec', 'ephemeralContainers']))) add(c, 'ephemeral');
  return out;
}

/** A reference from a volume to another object the describe view links to. */
export interface VolumeRef {
  resource: 'configmaps' | 'secrets' | 'persistentvolumeclaims';
  name: string;
}

/** One volume of a pod: its name, its type (the source's key) and what it reads. */
export interface VolumeInfo {
  name: string;
  type: string;
  detail: string;
  refs: VolumeRef[];
}

/** A pod's volumes, each with the objects it reads (projected volumes may read several). */
export function podVolumes(pod: Json): VolumeInfo[] {
  return records(at(pod, ['spec', 'volumes'])).map((v) => {
    const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    const src = (v[type] ?? {}) as Json;
    const refs: VolumeRef[] = [];
    let detail = '';
    if (type === 'configMap') refs.push({ resource: 'configmaps', name: text(src.name) });
    else if (type === 'secret') refs.push({ resource: 'secrets', name: text(src.secretName) });
    else if (type === 'persistentVolumeClaim') refs.push({ resource: 'persistentvolumeclaims', name: text(src.claimName) });
    else if (type === 'projected') {
      for (const s of records(src.sources)) {
        if (s.configMap) refs.push({ resource: 'configmaps', name: text((s.configMap as Json).name) });
        else if (s.secret) refs.push({ resource: 'secrets', name: text((s.secret as Json).name) });
      }
      const kinds = records(src.sources).map((s) => Object.keys(s)[0]);
      detail = kinds.join(', ');
    } else if (type === 'hostPath') detail = text(src.path);
    else if (type === 'emptyDir') detail = src.medium ? `medium ${text(src.medium)}` : src.sizeLimit ? `size limit ${text(src.sizeLimit)}` : '';
    else if (type === 'downwardAPI') detail = records(src.items).map((i) => text(i.path)).join(', ');
    return { name: text(v.name), type, detail, refs };
  });
}

// ---------------------------------------------------------------------------------------------
// Workload rollouts

/** A workload's rollout: counts, whether it is done, and when it is stuck, why in plain words. */
export interface Rollout {
  desired: number;
  updated: number;
  ready: number;
  available: number;
  done: boolean;
  /** Why the rollout does not progress, when it does not. */
  stuck: string | null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function condition(obj: Json, type: string): Json | undefined {
  return records(at(obj, ['status', 'conditions'])).find((c) => c.type === type);
}

/**
 * The rollout of a Deployment, StatefulSet or DaemonSet (`kind`), as `kubectl rollout status`
 * judges it, and why it is stuck: the progress deadline passed, pods cannot be created
 * (`ReplicaFailure`, e.g. a quota), or the controller has not seen the latest spec.
 */
export function rollout(kind: string, obj: Json): Rollout {
  const status = (obj.status ?? {}) as Json;
  const spec = (obj.spec ?? {}) as Json;
  const daemon = kind === 'DaemonSet';
  const desired = daemon ? num(status.desiredNumberScheduled) : typeof spec.replicas === 'number' ? spec.replicas : 1;
  const updated = daemon ? num(status.updatedNumberScheduled) : num(status.updatedReplicas);
  const ready = daemon ? num(status.numberReady) : num(status.readyReplicas);
  const available = daemon ? num(status.numberAvailable) : kind === 'StatefulSet' ? num(status.availableReplicas ?? status.readyReplicas) : num(status.availableReplicas);
  const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : null;
  const generation = at(obj, ['metadata', 'generation']);
  const seen = observed === null || typeof generation !== 'number' || observed >= generation;
  const done = seen && updated >= desired && available >= desired && (daemon || num(status.replicas) <= desired);
  let stuck: string | null = null;
  const progressing = condition(obj, 'Progressing');
  const failure = condition(obj, 'ReplicaFailure');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    stuck = `The rollout is stuck: ${text(progressing.message) || 'the progress deadline passed'}. ${updated} of ${desired} pods run the new template, ${available} available.`;
  } else if (failure?.status === 'True') {
    stuck = `Pods cannot be created: ${text(failure.message) || text(failure.reason)}`;
  } else if (!seen) {
    stuck = 'The controller has not yet acted on the latest change (observed generation is behind).';
  }
  return { desired, updated, ready, available, done: done && stuck === null, stuck };
}

// ---------------------------------------------------------------------------------------------
// RBAC

/** One row of a role's rules, as `kubectl describe role` prints them. */
export interface RuleRow {
  resource: string;
  nonResourceUrl: string;
  resourceName: string;
  verbs: string[];
}

/**
 * A role's rules broken down per (API group, resource, resource name) and per non-resource URL,
 * with the verbs of rows that differ only in verbs merged, sorted: `kubectl describe role`'s
 * table. A resource is named `resource.group` (the core group: `resource`).
 */
export function ruleRows(rules: unknown): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  const add = (resource: string, nonResourceUrl: string, resourceName: string, verbs: string[]) => {
    const key = `${resource}\u0000${nonResourceUrl}\u0000${resourceName}`;
    const row = rows.get(key) ?? { resource, nonResourceUrl, resourceName, verbs: [] };
    for (const v of verbs) if (!row.verbs.includes(v)) row.verbs.push(v);
    rows.set(key, row);
  };
  for (const rule of records(rules)) {
    const verbs = (Array.isArray(rule.verbs) ? rule.verbs : []).map(text);
    const groups = Array.isArray(rule.apiGroups) && rule.apiGroups.length > 0 ? rule.apiGroups.map(text) : [''];
    const names = Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0 ? rule.resourceNames.map(text) : [''];
    for (const resource of Array.isArray(rule.resources) ? rule.resources.map(text) : []) {
      for (const group of groups) {
        for (const name of names) add(group ? `${resource}.${group}` : resource, '', name, verbs);
      }
    }
    for (const url of Array.isArray(rule.nonResourceURLs) ? rule.nonResourceURLs.map(text) : []) add('', url, '', verbs);
  }
  return [...rows.values()].sort(
    (a, b) => a.resource.localeCompare(b.resource) || a.nonResourceUrl.localeCompare(b.nonResourceUrl) || a.resourceName.localeCompare(b.resourceName),
  );
}

// ---------------------------------------------------------------------------------------------
// Services and Ingresses

/** One backend an Ingress routes to, with where it is routed from. */
export interface IngressPath {
  host: string;
  path: string;
  service: string;
  port: string;
  /** A resource backend (not a Service): `Kind/name`. */
  resource: string;
}

/** An Ingress's rules and default backend as host × path → backend rows. */
export function ingressPaths(ingress: Json): IngressPath[] {
  const backend = (b: Json | undefined, host: string, path: string): IngressPath => {
    const svc = (b?.service ?? {}) as Json;
    const port = (svc.port ?? {}) as Json;
    const res = b?.resource as Json | undefined;
    return { host, path, service: text(svc.name), port: text(port.name ?? port.number), resource: res ? `${text(res.kind)}/${text(res.name)}` : '' };
  };
  const rows: IngressPath[] = [];
  const def = at(ingress, ['spec', 'defaultBackend']) as Json | undefined;
  if (def) rows.push(backend(def, '*', '(default)'));
  for (const rule of records(at(ingress, ['spec', 'rules']))) {
    for (const p of records(at(rule, ['http', 'paths']))) rows.push(backend(p.backend as Json | undefined, text(rule.host) || '*', text(p.path) || '/'));
  }
  return rows;
}

/** Whether a Service named by an Ingress backend resolves: it exists and has the port. */
export function backendProblem(path: IngressPath, service: Json | null): string | null {
  if (path.resource) return null;
  if (!service) return `Service ${path.service} does not exist`;
  const ports = records(at(service, ['spec', 'ports']));
  const ok = ports.some((p) => text(p.name) === path.port || text(p.port) === path.port);
  return ok ? null : `Service ${path.service} has no port ${path.port}`;
}

/** One endpoint address of a Service, from its EndpointSlices. */
export interface EndpointRow {
  address: string;
  ready: boolean;
  target: string;
  node: string;
}

/** The addresses of a Service's EndpointSlices, ready ones first. */
export function endpointRows(slices: Json[]): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const slice of slices) {
    for (const e of records(slice.endpoints)) {
      const ready = at(e, ['conditions', 'ready']) !== false;
      const target = e.targetRef as Json | undefined;
      for (const address of Array.isArray(e.addresses) ? e.addresses.map(text) : []) {
        rows.push({ address, ready, target: target ? text(target.name) : '', node: text(e.nodeName) });
      }
    }
  }
  return rows.sort((a, b) => Number(b.ready) - Number(a.ready) || a.address.localeCompare(b.address));
}

// ---------------------------------------------------------------------------------------------
// Nodes

/** A node resource's capacity and allocatable (cpu, memory, pods, ephemeral-storage, then the rest). */
export function nodeResources(node: Json): { resource: string; capacity: string; allocatable: string }[] {
  const capacity = stringMap(at(node, ['status', 'capacity']));
  const allocatable = stringMap(at(node, ['status', 'allocatable']));
  const first = ['cpu', 'memory', 'pods', 'ephemeral-storage'];
  const names = [...new Set([...Object.keys(capacity), ...Object.keys(allocatable)])].sort(
    (a, b) => (first.indexOf(a) + 1 || 99) - (first.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  return names.map((resource) => ({ resource, capacity: capacity[resource] ?? '', allocatable: allocatable[resource] ?? '' }));
}

/** Taints (or tolerations) as `key=value:Effect`. */
export function taintText(t: Json): string {
  const key = text(t.key);
  const value = t.value ? `=${text(t.value)}` : '';
  const op = t.operator === 'Exists' && !key ? '(any)' : `${key}${value}`;
  return t.effect ? `${op}:${text(t.effect)}` : op;
}

/** Whole days from `now` until `iso` (negative: past); null when it is not a time. */
export function daysUntil(iso: unknown, now: number = Date.now()): number | null {
  if (typeof iso !== 'string') return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor((t - now) / 86_400_000);
}
