import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import type { ActionSpec } from '../lib/actions';
import { formatAge } from '../lib/format';
import { type ActionTarget, ActionFooter, useAction } from './actionParts';
import { Dialog } from './Dialog';
import { ErrorBox } from './ErrorBox';

/** Roll back: pick one of GET …/revisions (newest first), then POST …/rollback. */
export function RollbackDialog({ action, target, onClose }: { action: ActionSpec; target: ActionTarget; object: Record<string, unknown> | undefined; onClose: () => void }) {
  const revisions = useQuery({
    queryKey: queryKeys.objectPart(target.path, 'revisions'),
    queryFn: ({ signal }) => api.revisions(target.path, signal),
  });
  const [chosen, setChosen] = useState<number | null>(null);
  const mutation = useAction(action, target, onClose);
  const items = revisions.data ?? [];
  return (
    <Dialog title={`Roll back ${target.ref.resource}/${target.name}`} onClose={onClose}>
      {revisions.isError && <ErrorBox error={revisions.error} />}
      {revisions.isPending && <p className="text-sm text-slate-500">Loading revisions…</p>}
      {revisions.data && items.length === 0 && <p className="text-sm text-slate-500">No revisions.</p>}
      <ul id="revisions" className="max-h-64 space-y-1 overflow-auto text-sm">
        {items.map((r) => (
          <li key={r.revision}>
            <label className={`flex items-start gap-2 ${r.current ? 'text-slate-500' : ''}`}>
              <input type="radio" name="revision" value={r.revision} data-revision={r.revision} disabled={r.current} checked={chosen === r.revision} onChange={() => setChosen(r.revision)} />
              <span>
                <strong>#{r.revision}</strong> {r.current && '(current)'} <span className="text-xs text-slate-500">{formatAge(r.createdAt)} ago</span>
                <span className="block text-xs">{r.changeCause || r.name}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      <ActionFooter
        action={action}
        mutation={mutation}
        problem={null}
        disabled={chosen === null}
        onConfirm={() => chosen !== null && mutation.mutate({ revision: chosen })}
        onClose={onClose}
      />
    </Dialog>
  );
}
