// One action's rows side by side: its intent and its outcome, paired by request id, every
// field, `extra` as formatted JSON, and links to what it touched (the object, a terminal
// recording, the diff an apply kept).

import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { auditApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { DiffTable } from '../components/DiffTable';
import { ErrorBox } from '../components/ErrorBox';
import { formatTime } from '../lib/format';
import { OutcomePill } from './AuditRow';
import { diffChanges, diffOf, objectRoute, recordingRoute } from './routes';
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
          {table ? <DiffTable {...table} testId="audit-diff-change" /> : <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">{JSON.stringify(diff, null, 2)}</pre>}
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
