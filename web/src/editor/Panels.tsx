// The panels beside the editor: the preview of an apply, the conflicts of a refused one, and
// the three-way view of a drift.

import { useState } from 'react';
import { stringify } from 'yaml';

import { DiffView, TextView } from './ReadOnlyViews';
import { objectYaml } from './text';
import type { Conflict, EditResult } from './types';

const heading = 'text-sm font-semibold';
const button = 'rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';

/** What an apply would send (the minimal body and the removals) and the dry run's result vs live. */
export function PreviewPanel({ result }: { result: EditResult }) {
  if (!result.changed) {
    return (
      <p id="editor-preview" data-changed="false" className="p-3 text-sm text-slate-500">
        Nothing changed: an apply would send nothing.
      </p>
    );
  }
  return (
    <div id="editor-preview" data-changed="true" className="flex h-full min-h-0 flex-col gap-2 p-3">
      <h3 className={heading}>Sent as a server-side apply (manager periscope)</h3>
      <pre id="editor-preview-apply" className="max-h-48 overflow-auto rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-900">
        {result.apply ? stringify(result.apply, { lineWidth: 0 }) : '(nothing)'}
      </pre>
      <h3 className={heading}>Removed</h3>
      {result.remove.length === 0 ? (
        <p className="text-xs text-slate-500">nothing</p>
      ) : (
        <ul id="editor-preview-remove" className="font-mono text-xs">
          {result.remove.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      <h3 className={heading}>Dry run: live (left) → result (right)</h3>
      <div className="min-h-64 flex-1">
        <DiffView id="editor-preview-diff" before={objectYaml(result.live)} after={objectYaml(result.object)} />
      </div>
    </div>
  );
}

/** A 409: each field, who owns it, what kind of owner, what taking it over means; force after typing the name. */
export function ConflictPanel({ conflicts, name, busy, onForce }: { conflicts: Conflict[]; name: string; busy: boolean; onForce: () => void }) {
  const [typed, setTyped] = useState('');
  return (
    <div id="editor-conflicts" role="alert" className="flex flex-col gap-2 p-3 text-sm">
      <h3 className={heading}>Other managers own fields you changed</h3>
      <table className="w-full text-left text-xs">
        <thead className="text-slate-500">
          <tr><th>Field</th><th>Manager</th><th>Class</th><th>Taking it over means</th></tr>
        </thead>
        <tbody>
          {conflicts.map((c) => (
            <tr key={`${c.field} ${c.manager}`} data-conflict={c.field} data-manager={c.manager} data-class={c.class} className="border-t border-slate-200 align-top dark:border-slate-800">
              <td className="pr-2 font-mono">{c.field}</td>
              <td className="pr-2 font-mono">{c.manager}</td>
              <td className="pr-2">{c.label || c.class}</td>
              <td>{c.consequence || c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label className="text-xs">
        To take these fields over, type the object&apos;s name (<span className="font-mono">{name}</span>):
        <input id="editor-force-name" value={typed} onChange={(e) => setTyped(e.target.value)} className="mt-1 block w-full rounded border border-slate-300 px-2 py-1 font-mono dark:border-slate-700 dark:bg-slate-900" autoComplete="off" />
      </label>
      <div>
        <button id="editor-force" type="button" className={button} disabled={typed !== name || busy} onClick={onForce}>
          Force apply
        </button>
      </div>
    </div>
  );
}

/** As opened, theirs (live now) and mine, side by side. */
export function ThreeWay({ opened, theirs, mine }: { opened: string; theirs: string; mine: string }) {
  const column = (title: string, text: string, id: string) => (
    <div className="flex min-h-0 flex-1 flex-col">
      <h3 className="px-2 py-1 text-xs font-semibold">{title}</h3>
      <div className="min-h-0 flex-1">
        <TextView id={id} text={text} />
      </div>
    </div>
  );
  return (
    <div id="editor-three-way" className="flex h-full min-h-0 gap-1">
      {column('As opened', opened, 'three-way-opened')}
      {column('Theirs (live now)', theirs, 'three-way-theirs')}
      {column('Mine', mine, 'three-way-mine')}
    </div>
  );
}
