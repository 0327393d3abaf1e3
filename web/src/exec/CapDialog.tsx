import { useState } from 'react';

import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { Dialog } from '../components/Dialog';
import { formatAge } from '../lib/format';
import type { CapInfo } from './refusal';

/** The user holds the most terminals allowed: their sessions, each with an End button. */
export function CapDialog({ cap, onRetry, onClose }: { cap: CapInfo; onRetry: () => void; onClose: () => void }) {
  const [ended, setEnded] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const end = async (id: string) => {
    setBusy(id);
    setProblem(null);
    try {
      await api.endExecSession(id);
      setEnded((s) => new Set(s).add(id));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(null);
    }
  };
  const title = cap.limit === null ? 'Terminal refused' : `At most ${cap.limit} terminals`;
  return (
    <Dialog title={title} onClose={onClose}>
      <div id="cap-dialog">
        <p className="text-sm">{cap.message}</p>
        {cap.sessions.length > 0 && (
          <table className="mt-3 w-full text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr><th>Pod / container</th><th>Started</th><th /></tr>
            </thead>
            <tbody>
              {cap.sessions.map((s) => (
                <tr key={s.id} data-cap-session={s.id} className="border-t border-slate-200 dark:border-slate-800">
                  <td className="py-1 pr-2 font-mono text-xs">
                    {s.cluster}/{s.namespace}/{s.pod} <span className="text-slate-500">({s.container})</span>
                  </td>
                  <td className="pr-2 text-xs">{formatAge(s.startedAt)}</td>
                  <td className="text-right">
                    {ended.has(s.id) ? (
                      <span className="text-xs text-slate-500">ended</span>
                    ) : (
                      <button type="button" data-end-session={s.id} disabled={busy !== null} onClick={() => void end(s.id)} className="rounded border border-red-300 px-2 py-0.5 text-xs text-red-700 disabled:opacity-50 dark:text-red-300">
                        End
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {problem && <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300">{problem}</p>}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="rounded px-3 py-1 text-sm" onClick={onClose}>Close</button>
          <button type="button" id="cap-retry" className="rounded bg-blue-600 px-3 py-1 text-sm text-white" onClick={onRetry}>
            Try again
          </button>
        </div>
      </div>
    </Dialog>
  );
}
