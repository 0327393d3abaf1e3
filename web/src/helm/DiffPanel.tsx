// A structured Helm diff: objects grouped by change (each changed path with before and after),
// then the supplied values' changes. Shared by History's compare, the rollback confirmation and
// the upgrade preview.

import { groupObjects, showValue, summarize } from './diff';
import type { Change, DiffParts } from './types';

/** Changed paths with before and after (`labels`: what the two columns are, e.g. release and live). */
export function ChangeRows({ changes, testid, labels = ['Before', 'After'] }: { changes: Change[]; testid: string; labels?: [string, string] }) {
  return (
    <table className="w-full table-fixed text-xs">
      <thead className="text-left text-slate-500">
        <tr><th className="w-2/5">Path</th><th>{labels[0]}</th><th>{labels[1]}</th></tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} data-testid={testid} data-path={c.path} data-kind={c.kind} className="border-t border-slate-200 align-top font-mono dark:border-slate-800">
            <td className="break-all pr-2">{c.path}</td>
            <td className="break-all pr-2 text-red-800 dark:text-red-300" data-cell="before">{showValue(c.before)}</td>
            <td className="break-all text-emerald-800 dark:text-emerald-300" data-cell="after">{showValue(c.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DiffPanel({ diff, id }: { diff: DiffParts; id: string }) {
  const summary = summarize(diff.objects, diff.values);
  return (
    <div id={id} className="space-y-3 text-sm">
      <p className="text-slate-500" data-testid="diff-summary">{summary || 'No differences.'}</p>
      {groupObjects(diff.objects).map((group) => (
        <section key={group.kind}>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{group.title} objects</h3>
          {group.objects.map((o) => (
            <div key={o.object} data-object={o.object} data-kind={o.kind} className="mt-1 rounded border border-slate-200 p-2 dark:border-slate-800">
              <p className="font-mono text-xs font-medium">{o.object}</p>
              {o.changes.length > 0 && <ChangeRows changes={o.changes} testid="object-change" />}
            </div>
          ))}
        </section>
      ))}
      {diff.values.length > 0 && (
        <section>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Supplied values</h3>
          <ChangeRows changes={diff.values} testid="value-change" />
        </section>
      )}
    </div>
  );
}
