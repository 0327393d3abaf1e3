import { useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useRef, useState } from 'react';

import { useKinds } from '../api/hooks';
import { queryKeys } from '../api/queryKeys';
import { Dialog } from '../components/Dialog';
import { applyRow, checkRows, planRows, type Result, type Row } from './run';
import { RowView } from './RowView';

type Phase = 'edit' | 'checking' | 'checked' | 'applying' | 'done';

/** The text last typed, kept while the app runs so closing by accident loses nothing. */
let draft = '';

/** Reads dropped or picked files, one document stream after another. */
async function readFiles(files: FileList | null): Promise<string> {
  const texts = await Promise.all([...(files ?? [])].map((f) => f.text()));
  return texts.map((t) => t.replace(/\n*$/, '\n')).join('---\n');
}

/** How many rows ended in each state, for the summary line. */
function summary(rows: Row[], results: ReadonlyMap<number, Result>): string {
  const count = (state: string) => [...results.values()].filter((r) => r.state === state).length;
  const parts = [`${count('applied')} applied`];
  for (const [state, word] of [
    ['refused', 'refused'],
    ['conflict', 'in conflict'],
    ['failed', 'failed'],
    ['skipped', 'not sent'],
  ] as const) {
    const n = count(state);
    if (n > 0) parts.push(`${n} ${word}`);
  }
  return `${parts.join(', ')} of ${rows.length}`;
}

/**
 * "Apply YAML": one or many documents pasted, picked or dropped; each is parsed (problems with
 * their line), resolved to its object, checked (exists? can-i create/patch? dry run with a
 * diff against live), then applied in order, one PATCH each, with every document's result shown.
 */
export default function ApplyYamlDialog({ cluster, namespace, onClose }: { cluster: string; namespace: string | undefined; onClose: () => void }) {
  const { entries: catalog, query: kinds } = useKinds(cluster);
  const [text, setText] = useState(draft);
  const [defaultNamespace, setDefaultNamespace] = useState(namespace || 'default');
  const [rows, setRows] = useState<Row[]>([]);
  /** What applying each document (by its index) did. */
  const [results, setResults] = useState<ReadonlyMap<number, Result>>(new Map());
  const [excluded, setExcluded] = useState<ReadonlySet<number>>(new Set());
  const [phase, setPhase] = useState<Phase>('edit');
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const queryClient = useQueryClient();
  const busy = phase === 'checking' || phase === 'applying';
  const setResult = (index: number, result: Result) => setResults((m) => new Map(m).set(index, result));

  const edit = (value: string) => {
    setText(value);
    draft = value;
    if (phase !== 'edit') {
      setPhase('edit');
      setRows([]);
      setResults(new Map());
      setExcluded(new Set());
    }
  };

  const check = async () => {
    // The pipeline fills in these rows as answers come; each update shows a copy.
    const planned = planRows(text, cluster, catalog, defaultNamespace);
    const show = () => setRows(planned.map((r) => ({ ...r })));
    show();
    setResults(new Map());
    setExcluded(new Set());
    setPhase('checking');
    await checkRows(cluster, planned, show);
    show();
    setPhase('checked');
  };

  const apply = async () => {
    setPhase('applying');
    // In order, one at a time: a later document may need an earlier one (its namespace, its CRD).
    for (const row of rows) {
      if (row.problem) continue;
      if (excluded.has(row.doc.index)) {
        setResult(row.doc.index, { state: 'skipped' });
        continue;
      }
      setResult(row.doc.index, { state: 'running' });
      setResult(row.doc.index, await applyRow(row, false));
    }
    setPhase('done');
    draft = '';
    await queryClient.invalidateQueries({ queryKey: queryKeys.lists(cluster) });
    for (const row of rows) if (row.target) await queryClient.invalidateQueries({ queryKey: queryKeys.object(row.target.path) });
  };

  const force = async (row: Row) => {
    setPhase('applying');
    setResult(row.doc.index, { state: 'running' });
    setResult(row.doc.index, await applyRow(row, true));
    setPhase('done');
    if (row.target) await queryClient.invalidateQueries({ queryKey: queryKeys.object(row.target.path) });
  };

  const drop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (busy) return;
    const dropped = await readFiles(event.dataTransfer.files);
    if (dropped) edit(text.trim() ? `${text.replace(/\n*$/, '\n')}---\n${dropped}` : dropped);
  };

  const blocked = rows.filter((r) => r.problem).length;
  const toSend = rows.filter((r) => !r.problem && !excluded.has(r.doc.index)).length;
  const close = () => {
    if (!busy) onClose();
  };

  return (
    <Dialog title={`Apply YAML to ${cluster}`} onClose={close} wide>
      <div
        id="apply-yaml"
        data-phase={phase}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void drop(e)}
        className={dragging ? 'rounded outline-2 outline-dashed outline-blue-500' : ''}
      >
        <p className="mb-2 text-xs text-slate-500">
          Paste manifests (documents separated by <code>---</code>), pick files, or drop them here. Each document is checked and dry-run first; nothing is changed until you apply.
        </p>
        <textarea
          id="apply-yaml-text"
          autoFocus
          spellCheck={false}
          value={text}
          disabled={busy}
          onChange={(e) => edit(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && phase === 'edit' && text.trim()) {
              e.preventDefault();
              void check();
            }
          }}
          placeholder={'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example\n---\n…'}
          className="h-56 w-full rounded border border-slate-300 bg-transparent p-2 font-mono text-xs dark:border-slate-700"
        />
        <div className="mt-2 flex flex-wrap items-center gap-2 text-sm">
          <button type="button" className="rounded border px-2 py-0.5" disabled={busy} onClick={() => fileInput.current?.click()}>
            Choose files…
          </button>
          <input
            ref={fileInput}
            id="apply-yaml-files"
            type="file"
            multiple
            accept=".yaml,.yml,.json,text/yaml,application/json"
            className="hidden"
            onChange={async (e) => {
              const picked = await readFiles(e.target.files);
              e.target.value = '';
              if (picked) edit(text.trim() ? `${text.replace(/\n*$/, '\n')}---\n${picked}` : picked);
            }}
          />
          <label className="flex items-center gap-1 text-xs text-slate-500">
            Namespace when a document names none
            <input
              id="apply-yaml-namespace"
              value={defaultNamespace}
              disabled={busy}
              onChange={(e) => {
                setDefaultNamespace(e.target.value);
                if (phase !== 'edit') edit(text);
              }}
              className="w-36 rounded border border-slate-300 bg-transparent px-1 py-0.5 text-sm dark:border-slate-700"
            />
          </label>
          <span className="flex-1" />
          {kinds.isError && <span className="text-xs text-red-600">The cluster's kinds could not be read.</span>}
          <button type="button" className="rounded border px-3 py-1" onClick={close} disabled={busy}>
            {phase === 'done' ? 'Close' : 'Cancel'}
          </button>
          {(phase === 'edit' || phase === 'checking') && (
            <button type="button" id="apply-yaml-check" className="rounded bg-blue-600 px-3 py-1 text-white disabled:opacity-50" disabled={busy || !text.trim() || catalog.length === 0} onClick={() => void check()}>
              {phase === 'checking' ? 'Checking…' : 'Check (dry run)'}
            </button>
          )}
          {(phase === 'checked' || phase === 'applying') && (
            <button
              type="button"
              id="apply-yaml-apply"
              className="rounded bg-blue-600 px-3 py-1 text-white disabled:opacity-50"
              disabled={busy || blocked > 0 || toSend === 0}
              title={blocked > 0 ? 'Fix or remove the documents that cannot be applied first' : undefined}
              onClick={() => void apply()}
            >
              {phase === 'applying' ? 'Applying…' : `Apply ${toSend} document${toSend === 1 ? '' : 's'}`}
            </button>
          )}
        </div>
        {rows.length > 0 && (
          <>
            {blocked > 0 && (
              <p className="mt-3 text-sm text-red-700 dark:text-red-300">
                {blocked} of {rows.length} documents cannot be applied as written: fix them above. Nothing is sent while any document is broken.
              </p>
            )}
            {phase === 'done' && (
              <p className="mt-3 text-sm font-medium" id="apply-yaml-summary">
                {summary(rows, results)}.
              </p>
            )}
            <ul className="mt-2" id="apply-yaml-rows">
              {rows.map((row) => (
                <RowView
                  key={row.doc.index}
                  row={row}
                  result={results.get(row.doc.index)}
                  locked={busy || phase === 'done'}
                  included={!excluded.has(row.doc.index)}
                  onInclude={(on) =>
                    setExcluded((s) => {
                      const next = new Set(s);
                      if (on) next.delete(row.doc.index);
                      else next.add(row.doc.index);
                      return next;
                    })
                  }
                  onForce={phase === 'done' ? () => void force(row) : undefined}
                />
              ))}
            </ul>
          </>
        )}
      </div>
    </Dialog>
  );
}
