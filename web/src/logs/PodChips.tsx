import { useState } from 'react';

import { podColor } from './colors';
import type { Meta, OmittedPod } from './store';

/** Chips shown before "+N more". */
export const CHIPS_SHOWN = 30;

const REASONS: Record<string, string> = {
  limit: 'over the limit of pods per stream',
  forbidden: "your role can't read its logs",
  budget: 'your budget of concurrent log streams is used up',
  'no-container': 'it has no such container',
  filtered: 'not picked',
  unavailable: 'its log cannot be read',
};

export function reasonText(reason: string): string {
  return REASONS[reason] ?? (reason || 'left out');
}

/** The next pod filter after clicking `name`'s chip: show only it, add it, or drop it. */
export function togglePod(pods: string[], name: string): string[] {
  if (pods.includes(name)) return pods.filter((p) => p !== name);
  return [...pods, name].sort();
}

/**
 * A workload's pods as chips in their colours: clicking one streams only the picked pods
 * (server-side `pods=`); pods not picked stay as dimmed chips to pick again.
 */
export function PodChips({ meta, pods, onPods }: { meta: Meta; pods: string[]; onPods: (pods: string[]) => void }) {
  const [all, setAll] = useState(false);
  const names = [...new Set([...meta.pods.map((p) => p.name), ...meta.omitted.filter((o) => o.reason === 'filtered').map((o) => o.name), ...pods])].sort();
  if (names.length === 0) return null;
  const shown = all ? names : names.slice(0, CHIPS_SHOWN);
  const nodes = new Map(meta.pods.map((p) => [p.name, p.node]));
  return (
    <div id="log-pods" className="flex flex-wrap items-center gap-1 border-b border-slate-200 px-3 py-1.5 text-xs dark:border-slate-800">
      <button
        type="button"
        data-pod-chip=""
        aria-pressed={pods.length === 0}
        className={`rounded border px-2 py-0.5 ${pods.length === 0 ? 'border-blue-600 font-medium' : 'border-slate-300 text-slate-500 dark:border-slate-700'}`}
        onClick={() => onPods([])}
      >
        All pods ({names.length})
      </button>
      {shown.map((name) => {
        const picked = pods.length === 0 || pods.includes(name);
        return (
          <button
            key={name}
            type="button"
            data-pod-chip={name}
            aria-pressed={pods.includes(name)}
            title={`${name}${nodes.get(name) ? ` on ${nodes.get(name)}` : ''}: ${pods.includes(name) ? 'click to drop from the filter' : 'click to show this pod'}`}
            className={`rounded border-l-4 px-2 py-0.5 ${podColor(name)} ${picked ? '' : 'opacity-40'} ${pods.includes(name) ? 'ring-1 ring-blue-600' : ''}`}
            onClick={() => onPods(togglePod(pods, name))}
          >
            {name}
          </button>
        );
      })}
      {names.length > shown.length && (
        <button type="button" className="px-1 text-blue-700 hover:underline dark:text-blue-300" onClick={() => setAll(true)}>
          +{names.length - shown.length} more
        </button>
      )}
    </div>
  );
}

/** Pods the server left out of the stream (other than those not picked), with why. */
export function OmittedPods({ omitted }: { omitted: OmittedPod[] }) {
  const left = omitted.filter((o) => o.reason !== 'filtered');
  if (left.length === 0) return null;
  return (
    <details id="log-omitted" className="border-b border-amber-300 bg-amber-50 px-3 py-1 text-xs text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
      <summary>
        {left.length} pod{left.length === 1 ? '' : 's'} not in this stream ({[...new Set(left.map((o) => reasonText(o.reason)))].join('; ')})
      </summary>
      <ul className="mt-1 columns-2">
        {left.map((o) => (
          <li key={o.name} data-omitted={o.name} data-reason={o.reason}>
            {o.name}: {reasonText(o.reason)}
          </li>
        ))}
      </ul>
    </details>
  );
}
