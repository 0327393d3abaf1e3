// The hash chains' status for audit admins: "Verify chains" walks every writer's chain on the
// server (as `periscope audit verify` does) and lists the first broken row of each.

import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';

import { auditApi } from '../api/endpoints';
import { ErrorBox } from '../components/ErrorBox';
import { formatCount, formatTime } from '../lib/format';
import { AUDIT_ROUTE } from './routes';
import type { ChainProblem } from './types';

/** The rows of the problem's request, with its detail open, when the server names the request. */
function problemRoute(problem: ChainProblem): string | null {
  if (!problem.requestId) return null;
  const q = new URLSearchParams({ requestId: problem.requestId, event: problem.requestId });
  return `${AUDIT_ROUTE}?${q.toString()}`;
}

export function ChainPanel() {
  const verify = useMutation({ mutationFn: () => auditApi.chain() });
  const report = verify.data;
  return (
    <section id="audit-chain" aria-label="Hash chain status" className="border-b border-slate-200 px-4 py-2 text-sm dark:border-slate-800" data-ok={report ? String(report.ok) : undefined}>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" id="audit-verify" disabled={verify.isPending} onClick={() => verify.mutate()} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50 dark:border-slate-700">
          {verify.isPending ? 'Verifying…' : 'Verify chains'}
        </button>
        {report && (
          <>
            <span id="audit-chain-status" className={report.ok ? 'font-medium text-green-700 dark:text-green-300' : 'font-medium text-red-700 dark:text-red-300'}>
              {report.ok ? '✓ Every chain verifies' : `✗ ${report.problems.length} broken ${report.problems.length === 1 ? 'chain' : 'chains'}`}
            </span>
            <span className="text-slate-500" id="audit-chain-counts">
              {formatCount(report.rows)} rows in {report.chains} {report.chains === 1 ? 'chain' : 'chains'} · {report.store} · checked {formatTime(report.checkedAt)} in {report.elapsedMs} ms
            </span>
          </>
        )}
        {!report && !verify.isPending && <span className="text-slate-500">Checks every writer's hash chain for edited, missing or reordered rows.</span>}
      </div>
      {verify.isError && <ErrorBox error={verify.error} />}
      {report && report.problems.length > 0 && (
        <table className="mt-2 w-full text-left text-sm" id="audit-chain-problems">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="pr-3 font-normal">Writer</th>
              <th className="pr-3 font-normal">Row id</th>
              <th className="pr-3 font-normal">Seq</th>
              <th className="font-normal">What is wrong</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((p) => {
              const to = problemRoute(p);
              return (
                <tr key={p.writerId} data-testid="chain-problem" data-writer={p.writerId} data-row-id={p.rowId} className="border-t border-slate-200 dark:border-slate-800">
                  <td className="pr-3 font-mono text-xs">{p.writerId}</td>
                  <td className="pr-3 font-mono text-xs">
                    {to ? (
                      <Link className="text-blue-700 hover:underline dark:text-blue-300" to={to}>
                        {p.rowId}
                      </Link>
                    ) : (
                      p.rowId
                    )}
                  </td>
                  <td className="pr-3 font-mono text-xs">{p.seq}</td>
                  <td className="text-red-700 dark:text-red-300">{p.reason}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
