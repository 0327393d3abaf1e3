// Drift: while the user edits, someone else changed the object. Pure: which fields they
// changed (as opened → theirs), and which of those the user changed too (as opened → mine).

import { parse } from 'yaml';

/** Fields the server and controllers rewrite all the time: changes there are not drift. */
const IGNORED = new Set(['.metadata.resourceVersion', '.metadata.generation', '.metadata.managedFields', '.status']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The paths (`.spec.replicas`, `.spec.containers[0].image`) where `a` and `b` differ, leaves first found. */
export function changedPaths(a: unknown, b: unknown, at = ''): string[] {
  if (IGNORED.has(at)) return [];
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => changedPaths(a[k], b[k], `${at}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => changedPaths(item, b[i], `${at}[${i}]`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at || '.'];
}

/** What someone else changed while the user edited. */
export interface Drift {
  /** Fields changed as opened → theirs. */
  theirs: string[];
  /** Of those, the ones the user changed too (opened → mine): applying would overwrite them. */
  overlap: string[];
}

function parseOrUndefined(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

const within = (path: string, other: string) => path === other || path.startsWith(`${other}.`) || path.startsWith(`${other}[`);

/** The drift between the three texts; undefined when they did not change anything that counts. */
export function driftOf(opened: string, theirs: string, mine: string): Drift | undefined {
  const base = parseOrUndefined(opened);
  const changed = changedPaths(base, parseOrUndefined(theirs));
  if (changed.length === 0) return undefined;
  // A half-typed buffer that does not parse overlaps nothing we can name.
  const mineParsed = parseOrUndefined(mine);
  const edited = mineParsed === undefined ? [] : changedPaths(base, mineParsed);
  const overlap = changed.filter((p) => edited.some((e) => within(p, e) || within(e, p)));
  return { theirs: changed, overlap };
}
