// Install a chart from an HTTP(S) or OCI repository: repository, chart, version (from the
// repository), namespace and release name, values prefilled with the chart's defaults →
// Preview (rendered objects with the pre-flight's answers) → Confirm → the new release's page.
// Loaded on demand with Monaco.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';

import { helmApi, releasePath } from '../api/endpoints';
import { changedBy, queryKeys } from '../api/queryKeys';
import { ErrorBox } from '../components/ErrorBox';
import { InstallForm, type InstallTarget, targetProblem } from './InstallForm';
import { PreviewColumn } from './PreviewPanel';
import { releaseRoute } from './routes';
import type { InstallBody, Preview } from './types';
import { DiscardStrip, useDiscardGuard } from './useDiscardGuard';
import { ValuesEditor } from './ValuesEditor';

export default function InstallDialog({ cluster, namespace, onClose }: { cluster: string; namespace: string | undefined; onClose: () => void }) {
  const [target, setTarget] = useState<InstallTarget>({ repo: '', chart: '', version: '', namespace: namespace ?? '', name: '', createNamespace: false });
  const chosen = target.repo && target.chart && target.version ? target : null;
  const defaults = useQuery({
    queryKey: queryKeys.chart(cluster, target.repo, target.chart, target.version),
    queryFn: ({ signal }) => helmApi.chartValues(cluster, target.repo, target.chart, target.version, signal),
    enabled: chosen !== null,
    staleTime: 5 * 60_000,
    retry: false,
  });
  const read = useRef<() => string>(() => defaults.data?.values ?? '');
  const guard = useDiscardGuard(onClose);
  const [preview, setPreview] = useState<{ body: InstallBody; answer: Preview } | null>(null);
  const body = (): InstallBody => ({ ...target, values: read.current() });
  const asked = useMutation({ mutationFn: async (b: InstallBody) => ({ body: b, answer: await helmApi.installPreview(cluster, b) }), onSuccess: setPreview });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const write = useMutation({
    mutationFn: (b: InstallBody) => helmApi.install(cluster, b),
    onSuccess: async (_answer, b) => {
      await Promise.all(changedBy({ cluster, path: releasePath(cluster, b.namespace, b.name) }).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      onClose();
      navigate(releaseRoute(cluster, b.namespace, b.name));
    },
  });
  const problem = targetProblem(target);
  const ask = () => {
    if (problem === null && defaults.data && !asked.isPending) asked.mutate(body());
  };
  const button = 'rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';
  return (
    <div role="dialog" aria-label="Install a chart" id="helm-install-dialog" className="fixed inset-0 z-40 flex flex-col bg-white p-4 dark:bg-slate-950">
      <div className="mb-2 flex items-center gap-3">
        <h2 className="text-lg font-semibold">Install a chart</h2>
        <span className="flex-1" />
        <button type="button" className={button} id="helm-install-preview" disabled={problem !== null || !defaults.data || asked.isPending} title={problem ?? 'Ctrl/Cmd+S'} onClick={ask}>
          {asked.isPending ? 'Previewing…' : 'Preview'}
        </button>
        <button type="button" className={button} id="helm-values-close" onClick={guard.requestClose}>Close</button>
      </div>
      {guard.asking && <DiscardStrip onKeep={guard.keep} onDiscard={onClose} />}
      <InstallForm cluster={cluster} target={target} onChange={(t) => { setTarget(t); setPreview(null); }} />
      {problem && <p className="mt-1 text-xs text-slate-500">{problem}</p>}
      <div className="mt-2 flex min-h-0 flex-1 gap-4">
        <div className="min-h-0 min-w-0 flex-1">
          {defaults.isError && <ErrorBox error={defaults.error} />}
          {chosen && defaults.isPending && <p className="text-sm text-slate-500">Reading the chart's default values…</p>}
          {defaults.data && (
            <ValuesEditor key={`${target.repo} ${target.chart} ${target.version}`} name={target.chart} text={defaults.data.values} onBuffer={(r) => (read.current = r)} onChange={guard.changed} onPreview={ask} onEscape={guard.requestClose} />
          )}
        </div>
        <PreviewColumn askError={asked.error} preview={preview} write={write} confirmId="helm-install-confirm" label={`Install ${preview?.body.name ?? ''}`} busyLabel="Installing…" />
      </div>
    </div>
  );
}
