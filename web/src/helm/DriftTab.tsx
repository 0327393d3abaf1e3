// Drift: each object of the release's manifest against the live one (read as the user); for a
// drifted one the paths where live differs from what the release set.

import { useQuery } from '@tanstack/react-query';

import { helmApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { ErrorBox } from '../components/ErrorBox';
import { ChangeRows } from './DiffPanel';
import type { DriftState } from './types';

const STATE_TEXT: Record<DriftState, { label: string; tone: string }> = {
  inSync: { label: 'in sync', tone: 'text-emerald-700 dark:text-emerald-300' },
  drifted: { label: 'drifted', tone: 'text-amber-700 dark:text-amber-300' },
  missing: { label: 'missing', tone: 'text-red-700 dark:text-red-300' },
  forbidden: { label: "your role can't read it", tone: 'text-slate-500' },
};

export function DriftState({ state }: { state: DriftState }) {
  const { label, tone } = STATE_TEXT[state] ?? STATE_TEXT.forbidden;
  return <span className={tone} data-state={state}>{label}</span>;
}

/** The drift answer as a query (the Resources tab reads the same one). */
export function useDrift(path: string) {
  return useQuery({ queryKey: queryKeys.helmRelease(path, 'drift'), queryFn: ({ signal }) => helmApi.drift(path, signal) });
}

export function DriftTab({ path }: { path: string }) {
  const drift = useDrift(path);
  if (drift.isError) return <ErrorBox error={drift.error} />;
  if (!drift.data) return <p className="text-sm text-slate-500">Comparing with the live objects…</p>;
  const { objects, drifted } = drift.data;
  return (
    <div id="helm-drift" data-drifted={drifted} className="space-y-2 text-sm">
      <div className="flex items-center gap-3">
        <p className={drifted ? 'text-amber-700 dark:text-amber-300' : 'text-emerald-700 dark:text-emerald-300'}>
          {drifted ? `${drifted} of ${objects.length} objects differ from the release.` : `All ${objects.length} objects are as the release set them.`}
        </p>
        <button type="button" className="text-xs text-blue-700 hover:underline dark:text-blue-300" onClick={() => void drift.refetch()}>
          {drift.isFetching ? 'Checking…' : 'Check again'}
        </button>
      </div>
      <p className="text-xs text-slate-500">Only fields the release sets are compared: server defaults, status and controller metadata never count.</p>
      {objects.map((o) => (
        <div key={o.object} data-drift-object={o.object} className="rounded border border-slate-200 p-2 dark:border-slate-800">
          <p className="font-mono text-xs">
            <span className="font-medium">{o.object}</span> · <DriftState state={o.state} />
          </p>
          {o.changes.length > 0 && <ChangeRows changes={o.changes} testid="drift-change" labels={['Release', 'Live']} />}
        </div>
      ))}
    </div>
  );
}

