// Pieces every action dialog shares: the request, and the footer with its error and buttons.

import { type UseMutationResult, useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';

import { ApiError, errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { changedBy } from '../api/queryKeys';
import type { ActionSpec } from '../lib/actions';
import type { KindRef } from '../lib/resources';

export interface ActionTarget {
  cluster: string;
  ref: KindRef;
  namespace: string | undefined;
  name: string;
  /** The object's API URL. */
  path: string;
  /** Where to go after it is deleted. */
  listUrl: string;
}

export type ActionMutation = UseMutationResult<void, Error, unknown>;

/** Sends `action` for `target`; on success refreshes everything it changed and closes the dialog. */
export function useAction(action: ActionSpec, target: ActionTarget, onClose: () => void): ActionMutation {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: (body: unknown) => api.act(action.method, target.path, action.sub, body),
    onSuccess: async () => {
      await Promise.all(changedBy(target).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onClose();
      if (action.id === 'delete') navigate(target.listUrl);
    },
  });
}

/** The problem (ours, or the envelope's message), Cancel, and the action's button. */
export function ActionFooter(props: {
  action: ActionSpec;
  mutation: ActionMutation;
  problem: string | null;
  disabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { action, mutation, problem, disabled, onConfirm, onClose } = props;
  return (
    <>
      {(problem || mutation.isError) && (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-300">
          {problem ?? (mutation.error instanceof ApiError && mutation.error.forbidden ? `Your role can't do this: ${mutation.error.message}` : errorMessage(mutation.error))}
        </p>
      )}
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="rounded px-3 py-1 text-sm" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          id="action-confirm"
          disabled={mutation.isPending || disabled}
          className={`rounded px-3 py-1 text-sm text-white disabled:opacity-50 ${action.danger ? 'bg-red-600' : 'bg-blue-600'}`}
          onClick={onConfirm}
        >
          {mutation.isPending ? 'Working…' : action.label}
        </button>
      </div>
    </>
  );
}
