import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { errorMessage, send } from '../api/client';
import { type ActionSpec, actionsFor, canIResource, parseReplicas } from '../lib/actions';
import type { KindRef } from '../lib/resources';
import { Dialog } from './Dialog';

interface Target {
  cluster: string;
  ref: KindRef;
  namespace: string | undefined;
  name: string;
  /** The object's API URL. */
  path: string;
  /** Where to go after it is deleted. */
  listUrl: string;
}

interface CanIAnswer {
  results: { allowed: boolean; reason?: string | null; message?: string | null }[];
}

/** can-i for every action: disabled buttons say why instead of disappearing. */
function usePermissions(target: Target, actions: ActionSpec[]) {
  const checks = actions.map((a) => {
    const r = canIResource(a, target.ref.group, target.ref.resource);
    return {
      verb: a.verb,
      group: r.group === 'core' ? '' : r.group,
      resource: r.resource,
      namespace: target.namespace ?? '',
      ...(a.id === 'trigger' ? {} : { name: target.name }),
    };
  });
  return useQuery({
    queryKey: ['can-i', target.cluster, checks],
    queryFn: () => send<CanIAnswer>('POST', `/api/clusters/${encodeURIComponent(target.cluster)}/can-i`, { checks }),
    staleTime: 30_000,
  });
}

function ActionDialog({ action, target, object, onClose }: { action: ActionSpec; target: Target; object: Record<string, unknown> | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const spec = (object?.spec ?? {}) as Record<string, unknown>;
  const [text, setText] = useState(action.id === 'scale' ? String(spec.replicas ?? 1) : '');
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (body: unknown) => send<Record<string, unknown>>(action.method, action.sub ? `${target.path}/${action.sub}` : target.path, body),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['object', target.path] });
      await queryClient.invalidateQueries({ queryKey: ['list', target.cluster] });
      onClose();
      if (action.id === 'delete') navigate(target.listUrl);
    },
  });

  const confirm = () => {
    setProblem(null);
    if (action.id === 'scale') {
      const parsed = parseReplicas(text);
      if ('error' in parsed) return setProblem(parsed.error);
      return mutation.mutate(parsed);
    }
    if (action.id === 'delete' && text !== target.name) return setProblem('Type the name exactly to delete.');
    mutation.mutate(undefined);
  };

  const what = `${target.ref.resource}/${target.name}`;
  return (
    <Dialog title={`${action.label} ${what}`} onClose={onClose}>
      {action.id === 'scale' && (
        <label className="block text-sm">
          Replicas
          <input id="action-input" autoFocus type="number" min={0} className="mt-1 block w-32 rounded border px-2 py-1 dark:bg-slate-800" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && confirm()} />
        </label>
      )}
      {action.id === 'delete' && (
        <label className="block text-sm">
          Type <strong className="font-mono">{target.name}</strong> to delete it{target.namespace ? ` from ${target.namespace}` : ''}.
          <input id="action-input" autoFocus className="mt-1 block w-full rounded border px-2 py-1 font-mono dark:bg-slate-800" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && confirm()} />
        </label>
      )}
      {action.id !== 'scale' && action.id !== 'delete' && <p className="text-sm">{action.label} {what}?</p>}
      {(problem || mutation.isError) && (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-300">
          {problem ?? errorMessage(mutation.error)}
        </p>
      )}
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="rounded px-3 py-1 text-sm" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          id="action-confirm"
          disabled={mutation.isPending || (action.id === 'delete' && text !== target.name)}
          className={`rounded px-3 py-1 text-sm text-white disabled:opacity-50 ${action.danger ? 'bg-red-600' : 'bg-blue-600'}`}
          onClick={confirm}
        >
          {mutation.isPending ? 'Working…' : action.label}
        </button>
      </div>
    </Dialog>
  );
}

/** The action buttons of a detail page. */
export function Actions({ target, object }: { target: Target; object: Record<string, unknown> | undefined }) {
  const actions = actionsFor(target.ref.resource, object);
  const permissions = usePermissions(target, actions);
  const [open, setOpen] = useState<ActionSpec | null>(null);
  return (
    <div className="flex flex-wrap gap-2" data-permissions={permissions.isPending ? 'pending' : 'checked'}>
      {actions.map((action, i) => {
        const answer = permissions.data?.results[i];
        const denied = answer !== undefined && !answer.allowed;
        const reason = denied ? `Not allowed: ${answer.message || answer.reason || 'your role may not do this'}` : undefined;
        return (
          <button
            key={action.id}
            type="button"
            data-action={action.id}
            disabled={denied}
            title={reason}
            onClick={() => setOpen(action)}
            className={`rounded border px-3 py-1 text-sm disabled:cursor-not-allowed disabled:opacity-50 ${
              action.danger ? 'border-red-300 text-red-700 dark:text-red-300' : 'border-slate-300 dark:border-slate-700'
            }`}
          >
            {action.label}
          </button>
        );
      })}
      {open && <ActionDialog action={open} target={target} object={object} onClose={() => setOpen(null)} />}
    </div>
  );
}
