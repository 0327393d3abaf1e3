// The fields the apiserver writes into an object (bookkeeping, status): dropped from a bulk
// download ("strip server fields") and from both sides of the apply preview's diff, so what is
// left is what a person would write and apply. Pure.

import { isMap, parseDocument } from 'yaml';

/** `metadata` keys the apiserver owns. */
export const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** Annotations written by tools, not by the object's author. */
export const TOOL_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `object` without server fields and `status`. */
export function stripObject(object: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...object };
  delete rest.status;
  if (!isRecord(rest.metadata)) return rest;
  const metadata: Record<string, unknown> = { ...rest.metadata };
  for (const key of SERVER_METADATA) delete metadata[key];
  if (isRecord(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    for (const key of TOOL_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    else metadata.annotations = annotations;
  }
  return { ...rest, metadata };
}

/**
 * `yaml` (one object's YAML, as `GET {obj}/yaml` answers) without server fields and `status`,
 * keeping the rest of the text as it was (order, quoting, comments).
 */
export function stripYaml(yaml: string): string {
  const doc = parseDocument(yaml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return yaml;
  doc.delete('status');
  const metadata = doc.get('metadata');
  if (isMap(metadata)) {
    for (const key of SERVER_METADATA) metadata.delete(key);
    const annotations = metadata.get('annotations');
    if (isMap(annotations)) {
      for (const key of TOOL_ANNOTATIONS) annotations.delete(key);
      if (annotations.items.length === 0) metadata.delete('annotations');
    }
  }
  return doc.toString({ lineWidth: 0 });
}
