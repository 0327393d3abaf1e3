// Read-only Monaco views: one text (the three-way view's columns) and a diff (preview).

import { useEffect, useRef } from 'react';

import { theme } from './CodeEditor';
import { monaco } from './monaco';

const OPTIONS = {
  readOnly: true,
  automaticLayout: true,
  minimap: { enabled: false },
  fontSize: 12,
  scrollBeyondLastLine: false,
  theme: theme(),
} as const;

/** One read-only text, e.g. a column of the three-way view. */
export function TextView({ text, id }: { text: string; id?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const model = monaco.editor.createModel(text, 'yaml');
    const view = monaco.editor.create(host.current, { ...OPTIONS, model, theme: theme() });
    return () => {
      view.dispose();
      model.dispose();
    };
  }, [text]);
  return <div ref={host} id={id} data-text-view className="h-full min-h-0 w-full" />;
}

/** Before and after, side by side with the changes marked. */
export function DiffView({ before, after, id }: { before: string; after: string; id?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const original = monaco.editor.createModel(before, 'yaml');
    const modified = monaco.editor.createModel(after, 'yaml');
    const view = monaco.editor.createDiffEditor(host.current, { ...OPTIONS, theme: theme(), renderSideBySide: true, originalEditable: false });
    view.setModel({ original, modified });
    return () => {
      view.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [before, after]);
  return <div ref={host} id={id} className="h-full min-h-0 w-full" />;
}
