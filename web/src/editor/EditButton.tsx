// "Edit YAML" on a detail page (and its `e` key, bound by the Shell): opens the editor, whose
// code (Monaco, monaco-yaml, the editor) loads on the first click.

import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';

import type { KubeObject } from '../api/endpoints';
import { preload, type RawOpened } from './load';

const loadEditor = () => import('./EditorOverlay');
const EditorOverlay = lazy(loadEditor);

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function EditButton({ cluster, path, name, object }: { cluster: string; path: string; name: string; object: KubeObject | undefined }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Promise<RawOpened> | null>(null);
  const apiVersion = text(object?.apiVersion);
  const kind = text(object?.kind);
  const metadata = object?.metadata as Record<string, unknown> | undefined;
  return (
    <>
      <button
        type="button"
        data-edit-button
        id="edit-yaml"
        disabled={!apiVersion || !kind}
        // Pointing at the button starts loading the editor's code; the click its reads.
        onPointerEnter={() => void loadEditor()}
        onFocus={() => void loadEditor()}
        onClick={() => apiVersion && setOpen(preload(queryClient, cluster, path, apiVersion))}
        title="Edit this object's YAML (e)"
        className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
      >
        Edit YAML
      </button>
      {open && apiVersion && kind && (
        <Suspense fallback={<div role="dialog" aria-label="Loading the editor" id="editor" data-state="loading" className="fixed inset-0 z-40 bg-white p-6 text-sm text-slate-500 dark:bg-slate-950">Loading the editor…</div>}>
          <EditorOverlay cluster={cluster} path={path} apiVersion={apiVersion} kind={kind} name={name} liveVersion={text(metadata?.resourceVersion)} preloaded={open} onClose={() => setOpen(null)} />
        </Suspense>
      )}
    </>
  );
}
