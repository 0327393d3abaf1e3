import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';

import { api } from '../api/endpoints';
import { useClusters } from '../api/hooks';
import { queryKeys } from '../api/queryKeys';
import type { Check } from '../api/types.gen';
import type { ExecFit } from './containers';

// The dialog and the terminal code behind it load when the button is first clicked.
const ExecDialog = lazy(() => import('./ExecDialog').then((m) => ({ default: m.ExecDialog })));

type Obj = Record<string, unknown>;

/** Why the user may not exec here (the cluster's switch, can-i `create pods/exec`), and whether both answered. */
function useExecDenied(cluster: string, namespace: string, pod: string | undefined): { denied?: string; checked: boolean } {
  const clusters = useClusters();
  const check: Check = { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace, ...(pod ? { name: pod } : {}) };
  const canI = useQuery({ queryKey: queryKeys.canI(cluster, [check]), queryFn: () => api.canI(cluster, [check]), staleTime: 30_000 });
  const checked = !clusters.isPending && !canI.isPending;
  const entry = clusters.data?.clusters.find((c) => c.name === cluster);
  if (entry && !entry.execEnabled) return { denied: 'Terminals are switched off for this cluster', checked };
  const answer = canI.data?.results[0];
  if (answer && !answer.allowed) return { denied: `Not allowed: ${answer.message || answer.reason || 'your role may not exec into pods here'}`, checked };
  return { checked };
}

/** The Terminal button of a pod or workload page. */
export function ExecButton({ cluster, namespace, name, fit, object }: { cluster: string; namespace: string; name: string; fit: ExecFit; object: Obj | undefined }) {
  const [open, setOpen] = useState(false);
  // The pod's name comes from the page's address, not the loaded object, so the check is asked
  // once, by name, from the start (asking again once the object loaded let the button flash
  // enabled for a viewer between the two answers).
  const podName = fit.kind === 'pod' ? name : undefined;
  const { denied, checked } = useExecDenied(cluster, namespace, podName);
  if (fit.kind === 'none') return null;
  return (
    <>
      <button
        type="button"
        data-terminal-button=""
        data-permissions={checked ? 'checked' : 'pending'}
        disabled={denied !== undefined || !checked || !object}
        title={denied ?? 'Open a shell in a container (Ctrl+` shows or hides the terminals)'}
        onClick={() => setOpen(true)}
        className="rounded border border-slate-300 px-3 py-1 text-sm disabled:cursor-not-allowed disabled:opacity-50 dark:border-slate-700"
      >
        Terminal
      </button>
      {open && object && (
        <Suspense fallback={null}>
          <ExecDialog cluster={cluster} namespace={namespace} fit={fit} object={object} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
