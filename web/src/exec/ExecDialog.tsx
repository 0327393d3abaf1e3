import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import type { Row } from '../api/types.gen';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { PODS_REF } from '../lib/kinds';
import { objectPath } from '../lib/resources';
import { openSession } from './browser';
import { type ContainerChoice, defaultContainer, type ExecFit, podContainers } from './containers';
import { openInDrawer } from './drawer';
import { execRoute } from './routes';

// The Terminal button's dialog (loaded when first opened): which pod of a workload, which
// container, then a terminal in the drawer or on a page of its own.

type Obj = Record<string, unknown>;

const KIND_LABEL: Record<ContainerChoice['kind'], string> = { container: '', init: 'init', ephemeral: 'ephemeral' };

/** The containers of `pod`, to pick one (the default picked first). */
function ContainerPicker({ pod, value, onChange }: { pod: Obj | undefined; value: string | undefined; onChange: (name: string) => void }) {
  const choices = podContainers(pod);
  if (choices.length === 0) return <p className="text-sm text-slate-500">This pod has no containers.</p>;
  return (
    <fieldset className="text-sm" id="exec-containers">
      <legend className="mb-1 font-medium">Container</legend>
      {choices.map((c) => (
        <label key={`${c.kind}/${c.name}`} className="flex items-center gap-2 py-0.5">
          <input type="radio" name="exec-container" value={c.name} checked={value === c.name} onChange={() => onChange(c.name)} data-container={c.name} />
          <span className="font-mono">{c.name}</span>
          {KIND_LABEL[c.kind] && <span className="rounded bg-slate-200 px-1 text-xs dark:bg-slate-700">{KIND_LABEL[c.kind]}</span>}
          <span className={`text-xs ${c.running ? 'text-green-700 dark:text-green-300' : 'text-slate-500'}`}>{c.state}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** Running pods first: a terminal needs a running container. */
function byRunning(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => Number(b.status === 'Running') - Number(a.status === 'Running'));
}

/** A workload's pods to pick from (the first running one picked first). */
function useWorkloadPods(cluster: string, namespace: string, selector: string | null) {
  const params = { namespace, labelSelector: selector ?? '', limit: 100 };
  return useQuery({
    queryKey: queryKeys.list(cluster, PODS_REF, params, 'exec-pods'),
    queryFn: async ({ signal }) => byRunning((await api.list(cluster, PODS_REF, params, signal)).items),
    enabled: selector !== null,
  });
}

function PodPicker({ rows, value, onChange }: { rows: Row[]; value: string | undefined; onChange: (pod: string) => void }) {
  return (
    <label className="block text-sm">
      <span className="font-medium">Pod</span>
      <select id="exec-pod" className="mt-1 block w-full rounded border px-2 py-1 font-mono dark:bg-slate-800" value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        {rows.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name} ({String(p.status ?? '')})
          </option>
        ))}
      </select>
    </label>
  );
}

/** Picks the pod (of a workload) and the container, and opens the terminal. */
export function ExecDialog({ cluster, namespace, fit, object, onClose }: { cluster: string; namespace: string; fit: ExecFit; object: Obj; onClose: () => void }) {
  const ownName = typeof (object.metadata as Obj | undefined)?.name === 'string' ? String((object.metadata as Obj).name) : '';
  const selector = fit.kind === 'workload' ? fit.selector : null;
  const pods = useWorkloadPods(cluster, namespace, selector);
  const [pickedPod, setPickedPod] = useState<string | undefined>(undefined);
  const podName = fit.kind === 'pod' ? ownName : (pickedPod ?? pods.data?.[0]?.name);
  const chosen = useQuery({
    queryKey: queryKeys.objectPart(objectPath(cluster, PODS_REF, namespace, podName ?? ''), 'detail'),
    queryFn: ({ signal }) => api.object(objectPath(cluster, PODS_REF, namespace, podName ?? ''), signal),
    enabled: fit.kind === 'workload' && podName !== undefined,
  });
  const pod = fit.kind === 'pod' ? object : chosen.data;
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const container = picked ?? defaultContainer(pod, podContainers(pod));
  const [problem, setProblem] = useState<string | null>(null);
  const target = podName && container ? { cluster, namespace, pod: podName, container } : null;
  // Enter opens the terminal as soon as there is one to open (unless a picker has the keyboard).
  const openButton = useRef<HTMLButtonElement>(null);
  const ready = target !== null;
  useEffect(() => {
    const focused = document.activeElement;
    if (ready && (!focused || focused === document.body || focused.closest('[role="dialog"]') === null)) openButton.current?.focus();
  }, [ready]);
  const open = () => {
    if (!target) return;
    if (openInDrawer(target, openSession) === 'full') return setProblem('Five terminals are open in the drawer: close one first.');
    onClose();
  };
  return (
    <Dialog title={`Terminal in ${fit.kind === 'pod' ? ownName : `a pod of ${ownName}`}`} onClose={onClose}>
      <div className="space-y-3" id="exec-dialog">
        {fit.kind === 'workload' && selector === null && <p className="text-sm text-slate-500">No pod selector: this selects no pods.</p>}
        {pods.isError && <ErrorBox error={pods.error} />}
        {pods.isPending && selector !== null && <p className="text-sm text-slate-500">Loading pods…</p>}
        {pods.data?.length === 0 && <p className="text-sm text-slate-500">No pods match {selector}.</p>}
        {pods.data && pods.data.length > 0 && (
          <PodPicker
            rows={pods.data}
            value={podName}
            onChange={(p) => {
              setPickedPod(p);
              setPicked(undefined);
            }}
          />
        )}
        {chosen.isError && <ErrorBox error={chosen.error} />}
        {pod && <ContainerPicker pod={pod} value={container} onChange={setPicked} />}
        <p className="text-xs text-slate-500">The session is audited and its output recorded; a reconnect is a new shell.</p>
        {problem && <p role="alert" className="text-sm text-red-700 dark:text-red-300">{problem}</p>}
        <div className="flex justify-end gap-2">
          <button type="button" className="rounded px-3 py-1 text-sm" onClick={onClose}>Cancel</button>
          {target && (
            <Link id="exec-full-page" to={execRoute(target)} onClick={onClose} className="rounded border border-slate-300 px-3 py-1 text-sm dark:border-slate-700">
              Full page
            </Link>
          )}
          <button type="button" id="exec-open" ref={openButton} disabled={!target} onClick={open} className="rounded bg-blue-600 px-3 py-1 text-sm text-white disabled:opacity-50">
            Open terminal
          </button>
        </div>
      </div>
    </Dialog>
  );
}
