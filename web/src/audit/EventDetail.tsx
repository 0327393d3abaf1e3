// One action's rows side by side: its intent and its outcome, paired by request id, every
// field, `extra` as formatted JSON, and links to what it touched (the object, a terminal
// recording, the diff an apply kept).

import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { auditApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { ErrorBox } from '../components/ErrorBox';
import { formatTime, OutcomePill } from './AuditRow';
import { type DiffChange, diffChanges, diffOf, objectRoute, recordingRoute } from './routes';
import type { AuditItem } from './types';

const link = 'text-blue-700 hover:underline dark:text-blue-300';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all">{children}</dd>
    </>
  );
}

/** Every field of one row. */
function RowFields({ item }: { item: AuditItem }) {
  const r = item.resource;
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return (
    <section data-testid="audit-detail-row" data-phase={item.phase} data-id={item.id} className="mb-4 rounded border border-slate-200 p-3 dark:border-slate-800">
      <h3 className="mb-2 flex items-center gap-2 font-semibold">
        <span className="capitalize">{item.phase}</span>
        <OutcomePill item={item} />
        <span className="ml-auto font-mono text-xs font-normal text-slate-500">#{item.id}</span>
      </h3>
      <dl className="grid grid-cols-[7rem_1fr] gap-x-2 gap-y-1 text-sm">
        <Field label="Time">
          <span title={item.timestamp}>{formatTime(item.timestamp)}</span>
        </Field>
        <Field label="Actor">{item.actor.sub}</Field>
        {item.actor.email && <Field label="Email">{item.actor.email}</Field>}
        <Field label="Groups">{item.actor.groups.length ? item.actor.groups.join(', ') : '(none)'}</Field>
        <Field label="Verb">
          <span className="font-mono">{item.verb}</span>
        </Field>
        <Field label="Cluster">{item.cluster ?? '—'}</Field>
        <Field label="Resource">{[r.group, r.version, r.resource].filter(Boolean).join('/') || '—'}</Field>
        <Field label="Namespace">{r.namespace ?? '—'}</Field>
        <Field label="Name">{r.name ?? '—'}</Field>
        <Field label="Route">
          <span className="font-mono text-xs">{item.route ?? '—'}</span>
        </Field>
        <Field label="Reason">{item.reason ?? '—'}</Field>
      </dl>
      {item.extra !== null && item.extra !== undefined && (
        <>
          <h4 className="mt-2 text-xs font-semibold text-slate-500">Extra</h4>
          <pre data-testid="audit-extra" className="mt-1 max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">
            {json(item.extra)}
          </pre>
        </>
      )}
    </section>
  );
}

const valueText = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** The changed paths an apply or one-click action kept: path, kind, before and after. */
function DiffTable({ changes, truncated }: { changes: DiffChange[]; truncated: number }) {
  return (
    <table className="mt-1 w-full table-fixed text-left text-xs">
      <thead className="text-slate-500">
        <tr>
          <th className="w-2/5 font-normal">Path</th>
          <th className="w-1/5 font-normal">Change</th>
          <th className="font-normal">Before → after</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} data-testid="audit-diff-change" data-path={c.path} className="border-t border-slate-200 align-top dark:border-slate-800">
            <td className="break-all pr-2 font-mono">{c.path}</td>
            <td className="pr-2">{c.kind}</td>
            <td className="break-all font-mono">
              {c.kind !== 'add' && <span className="text-red-700 line-through dark:text-red-300">{valueText(c.before)}</span>}
              {c.kind === 'modify' && ' → '}
              {c.kind !== 'remove' && <span className="text-green-700 dark:text-green-300">{valueText(c.after)}</span>}
            </td>
          </tr>
        ))}
      </tbody>
      {truncated > 0 && (
        <tfoot>
          <tr>
            <td colSpan={3} className="pt-1 text-slate-500">
              and {truncated} more {truncated === 1 ? 'path' : 'paths'} not kept
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}

/** What the action touched, from whichever of its rows names it. */
function Links({ rows }: { rows: AuditItem[] }) {
  const object = rows.map(objectRoute).find(Boolean);
  const recording = rows.map((r) => recordingRoute(r.extra)).find(Boolean);
  const diff = rows.map((r) => diffOf(r.extra)).find((d) => d !== null);
  const table = diff === undefined ? null : diffChanges(diff);
  if (!object && !recording && diff === undefined) return null;
  return (
    <div className="mb-4 space-y-2 text-sm">
      <p className="flex flex-wrap gap-3">
        {object && (
          <Link id="audit-object-link" className={link} to={object}>
            Open the object
          </Link>
        )}
        {recording && (
          <Link id="audit-recording-link" className={link} to={recording}>
            Replay the terminal recording
          </Link>
        )}
      </p>
      {diff !== undefined && (
        <div id="audit-diff">
          <h4 className="text-xs font-semibold text-slate-500">What changed</h4>
          {table ? <DiffTable {...table} /> : <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">{JSON.stringify(diff, null, 2)}</pre>}
        </div>
      )}
    </div>
  );
}

/** The side panel of the event `requestId` (from the URL's `event`); Esc or × closes it. */
export function EventDetail({ requestId, onClose }: { requestId: string; onClose: () => void }) {
  const rows = useQuery({ queryKey: queryKeys.auditRequest(requestId), queryFn: ({ signal }) => auditApi.request(requestId, signal) });
  // Oldest first: the intent, then how it ended.
  const items = (rows.data?.items ?? []).slice().sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.id - b.id);
  return (
    <aside id="audit-detail" aria-label={`Audit event ${requestId}`} data-request-id={requestId} className="w-[30rem] shrink-0 overflow-y-auto border-l border-slate-200 p-4 dark:border-slate-800">
      <div className="mb-3 flex items-center gap-2">
        <h2 className="font-semibold">Event</h2>
        <span className="truncate font-mono text-xs text-slate-500" title="Request id">
          {requestId}
        </span>
        <span className="flex-1" />
        <button type="button" id="audit-detail-close" aria-label="Close the event detail (Esc)" title="Close (Esc)" onClick={onClose} className="rounded px-2 hover:bg-slate-200 dark:hover:bg-slate-800">
          ×
        </button>
      </div>
      {rows.isError && <ErrorBox error={rows.error} />}
      {rows.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {rows.isSuccess && items.length === 0 && <p className="text-sm text-slate-500">No rows you may read have this request id.</p>}
      <Links rows={items} />
      {items.map((item) => (
        <RowFields key={item.id} item={item} />
      ))}
    </aside>
  );
}
