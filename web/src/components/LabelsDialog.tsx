import { useState } from 'react';

import type { ActionSpec } from '../lib/actions';
import { labelsToText, parseLabels } from '../lib/labels';
import { type ActionTarget, ActionFooter, useAction } from './actionParts';
import { Dialog } from './Dialog';

/** Edit labels: `key=value` lines, sent as PUT …/labels. */
export function LabelsDialog({ action, target, object, onClose }: { action: ActionSpec; target: ActionTarget; object: Record<string, unknown> | undefined; onClose: () => void }) {
  const metadata = (object?.metadata ?? {}) as { labels?: Record<string, string> };
  const [text, setText] = useState(() => labelsToText(metadata.labels));
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useAction(action, target, onClose);
  const confirm = () => {
    const parsed = parseLabels(text);
    if ('error' in parsed) return setProblem(parsed.error);
    setProblem(null);
    mutation.mutate({ labels: parsed.labels });
  };
  return (
    <Dialog title={`Edit labels of ${target.ref.resource}/${target.name}`} onClose={onClose}>
      <label className="block text-sm">
        One <code>key=value</code> per line
        <textarea
          id="labels-input"
          autoFocus
          rows={8}
          spellCheck={false}
          className="mt-1 block w-full rounded border px-2 py-1 font-mono text-xs dark:bg-slate-800"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <p className="mt-2 text-xs text-slate-500">Labels that another tool manages stay even when removed here.</p>
      <ActionFooter action={action} mutation={mutation} problem={problem} onConfirm={confirm} onClose={onClose} />
    </Dialog>
  );
}
