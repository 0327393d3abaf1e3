// The Apply YAML pipeline against the server: read each document's object (present or not),
// ask can-i (create or patch), dry-run it, then apply in order. Each step's answer is kept per
// document, so the dialog shows exactly what was sent and what came back.

import { stringify } from 'yaml';

import { ApiError, errorMessage } from '../api/client';
import { api, type KubeObject } from '../api/endpoints';
import type { KindEntry } from '../lib/kinds';
import { stripObject } from '../lib/serverFields';
import { mapPool } from '../bulk/file';
import { type DiffLine, lineDiff } from './diff';
import { identify, isProblem, type Problem, type SourceDoc, splitDocuments } from './documents';
import { accessChecks, resolveTarget, type Target, withNamespace } from './plan';

/** A field another manager owns (409 `details.conflicts`). */
export interface Conflict {
  field: string;
  manager: string;
  message?: string;
  /** What kind of manager it is (`GitOps (Flux)`, `Helm`, …) and what taking the field over means. */
  label?: string;
  consequence?: string;
}

/** A refusal or failure as the server put it. */
export interface Failure {
  status: number;
  code: string;
  message: string;
  conflicts: Conflict[];
}

/** What happened to a document when applied. */
export type Result =
  | { state: 'applied'; created: boolean; forced: boolean }
  | { state: 'refused' | 'conflict' | 'failed'; failure: Failure }
  | { state: 'skipped' }
  | { state: 'running' };

/** One document of the dialog and what the checks and the apply found. */
export interface Row {
  doc: SourceDoc;
  /** Parse, identity or kind problem: the document cannot be applied as it is. */
  problem?: Problem;
  target?: Target;
  /** What is sent (the document with its namespace filled in). */
  body?: KubeObject;
  /** Whether the object exists now (undefined: could not tell). */
  exists?: boolean;
  /** Why existence could not be told. */
  readError?: string;
  /** can-i for create/patch; undefined until asked. */
  access?: { allowed: boolean; message?: string };
  /** The dry run: a diff against live, or how it failed. */
  preview?: { diff: DiffLine[] } | { failure: Failure };
}

/** Reads an error the server answered (or a network failure) into what the dialog shows. */
export function toFailure(error: unknown): Failure {
  if (error instanceof ApiError) {
    const details = (error.details ?? {}) as { conflicts?: unknown };
    const conflicts = Array.isArray(details.conflicts)
      ? details.conflicts.flatMap((c: unknown) => {
          if (typeof c !== 'object' || c === null) return [];
          const { field, manager, message, label, consequence } = c as Record<string, unknown>;
          const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
          return [{ field: String(field ?? ''), manager: String(manager ?? ''), message: text(message), label: text(label), consequence: text(consequence) }];
        })
      : [];
    return { status: error.status, code: error.code, message: error.message, conflicts };
  }
  return { status: 0, code: 'E_NETWORK', message: errorMessage(error), conflicts: [] };
}

/** A failed apply's state: 403 refused, 409 conflict, anything else failed. */
export function resultOf(failure: Failure): Result {
  if (failure.status === 403 || failure.status === 401) return { state: 'refused', failure };
  if (failure.code === 'E_CONFLICT') return { state: 'conflict', failure };
  return { state: 'failed', failure };
}

/** The rows of `text`: parsed, identified and resolved against the cluster's kinds. */
export function planRows(text: string, cluster: string, catalog: KindEntry[], defaultNamespace: string): Row[] {
  return splitDocuments(text).map((doc): Row => {
    const first = doc.problems[0];
    if (first) return { doc, problem: first };
    const id = identify(doc);
    if (isProblem(id)) return { doc, problem: id };
    const target = resolveTarget(cluster, catalog, id, doc.line, defaultNamespace);
    if (isProblem(target)) return { doc, problem: target };
    return { doc, target, body: withNamespace(doc.value as KubeObject, target) };
  });
}

/** YAML for the preview, without what the server writes. */
function shown(object: KubeObject | undefined): string {
  return object ? stringify(stripObject(object), { lineWidth: 0 }) : '';
}

/** The can-i answers for `rows` (only those with a target), in batches of at most 64 checks. */
async function askAccess(cluster: string, rows: Row[]): Promise<void> {
  const asked = rows.filter((r) => r.target).map((row) => ({ row, checks: accessChecks(row.target as Target, row.exists !== false) }));
  let start = 0;
  while (start < asked.length) {
    // Whole rows per batch: a row's checks are answered together.
    let end = start;
    let size = 0;
    while (end < asked.length && size + (asked[end]?.checks.length ?? 0) <= 64) size += asked[end++]?.checks.length ?? 0;
    const batch = asked.slice(start, end);
    start = end;
    try {
      const answer = await api.canI(cluster, batch.flatMap((b) => b.checks));
      let at = 0;
      for (const { row, checks } of batch) {
        const results = answer.results.slice(at, at + checks.length);
        at += checks.length;
        const refused = results.find((r) => !r.allowed);
        row.access = results.length === checks.length && !refused ? { allowed: true } : { allowed: false, message: refused?.message ?? refused?.reason ?? 'no answer' };
      }
    } catch (error) {
      for (const { row } of batch) row.access = { allowed: false, message: `could not ask: ${errorMessage(error)}` };
    }
  }
}

/**
 * The checks before applying: each object read (present → patch, absent → create), can-i for
 * that, and a server dry run diffed against the live object. `update` is called as answers come.
 */
export async function checkRows(cluster: string, rows: Row[], update: () => void): Promise<void> {
  const ready = rows.filter((r) => r.target && r.body);
  const live = new Map<Row, KubeObject>();
  await mapPool(ready, 6, async (row) => {
    try {
      live.set(row, await api.object((row.target as Target).path));
      row.exists = true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) row.exists = false;
      else row.readError = errorMessage(error);
    }
  });
  update();
  await askAccess(cluster, ready);
  update();
  await mapPool(ready, 6, async (row) => {
    try {
      const after = await api.apply((row.target as Target).path, row.body as KubeObject, { dryRun: true });
      row.preview = { diff: lineDiff(shown(live.get(row)), shown(after)) };
    } catch (error) {
      row.preview = { failure: toFailure(error) };
    }
    update();
  });
}

/** Applies one row (a real PATCH); the server writes its `apply` audit row. */
export async function applyRow(row: Row, force: boolean): Promise<Result> {
  if (!row.target || !row.body) return { state: 'skipped' };
  try {
    await api.apply(row.target.path, row.body, { force });
    return { state: 'applied', created: row.exists === false, forced: force };
  } catch (error) {
    return resultOf(toFailure(error));
  }
}
