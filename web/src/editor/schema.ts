// The JSON schema of one kind, cut out of the cluster's OpenAPI v3 document (our proxy of
// `/openapi/v3/{api/v1 | apis/group/version}`), for monaco-yaml: completion, markers, hover.

import type { JSONSchema } from 'monaco-yaml';

export { openapiPath } from './load';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const REF = '#/components/schemas/';

/** The component name whose `x-kubernetes-group-version-kind` is this kind. */
function componentOf(schemas: Json, apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return Object.keys(schemas).find((name) => {
    const gvks = (schemas[name] as Json | undefined)?.['x-kubernetes-group-version-kind'];
    return Array.isArray(gvks) && gvks.some((g: unknown) => isRecord(g) && g.group === group && g.version === version && g.kind === kind);
  });
}

/**
 * `value` with every `$ref` to a component rewritten to `#/definitions/…`; the names it refers
 * to are added to `seen` (and queued in `todo`).
 */
function rewrite(value: unknown, seen: Set<string>, todo: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, seen, todo));
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) {
      const name = v.slice(REF.length);
      if (!seen.has(name)) {
        seen.add(name);
        todo.push(name);
      }
      out.$ref = `#/definitions/${name}`;
    } else {
      out[k] = rewrite(v, seen, todo);
    }
  }
  return out;
}

/**
 * The schema of `kind` in `document` with only the components it reaches (as `definitions`),
 * or undefined when the document does not describe the kind.
 */
export function kindSchema(document: unknown, apiVersion: string, kind: string): JSONSchema | undefined {
  const schemas = isRecord(document) && isRecord(document.components) && isRecord(document.components.schemas) ? document.components.schemas : undefined;
  if (!schemas) return undefined;
  const root = componentOf(schemas, apiVersion, kind);
  if (!root) return undefined;
  // The root is a definition too only when something refers back to it (an owner's object).
  const seen = new Set<string>();
  const todo: string[] = [];
  const top = rewrite(schemas[root], seen, todo) as Json;
  const definitions: Json = {};
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    definitions[name] = rewrite(schemas[name] ?? {}, seen, todo);
  }
  return { ...top, definitions } as JSONSchema;
}
