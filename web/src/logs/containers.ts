// The containers a log view can pick from: a pod's own (init and ephemeral ones too), or a
// workload's pod template. Read defensively from the object as the apiserver gives it.

import type { KubeObject } from '../api/endpoints';

export interface ContainerChoice {
  name: string;
  kind: 'container' | 'init' | 'ephemeral';
}

const DEFAULT_ANNOTATION = 'kubectl.kubernetes.io/default-container';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c) => record(c).name).filter((n): n is string => typeof n === 'string' && n !== '') : [];
}

/** The pod spec an object of `resource` carries (a pod's own, a template's, a CronJob's job template's). */
function podSpec(resource: string, object: KubeObject | undefined): { spec: Record<string, unknown>; meta: Record<string, unknown> } {
  const spec = record(object?.spec);
  if (resource === 'pods') return { spec, meta: record(object?.metadata) };
  const template = resource === 'cronjobs' ? record(record(record(spec.jobTemplate).spec).template) : record(spec.template);
  return { spec: record(template.spec), meta: record(template.metadata) };
}

/** Containers first, then init containers, then ephemeral ones. */
export function containersOf(resource: string, object: KubeObject | undefined): ContainerChoice[] {
  const { spec } = podSpec(resource, object);
  return [
    ...names(spec.containers).map((name) => ({ name, kind: 'container' as const })),
    ...names(spec.initContainers).map((name) => ({ name, kind: 'init' as const })),
    ...names(spec.ephemeralContainers).map((name) => ({ name, kind: 'ephemeral' as const })),
  ];
}

/** The container the server streams when none is named: the annotation's, else the first. */
export function defaultContainer(resource: string, object: KubeObject | undefined): string | undefined {
  const { spec, meta } = podSpec(resource, object);
  const annotated = record(meta.annotations)[DEFAULT_ANNOTATION];
  const containers = names(spec.containers);
  if (typeof annotated === 'string' && containers.includes(annotated)) return annotated;
  return containers[0];
}
