// The values editor: the YAML editor's Monaco component (web/src/editor/CodeEditor) without a
// schema or ownership glyphs. Imported only by the lazily loaded upgrade and install views, so
// Monaco stays out of the initial JavaScript.

import '../editor/editor.css';

import { useMemo, useState } from 'react';

import { CodeEditor, newModelUri, type Problem } from '../editor/CodeEditor';

const NO_GLYPHS: never[] = [];

/**
 * Edits `text`; `onBuffer` gets the reader of the current buffer, `onChange` whether it differs
 * from `text` after each edit, Ctrl/Cmd+S asks `onPreview`.
 */
export function ValuesEditor(props: { name: string; text: string; onBuffer: (read: () => string) => void; onChange: (dirty: boolean) => void; onPreview: () => void; onEscape: () => void }) {
  const { name, text, onBuffer, onChange, onPreview, onEscape } = props;
  const uri = useMemo(() => newModelUri(`${name}-values`), [name]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [ready, setReady] = useState(false);
  return (
    <div className="flex h-full min-h-0 flex-col" id="helm-values-editor" data-state={ready ? 'ready' : 'loading'}>
      <div className="min-h-0 flex-1 rounded border border-slate-200 dark:border-slate-800">
        <CodeEditor
          uri={uri}
          text={text}
          schema={undefined}
          glyphs={NO_GLYPHS}
          onChange={onChange}
          onBuffer={onBuffer}
          onProblems={setProblems}
          onReady={() => setReady(true)}
          onPreview={onPreview}
          onApply={onPreview}
          onEscape={onEscape}
        />
      </div>
      {problems.length > 0 && (
        <ul className="max-h-20 overflow-auto text-xs text-red-700 dark:text-red-300">
          {problems.map((p, i) => (
            <li key={i}>line {p.line}: {p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
