// The YAML editor over a detail page (loaded on demand with Monaco): edit, preview (Ctrl/Cmd+S:
// the minimal apply body, removals, a dry run's diff vs live), apply (Ctrl/Cmd+Enter), the
// conflicts of a refused apply with a typed-name force, drift while editing, and guards for
// unsaved changes (Esc, Back, reload).

import './editor.css';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';

import { ApiError, errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { CodeEditor, newModelUri, type Problem } from './CodeEditor';
import { driftOf, type Drift } from './drift';
import { ownershipGlyphs, type Glyph } from './ownership';
import type { RawOpened } from './load';
import { ConflictPanel, PreviewPanel, ThreeWay } from './Panels';
import { lineIndex } from './paths';
import { resourceVersionOf } from './text';
import { toConflicts, type Conflict, type EditResult } from './types';
import { useKindSchema, useOpened } from './useEditorData';
import { useEditAction } from './useEditAction';
import { useLeaveGuards } from './useLeaveGuards';

export interface EditorProps {
  cluster: string;
  /** The object's API path. */
  path: string;
  apiVersion: string;
  kind: string;
  name: string;
  /** The object's resourceVersion as the page follows it live (drift). */
  liveVersion: string | undefined;
  /** The object's YAML and managers, read since the click (load.ts). */
  preloaded?: Promise<RawOpened>;
  onClose: () => void;
}

type Panel = { kind: 'none' } | { kind: 'preview'; result: EditResult } | { kind: 'conflicts'; conflicts: Conflict[] } | { kind: 'drift'; mine: string };

const NO_GLYPHS: Glyph[] = [];

const button = 'rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';

export default function EditorOverlay({ cluster, path, apiVersion, kind, name, liveVersion, preloaded, onClose }: EditorProps) {
  const queryClient = useQueryClient();
  const { opened, error: openError, reload } = useOpened(path, preloaded);
  const schema = useKindSchema(cluster, apiVersion, kind);
  const uri = useMemo(() => newModelUri(name), [name]);
  const read = useRef<() => string>(() => opened?.text ?? '');
  const [dirty, setDirty] = useState(false);
  const [ready, setReady] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [confirm, setConfirm] = useState(false);
  const [drift, setDrift] = useState<{ theirs: string; drift: Drift; mine: string } | null>(null);
  const dirtyRef = useRef(dirty);
  useEffect(() => {
    dirtyRef.current = dirty;
  }, [dirty]);

  const leave = useLeaveGuards(() => dirtyRef.current, () => setConfirm(true), onClose);
  const requestClose = () => (dirtyRef.current ? setConfirm(true) : leave());

  // Glyphs come after the editor is interactive: parsing a 200 KB text for them takes ~50 ms.
  const [glyphs, setGlyphs] = useState<Glyph[] | null>(null);
  useEffect(() => {
    if (!opened || !ready) return;
    const id = window.setTimeout(() => setGlyphs(ownershipGlyphs(lineIndex(opened.text), opened.managers)), 0);
    return () => window.clearTimeout(id);
  }, [opened, ready]);
  const action = useEditAction(path, () => opened?.text ?? '', () => read.current());

  const run = async (dryRun: boolean, force = false) => {
    const outcome = await action.run(dryRun, force);
    if (outcome.kind === 'done' && dryRun) setPanel({ kind: 'preview', result: outcome.result });
    if (outcome.kind === 'done' && !dryRun) {
      setPanel({ kind: 'none' });
      setDrift(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.object(path) });
      await reload();
      setDirty(false);
    }
    if (outcome.kind === 'failed' && outcome.error instanceof ApiError && outcome.error.status === 409) {
      setPanel({ kind: 'conflicts', conflicts: toConflicts(outcome.error.details) });
    }
  };

  // Drift: the page follows the object; when its version moves away from the one opened,
  // compare what changed with what the user changed.
  const openedText = opened?.text;
  useEffect(() => {
    if (openedText === undefined || !liveVersion || liveVersion === resourceVersionOf(openedText) || action.busy) return;
    const controller = new AbortController();
    api.yaml(path, controller.signal).then(
      (theirs) => {
        const mine = read.current();
        const found = driftOf(openedText, theirs, mine);
        setDrift(found ? { theirs, drift: found, mine } : null);
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [liveVersion, openedText, path, action.busy]);

  const state = openError ? 'error' : ready ? 'ready' : 'loading';
  return (
    <div
      role="dialog"
      aria-label={`Edit ${kind} ${name}`}
      id="editor"
      data-state={state}
      data-dirty={dirty}
      data-schema={schema.status}
      data-problems={problems.length}
      data-glyphs={glyphs ? glyphs.length : 'pending'}
      className="fixed inset-0 z-40 flex flex-col bg-white dark:bg-slate-950"
      onKeyDown={(e) => {
        // The page's shortcuts stay behind the editor.
        e.stopPropagation();
        if (e.key === 'Escape') requestClose();
        if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'Enter')) {
          e.preventDefault();
          void run(e.key === 's');
        }
      }}
    >
      <header className="flex items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
        <h2 className="font-semibold">
          Edit {kind} <span className="font-mono">{name}</span>
        </h2>
        {dirty && <span className="text-xs text-amber-700 dark:text-amber-300">unsaved changes</span>}
        <span className="flex-1" />
        <span id="editor-status" className="text-xs text-slate-500" data-status={action.status}>{action.message}</span>
        <button id="editor-preview-button" type="button" className={button} disabled={!ready || action.busy} onClick={() => void run(true)} title="Ctrl/Cmd+S">Preview</button>
        <button id="editor-apply-button" type="button" className={button} disabled={!ready || action.busy} onClick={() => void run(false)} title="Ctrl/Cmd+Enter">Apply</button>
        <button id="editor-close" type="button" className={button} onClick={requestClose} title="Esc">Close</button>
      </header>
      {schema.status === 'missing' && (
        <p id="editor-no-schema" role="status" className="bg-slate-100 px-4 py-1 text-xs dark:bg-slate-900">
          No schema for {apiVersion} {kind}: no completion or validation, the server still checks on apply.
        </p>
      )}
      {drift && (
        <p id="editor-drift" role="status" className="flex items-center gap-2 bg-amber-100 px-4 py-1 text-xs dark:bg-amber-950">
          Someone else changed this object while you edited: {drift.drift.theirs.join(', ')}
          {drift.drift.overlap.length > 0 && <strong> (you changed {drift.drift.overlap.join(', ')} too)</strong>}
          <button id="editor-drift-show" type="button" className={button} onClick={() => setPanel({ kind: 'drift', mine: read.current() })}>Three-way view</button>
          <button
            id="editor-drift-reload"
            type="button"
            className={button}
            title="Open the object as it is now (your changes are dropped)"
            onClick={() => void reload().then(() => {
              setDrift(null);
              setPanel({ kind: 'none' });
            })}
          >
            Reload theirs
          </button>
        </p>
      )}
      {confirm && (
        <p id="editor-discard" role="alert" className="flex items-center gap-2 bg-amber-100 px-4 py-1 text-sm dark:bg-amber-950">
          Discard your changes?
          <button id="editor-discard-yes" type="button" className={button} onClick={leave}>Discard</button>
          <button id="editor-discard-no" type="button" className={button} onClick={() => setConfirm(false)}>Keep editing</button>
        </p>
      )}
      {action.status === 'error' && action.error !== undefined && !(action.error instanceof ApiError && action.error.status === 409) && (
        <p id="editor-error" role="alert" data-code={action.error instanceof ApiError ? action.error.code : ''} className="bg-red-50 px-4 py-1 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {errorMessage(action.error)}
        </p>
      )}
      {openError !== undefined && <p role="alert" className="p-4 text-sm text-red-700">{errorMessage(openError)}</p>}
      <main className="flex min-h-0 flex-1">
        <div className="min-w-0 flex-1">
          {opened && schema.status !== 'loading' ? (
            <CodeEditor
              uri={uri}
              text={opened.text}
              schema={schema.status === 'ready' ? schema.schema : undefined}
              glyphs={glyphs ?? NO_GLYPHS}
              onChange={setDirty}
              onBuffer={(r) => (read.current = r)}
              onProblems={setProblems}
              onReady={() => setReady(true)}
              onPreview={() => void run(true)}
              onApply={() => void run(false)}
              onEscape={requestClose}
            />
          ) : (
            !openError && <p className="p-4 text-sm text-slate-500">Loading the editor…</p>
          )}
        </div>
        {panel.kind !== 'none' && (
          <aside className="flex w-1/2 min-w-0 flex-col border-l border-slate-200 dark:border-slate-800">
            <button type="button" className="self-end px-2 text-xs text-slate-500" onClick={() => setPanel({ kind: 'none' })}>hide ×</button>
            {panel.kind === 'preview' && <PreviewPanel result={panel.result} />}
            {panel.kind === 'conflicts' && <ConflictPanel conflicts={panel.conflicts} name={name} busy={action.busy} onForce={() => void run(false, true)} />}
            {panel.kind === 'drift' && drift && opened && <ThreeWay opened={opened.text} theirs={drift.theirs} mine={panel.mine} />}
          </aside>
        )}
      </main>
      {problems.length > 0 && (
        <ul id="editor-problems" className="max-h-24 overflow-auto border-t border-slate-200 px-4 py-1 text-xs dark:border-slate-800">
          {problems.map((p, i) => (
            <li key={i} data-line={p.line}>line {p.line}: {p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
