// Objects as the preview shows them: YAML without the server's bookkeeping.

import { stringify } from 'yaml';

/** `object` as YAML, without `metadata.managedFields` (bulky; the glyphs show ownership). */
export function objectYaml(object: Record<string, unknown> | undefined): string {
  if (!object) return '';
  const metadata = object.metadata;
  const copy = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? { ...object, metadata: { ...metadata } } : { ...object };
  if (copy.metadata && typeof copy.metadata === 'object') delete (copy.metadata as Record<string, unknown>).managedFields;
  return stringify(copy, { lineWidth: 0 });
}

/** The `metadata.resourceVersion` written in a YAML text (the object as opened), else ''. */
export function resourceVersionOf(text: string): string {
  const m = /^ {2}resourceVersion: ["']?([^"'\s]+)["']?\s*$/m.exec(text);
  return m?.[1] ?? '';
}
