// From a document's identity to the object URL it applies to, using the cluster's kinds
// (`GET /api/clusters/{c}/kinds`: plural, group, scope). Pure.

import type { KindEntry } from '../lib/kinds';
import { type KindRef, objectPath } from '../lib/resources';
import type { Identity, Problem } from './documents';

/** A document resolved to one object of the cluster. */
export interface Target {
  ref: KindRef;
  kind: string;
  namespaced: boolean;
  name: string;
  /** Undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  /** `{obj}`: the object's API path. */
  path: string;
}

/** `apps/v1` → group `apps`, version `v1`; `v1` → `core`, `v1`. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: 'core', version: apiVersion };
  return { group: apiVersion.slice(0, slash) || 'core', version: apiVersion.slice(slash + 1) };
}

/**
 * The object `id` names in `cluster`: its kind looked up by group and kind name (the version
 * is the document's own), its namespace the document's or `defaultNamespace` for namespaced kinds.
 */
export function resolveTarget(cluster: string, catalog: KindEntry[], id: Identity, line: number, defaultNamespace: string): Target | Problem {
  const { group, version } = splitApiVersion(id.apiVersion);
  const entry = catalog.find((e) => e.kind === id.kind && e.group === group);
  if (!entry) return { line, message: `${id.kind} (${id.apiVersion}) is not a kind cluster ${cluster} serves` };
  if (!entry.namespaced && id.namespace) return { line, message: `${id.kind} is cluster-scoped but metadata.namespace is ${id.namespace}` };
  const namespace = entry.namespaced ? id.namespace || defaultNamespace.trim() : undefined;
  if (entry.namespaced && !namespace) return { line, message: `${id.kind} is namespaced: give metadata.namespace or a default namespace` };
  const ref = { group, version, resource: entry.resource };
  return { ref, kind: id.kind, namespaced: entry.namespaced, name: id.name, namespace, path: objectPath(cluster, ref, namespace, id.name) };
}

/** The document with its namespace filled in (as kubectl does with `-n`). */
export function withNamespace(value: Record<string, unknown>, target: Target): Record<string, unknown> {
  if (!target.namespace) return value;
  const metadata = (value.metadata ?? {}) as Record<string, unknown>;
  if (metadata.namespace === target.namespace) return value;
  return { ...value, metadata: { ...metadata, namespace: target.namespace } };
}

/**
 * What the can-i pre-flight asks for a target. Apply is a PATCH: an existing object needs
 * `patch`; a new one `create` as well.
 */
export function accessChecks(target: Target, exists: boolean) {
  const check = (verb: string) => ({
    verb,
    group: target.ref.group === 'core' ? '' : target.ref.group,
    resource: target.ref.resource,
    namespace: target.namespace ?? '',
    name: verb === 'create' ? '' : target.name,
  });
  return exists ? [check('patch')] : [check('create'), check('patch')];
}
