// Where the audit page links: itself (with filters), and from an event to what it touched.

import type { JsonValue } from '../api/types.gen';
import type { DiffChange } from '../components/DiffTable';
import { replayRoute } from '../exec/routes';
import { releaseRoute } from '../helm/routes';
import { detailRoute } from '../lib/resources';
import { type Filters, TEXT_FILTERS } from './filters';
import type { AuditItem } from './types';

/** The audit page. */
export const AUDIT_ROUTE = '/audit';

/** The audit page showing the rows that match `filters` (default time range). */
export function auditRoute(filters: Filters = {}): string {
  const query = new URLSearchParams();
  for (const key of TEXT_FILTERS) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  const text = query.toString();
  return text ? `${AUDIT_ROUTE}?${text}` : AUDIT_ROUTE;
}

/** The console page of the object an event touched, when the row names one. */
export function objectRoute(item: Pick<AuditItem, 'cluster' | 'resource'>): string | null {
  const { cluster, resource: r } = item;
  if (!cluster || !r.resource || !r.name) return null;
  if (r.resource === 'helmreleases' && r.namespace) return releaseRoute(cluster, r.namespace, r.name);
  if (!r.version) return null;
  return detailRoute(cluster, { group: r.group || 'core', version: r.version, resource: r.resource }, r.namespace, r.name);
}

const isRecord = (v: JsonValue | null | undefined): v is { [key: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The terminal recording an exec event names (`extra.recording.id`, else its `session_id`). */
export function recordingId(extra: JsonValue | null): string | null {
  if (!isRecord(extra)) return null;
  const recording = extra.recording;
  if (isRecord(recording) && typeof recording.id === 'string') return recording.id;
  return typeof extra.session_id === 'string' ? extra.session_id : null;
}

/** The replay page of an event's recording, if it names one. */
export function recordingRoute(extra: JsonValue | null): string | null {
  const id = recordingId(extra);
  return id ? replayRoute(id) : null;
}

/** The changed fields an apply or one-click action kept (`extra.diff`), if any. */
export function diffOf(extra: JsonValue | null): JsonValue | null {
  return isRecord(extra) && extra.diff !== undefined && extra.diff !== null ? extra.diff : null;
}

/**
 * `extra.diff` read defensively: its changes and how many more paths the server left out, or
 * null when it is not `{changes, truncated}` (then the detail shows it as JSON).
 */
export function diffChanges(diff: JsonValue | null): { changes: DiffChange[]; truncated: number } | null {
  if (!isRecord(diff) || !Array.isArray(diff.changes)) return null;
  const changes = diff.changes.flatMap((c): DiffChange[] =>
    isRecord(c) && typeof c.path === 'string' ? [{ path: c.path, kind: typeof c.kind === 'string' ? c.kind : 'modify', before: c.before, after: c.after }] : [],
  );
  return { changes, truncated: typeof diff.truncated === 'number' ? diff.truncated : 0 };
}
