import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import type { Check } from '../api/types.gen';
import { type ActionId, type ActionSpec, actionsFor, canIResource, parseReplicas } from '../lib/actions';
import { type PaletteAction, paletteLabel, publishPaletteActions, withdrawPaletteActions } from '../lib/paletteActions';
import { type ActionTarget as Target, ActionFooter, useAction } from './actionParts';
import { Dialog } from './Dialog';
import { LabelsDialog } from './LabelsDialog';
import { RollbackDialog } from './RollbackDialog';

/** can-i for every action: disabled buttons say why instead of disappearing. */
function usePermissions(target: Target, actions: ActionSpec[]) {
  const checks = actions.map((a): Check => {
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
    queryKey: queryKeys.canI(target.cluster, checks),
    queryFn: () => api.canI(target.cluster, checks),
    staleTime: 30_000,
  });
}

type DialogProps = { action: ActionSpec; target: Target; object: Record<string, unknown> | undefined; onClose: () => void };

function ActionDialog(props: DialogProps) {
  if (props.action.id === 'labels') return <LabelsDialog {...props} />;
  if (props.action.id === 'rollback') return <RollbackDialog {...props} />;
  return <SimpleDialog {...props} />;
}

/** Scale, delete (typing the name) and the one-click actions. */
function SimpleDialog({ action, target, object, onClose }: DialogProps) {
  const spec = (object?.spec ?? {}) as Record<string, unknown>;
  const [text, setText] = useState(action.id === 'scale' ? String(spec.replicas ?? 1) : '');
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useAction(action, target, onClose);

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
      <ActionFooter
        action={action}
        mutation={mutation}
        problem={problem}
        disabled={action.id === 'delete' && text !== target.name}
        onConfirm={confirm}
        onClose={onClose}
      />
    </Dialog>
  );
}

/** The action buttons of a detail page: of the actions the kind `offers`, those that fit the object. */
export function Actions({ target, offers, object }: { target: Target; offers: readonly ActionId[]; object: Record<string, unknown> | undefined }) {
  const actions = actionsFor(offers, object);
  const permissions = usePermissions(target, actions);
  const [open, setOpen] = useState<ActionSpec | null>(null);
  const reasons = actions.map((_, i) => {
    const answer = permissions.data?.results[i];
    return answer !== undefined && !answer.allowed ? `Not allowed: ${answer.message || answer.reason || 'your role may not do this'}` : undefined;
  });
  // The palette (Ctrl/Cmd+K) offers the same actions while this page is open.
  const [me] = useState(() => ({}));
  const kind = typeof object?.kind === 'string' ? object.kind : target.ref.resource;
  useEffect(() => {
    const entries = actions.map(
      (action, i): PaletteAction => ({
        id: action.id,
        label: paletteLabel(action.label, kind, target.name),
        disabledReason: reasons[i],
        danger: action.danger,
        run: () => setOpen(action),
      }),
    );
    publishPaletteActions(me, entries);
  });
  useEffect(() => () => withdrawPaletteActions(me), [me]);
  return (
    <div className="flex flex-wrap gap-2" data-permissions={permissions.isPending ? 'pending' : 'checked'}>
      {actions.map((action, i) => {
        const reason = reasons[i];
        const denied = reason !== undefined;
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
