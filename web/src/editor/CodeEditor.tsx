// The editable Monaco editor: the YAML model (with the kind's schema set before it exists, so
// the first validation already uses it), ownership glyphs, the problems the schema finds, and
// the editor's keys (Ctrl/Cmd+S preview, Ctrl/Cmd+Enter apply, Esc close).

import type { JSONSchema } from 'monaco-yaml';
import { useEffect, useRef, useState } from 'react';

import { monaco, nextValidation, setSchema } from './monaco';
import { glyphHover, type Glyph } from './ownership';

/** A schema problem as the strip under the editor lists it. */
export interface Problem {
  line: number;
  message: string;
}

export interface CodeEditorProps {
  /** Model URI (one per open editor). */
  uri: string;
  /** The text as opened (a new value replaces the buffer: a reload). */
  text: string;
  schema: JSONSchema | undefined;
  glyphs: Glyph[];
  /** After each edit: whether the buffer differs from the text as opened (undo back counts as clean). */
  onChange: (dirty: boolean) => void;
  /** Gets the function that reads the buffer now (read on demand: a 5,000-line text is not copied per key). */
  onBuffer: (read: () => string) => void;
  onProblems: (problems: Problem[]) => void;
  /** The text is in, the schema attached and validated once. */
  onReady: () => void;
  onPreview: () => void;
  onApply: () => void;
  onEscape: () => void;
}

let counter = 0;
/** A model URI of its own for each editor the page opens. */
export function newModelUri(name: string): string {
  counter += 1;
  return `inmemory://periscope/${counter}/${encodeURIComponent(name)}.yaml`;
}

export const theme = () => (document.documentElement.classList.contains('dark') ? 'vs-dark' : 'vs');

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<ReturnType<typeof monaco.editor.create> | null>(null);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });

  // The editor and its model live as long as the component; the schema goes in first.
  const { uri, text, schema } = props;
  const initial = useRef(text);
  const clean = useRef(0);
  useEffect(() => {
    if (!host.current) return;
    let disposed = false;
    const target = host.current;
    const parts: { dispose(): void }[] = [];
    void setSchema(uri, schema).then(() => {
      if (disposed) return;
      const modelUri = monaco.Uri.parse(uri);
      const validated = nextValidation(modelUri);
      const model = monaco.editor.createModel(initial.current, 'yaml', modelUri);
      const created = monaco.editor.create(target, {
        model,
        theme: theme(),
        automaticLayout: true,
        glyphMargin: true,
        minimap: { enabled: false },
        fontSize: 12,
        scrollBeyondLastLine: false,
        tabSize: 2,
        renderWhitespace: 'none',
        // Suggestions pop up as keys are typed, not inside values (each would ask the worker).
        quickSuggestions: { other: true, comments: false, strings: false },
      });
      setEditor(created);
      clean.current = model.getAlternativeVersionId();
      latest.current.onBuffer(() => model.getValue());
      const { KeyMod, KeyCode } = monaco;
      created.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, () => latest.current.onPreview());
      created.addCommand(KeyMod.CtrlCmd | KeyCode.Enter, () => latest.current.onApply());
      created.addCommand(KeyCode.Escape, () => latest.current.onEscape(), '!suggestWidgetVisible && !findWidgetVisible && !parameterHintsVisible && !renameInputVisible');
      parts.push(
        model.onDidChangeContent(() => latest.current.onChange(model.getAlternativeVersionId() !== clean.current)),
        monaco.editor.onDidChangeMarkers((uris) => {
          if (!uris.some((u) => u.toString() === modelUri.toString())) return;
          const markers = monaco.editor.getModelMarkers({ resource: modelUri });
          latest.current.onProblems(markers.map((m) => ({ line: m.startLineNumber, message: m.message })));
        }),
        created,
        model,
      );
      created.focus();
      void validated.then(() => !disposed && latest.current.onReady());
    });
    return () => {
      disposed = true;
      setEditor(null);
      parts.forEach((p) => p.dispose());
      void setSchema(uri, undefined);
    };
  }, [uri, schema]);

  // A new text as opened (reloaded after an apply) replaces the buffer in the same model.
  useEffect(() => {
    initial.current = text;
    const model = editor?.getModel();
    if (!model) return;
    // The buffer may already be that text (an apply of exactly it): it is the clean state now.
    if (model.getValue() !== text) model.setValue(text);
    clean.current = model.getAlternativeVersionId();
    latest.current.onChange(false);
  }, [editor, text]);

  // Glyphs follow the text as it was when the managers were read; they move with edits.
  const { glyphs } = props;
  useEffect(() => {
    if (!editor) return;
    const collection = editor.createDecorationsCollection(
      glyphs.map((g) => ({
        range: new monaco.Range(g.line, 1, g.line, 1),
        options: {
          glyphMarginClassName: `owner-glyph owner-${g.owners[0]?.class ?? 'unknown'}`,
          glyphMarginHoverMessage: { value: glyphHover(g) },
          stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
        },
      })),
    );
    return () => collection.clear();
  }, [editor, glyphs]);

  return <div ref={host} id="editor-code" className="h-full min-h-0 w-full" />;
}
