// What the container picker offers: a pod's containers, init containers and ephemeral
// containers, with whether each runs, and the one `kubectl exec` would pick.

import { podSelection } from '../lib/selector';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

export interface ContainerChoice {
  name: string;
  kind: ContainerKind;
  /** `running`, `waiting: Reason`, `terminated: Reason`, or `unknown`. */
  state: string;
  running: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

function stateOf(status: Obj | undefined): { state: string; running: boolean } {
  const state = obj(status?.state);
  if ('running' in state) return { state: 'running', running: true };
  for (const key of ['waiting', 'terminated'] as const) {
    if (key in state) {
      const reason = obj(state[key]).reason;
      return { state: typeof reason === 'string' ? `${key}: ${reason}` : key, running: false };
    }
  }
  return { state: 'unknown', running: false };
}

/** A pod's containers in spec order: regular, then init, then ephemeral. */
export function podContainers(pod: Obj | undefined): ContainerChoice[] {
  const spec = obj(pod?.spec);
  const status = obj(pod?.status);
  const groups: [ContainerKind, string, string][] = [
    ['container', 'containers', 'containerStatuses'],
    ['init', 'initContainers', 'initContainerStatuses'],
    ['ephemeral', 'ephemeralContainers', 'ephemeralContainerStatuses'],
  ];
  return groups.flatMap(([kind, specKey, statusKey]) => {
    const statuses = list(status[statusKey]);
    return list(spec[specKey]).flatMap((c) => {
      if (typeof c.name !== 'string') return [];
      const name = c.name;
      return [{ name, kind, ...stateOf(statuses.find((s) => s.name === name)) }];
    });
  });
}

/** The `kubectl.kubernetes.io/default-container` annotation when it names a container, else the first regular one. */
export function defaultContainer(pod: Obj | undefined, choices: ContainerChoice[]): string | undefined {
  const annotations = obj(obj(pod?.metadata).annotations);
  const named = annotations['kubectl.kubernetes.io/default-container'];
  if (typeof named === 'string' && choices.some((c) => c.name === named)) return named;
  return choices.find((c) => c.kind === 'container')?.name ?? choices[0]?.name;
}

/** How a terminal is opened from an object page: in the pod itself, in one of a workload's pods, or not at all. */
export type ExecFit = { kind: 'pod' } | { kind: 'workload'; selector: string | null } | { kind: 'none' };

export function execFit(group: string, resource: string, object: Obj | undefined): ExecFit {
  if ((group === 'core' || group === '') && resource === 'pods') return { kind: 'pod' };
  if (resource === 'services') return { kind: 'none' };
  const pods = podSelection(group, resource, object);
  return pods.applies ? { kind: 'workload', selector: pods.selector } : { kind: 'none' };
}
