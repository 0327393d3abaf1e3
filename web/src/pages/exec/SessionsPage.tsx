import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';

import { ApiError } from '../../api/client';
import { api } from '../../api/endpoints';
import { useWhoami } from '../../api/hooks';
import { queryKeys } from '../../api/queryKeys';
import type { RecordingInfo, SessionSummary } from '../../api/types.gen';
import { ErrorBox } from '../../components/ErrorBox';
import { formatClock } from '../../exec/asciicast';
import { describeClose } from '../../exec/protocol';
import { execRoute, replayRoute } from '../../exec/routes';
import { formatAge, formatBytes } from '../../lib/format';

const POLL_MS = 5000;

function OpenSessions({ everyone }: { everyone: boolean }) {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: queryKeys.execSessions(), queryFn: ({ signal }) => api.execSessions(signal), refetchInterval: POLL_MS });
  const end = useMutation({
    mutationFn: (id: string) => api.endExecSession(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['exec'] }),
  });
  const items = sessions.data ?? [];
  return (
    <section className="mb-8" id="open-sessions">
      <h2 className="mb-2 font-semibold">Open sessions{everyone ? ' (everyone’s: you are an audit admin)' : ''}</h2>
      {sessions.isError && <ErrorBox error={sessions.error} />}
      {end.isError && <ErrorBox error={end.error} />}
      {sessions.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {sessions.isSuccess && items.length === 0 && <p className="text-sm text-slate-500">No open sessions.</p>}
      {items.length > 0 && (
        <table className="w-full text-sm">
          <thead className="text-left text-xs text-slate-500">
            <tr>
              {everyone && <th>User</th>}
              <th>Cluster</th><th>Pod</th><th>Container</th><th>Started</th><th>Idle</th><th className="text-right">In</th><th className="text-right">Out</th><th />
            </tr>
          </thead>
          <tbody>
            {items.map((s: SessionSummary) => (
              <tr key={s.id} data-open-session={s.id} data-pod={s.pod} className="border-t border-slate-200 dark:border-slate-800">
                {everyone && <td className="pr-3">{s.user}</td>}
                <td className="pr-3">{s.cluster}</td>
                <td className="pr-3 font-mono text-xs">
                  <Link className="text-blue-700 hover:underline dark:text-blue-300" to={execRoute({ cluster: s.cluster, namespace: s.namespace, pod: s.pod, container: s.container })} title="Open another terminal here">
                    {s.namespace}/{s.pod}
                  </Link>
                </td>
                <td className="pr-3 font-mono text-xs">{s.container}</td>
                <td className="pr-3">{formatAge(s.startedAt, sessions.dataUpdatedAt)}</td>
                <td className="pr-3">{formatClock(s.idleSeconds)}</td>
                <td className="pr-3 text-right">{formatBytes(s.bytesIn)}</td>
                <td className="pr-3 text-right">{formatBytes(s.bytesOut)}</td>
                <td className="text-right">
                  <button type="button" data-end-session={s.id} disabled={end.isPending} onClick={() => end.mutate(s.id)} className="rounded border border-red-300 px-2 py-0.5 text-xs text-red-700 disabled:opacity-50 dark:text-red-300">
                    End
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function duration(r: RecordingInfo): string {
  if (!r.endedAt) return 'running';
  const ms = Date.parse(r.endedAt) - Date.parse(r.startedAt);
  return Number.isFinite(ms) ? formatClock(ms / 1000) : '';
}

function Recordings({ everyone }: { everyone: boolean }) {
  const recordings = useQuery({ queryKey: queryKeys.recordings(), queryFn: ({ signal }) => api.recordings(signal), refetchInterval: POLL_MS });
  // No recording store on this server is an answer, not a failure.
  const off = recordings.error instanceof ApiError && recordings.error.status === 404;
  const items = recordings.data ?? [];
  return (
    <section id="recordings">
      <h2 className="mb-2 font-semibold">Recordings</h2>
      {off && <p className="text-sm text-slate-500">This server does not record sessions.</p>}
      {recordings.isError && !off && <ErrorBox error={recordings.error} />}
      {recordings.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {recordings.isSuccess && items.length === 0 && <p className="text-sm text-slate-500">No recordings yet.</p>}
      {items.length > 0 && (
        <table className="w-full text-sm">
          <thead className="text-left text-xs text-slate-500">
            <tr>
              <th>Started</th>
              {everyone && <th>User</th>}
              <th>Where</th><th>Length</th><th>End</th><th className="text-right">Output</th><th />
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-recording={r.id} data-pod={r.pod} className="border-t border-slate-200 align-top dark:border-slate-800">
                <td className="pr-3" title={r.startedAt}>{formatAge(r.startedAt, recordings.dataUpdatedAt)} ago</td>
                {everyone && <td className="pr-3">{r.user}</td>}
                <td className="pr-3 font-mono text-xs">
                  {r.cluster}/{r.namespace}/{r.pod} <span className="text-slate-500">({r.container})</span>
                </td>
                <td className="pr-3">{duration(r)}</td>
                <td className="pr-3 text-xs">{r.reason ? describeClose(r.reason, r.exitCode).replace(/^Session ended: /, '') : '—'}</td>
                <td className="pr-3 text-right">
                  {formatBytes(r.bytes)}
                  {r.truncated && <span className="ml-1 text-xs text-amber-700 dark:text-amber-300">(cut)</span>}
                  {r.recordInput && <span className="ml-1 text-xs text-red-700 dark:text-red-300">+input</span>}
                </td>
                <td className="text-right">
                  <Link className="text-blue-700 hover:underline dark:text-blue-300" data-replay={r.id} to={replayRoute(r.id)}>
                    Replay
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Terminal sessions: the open ones (with End) and the recordings (with Replay). */
export function SessionsPage() {
  const me = useWhoami();
  const everyone = me.data?.auditScope === 'all';
  return (
    <div className="p-6" id="sessions-page">
      <h1 className="mb-4 text-xl font-semibold">Terminal sessions</h1>
      <OpenSessions everyone={everyone} />
      <Recordings everyone={everyone} />
    </div>
  );
}
