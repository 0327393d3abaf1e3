// "Roll back to this": what would change from the current revision to the chosen one, then
// POST …/rollback; a pre-flight refusal lists what the user's role may not do.

import { helmApi } from '../api/endpoints';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { DiffPanel } from './DiffPanel';
import { useDiff, useHelmWrite } from './hooks';
import type { ReleaseSummary } from './types';
import { WriteFooter } from './WriteError';

interface Props {
  cluster: string;
  path: string;
  name: string;
  current: number;
  target: ReleaseSummary;
  onClose: () => void;
}

export function RollbackDialog({ cluster, path, name, current, target, onClose }: Props) {
  const diff = useDiff(path, { from: current, to: target.revision });
  const write = useHelmWrite(cluster, path, (revision: number) => helmApi.rollback(path, revision), onClose);
  return (
    <Dialog title={`Roll back ${name} to revision ${target.revision}`} onClose={onClose} wide>
      <div id="helm-rollback-dialog">
        <p className="mb-2 text-sm">
          Helm makes a new revision with revision {target.revision}'s chart ({target.chartName}-{target.chartVersion}) and values. What changes from the current revision {current}:
        </p>
        {diff.isError && <ErrorBox error={diff.error} />}
        {diff.isPending && <p className="text-sm text-slate-500">Comparing…</p>}
        {diff.data && <DiffPanel id="helm-rollback-diff" diff={diff.data} />}
        <WriteFooter
          id="helm-rollback-confirm"
          label={`Roll back to ${target.revision}`}
          busyLabel="Rolling back…"
          ready={Boolean(diff.data)}
          pending={write.isPending}
          error={write.error}
          onConfirm={() => write.mutate(target.revision)}
          onCancel={onClose}
        />
      </div>
    </Dialog>
  );
}
