// The changed paths an action kept (an audit row's `extra.diff`, a console row of an object's
// history): path, kind, before and after. Shared by the audit page and the History tab.

import type { JsonValue } from '../api/types.gen';

/** One changed path (docs/audit.md "What changed"). */
export interface DiffChange {
  path: string;
  kind: string;
  before?: JsonValue;
  after?: JsonValue;
}

const valueText = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** `testId` names each change's row (`data-testid`), so each page's tests find their own. */
export function DiffTable({ changes, truncated, testId }: { changes: DiffChange[]; truncated: number; testId: string }) {
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
          <tr key={c.path} data-testid={testId} data-path={c.path} className="border-t border-slate-200 align-top dark:border-slate-800">
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
