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
export function ExecButton({ cluster, namespace, fit, object }: { cluster: string; namespace: string; fit: ExecFit; object: Obj | undefined }) {
  const [open, setOpen] = useState(false);
  const podName = fit.kind === 'pod' && typeof (object?.metadata as Obj | undefined)?.name === 'string' ? String((object?.metadata as Obj).name) : undefined;
  const { denied, checked } = useExecDenied(cluster, namespace, podName);
  // The check is asked again, for the pod by name, once the object has loaded: until that one
  // has answered the button stays disabled (it would otherwise flash enabled for a viewer).
  const settled = checked && object !== undefined;
  if (fit.kind === 'none') return null;
  return (
    <>
      <button
        type="button"
        data-terminal-button=""
        data-permissions={settled ? 'checked' : 'pending'}
        disabled={denied !== undefined || !settled}
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
