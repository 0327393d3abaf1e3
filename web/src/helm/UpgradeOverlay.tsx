// Upgrade a release: its supplied values in the editor (optionally another chart version from
// the repository it was installed from), Preview (the server's dry run: diff, pre-flight), then
// Confirm. Loaded on demand with Monaco.

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';

import { helmApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { useHelmWrite } from './hooks';
import { PreviewColumn } from './PreviewPanel';
import type { Preview, ReleaseDetail, ReleaseSource, UpgradeBody } from './types';
import { DiscardStrip, useDiscardGuard } from './useDiscardGuard';
import { ValuesEditor } from './ValuesEditor';
import { valuesYaml } from './ValuesTab';

/** Versions of the release's chart in its repository (none asked when the source is unknown). */
function VersionPicker({ cluster, source, current, value, onChange }: { cluster: string; source: ReleaseSource; current: string; value: string; onChange: (v: string) => void }) {
  const versions = useQuery({
    queryKey: queryKeys.chart(cluster, source.repo, source.chart),
    queryFn: ({ signal }) => helmApi.chartVersions(cluster, source.repo, source.chart, signal),
    staleTime: 5 * 60_000,
  });
  const listed = versions.data?.versions.map((v) => v.version) ?? [];
  return (
    <label className="flex items-center gap-1 text-sm" title={`${source.repo} · ${source.chart}`}>
      Chart version
      <select id="helm-upgrade-version" value={value} onChange={(e) => onChange(e.target.value)} className="rounded border border-slate-300 bg-white px-1 dark:border-slate-700 dark:bg-slate-900">
        {[current, ...listed.filter((v) => v !== current)].map((v) => (
          <option key={v} value={v}>{v === current ? `${v} (current)` : v}</option>
        ))}
      </select>
      {versions.isError && <span className="text-xs text-red-700 dark:text-red-300">{versions.error.message}</span>}
    </label>
  );
}

export default function UpgradeOverlay({ cluster, path, detail, onClose }: { cluster: string; path: string; detail: ReleaseDetail; onClose: () => void }) {
  const { release, source } = detail;
  const read = useRef<() => string>(() => valuesYaml(detail.values));
  const guard = useDiscardGuard(onClose);
  const [version, setVersion] = useState(release.chartVersion);
  const [preview, setPreview] = useState<{ body: UpgradeBody; answer: Preview } | null>(null);
  const body = (): UpgradeBody => ({
    values: read.current(),
    ...(source && version !== release.chartVersion ? { chart: { repo: source.repo, chart: source.chart, version } } : {}),
  });
  // A preview changes nothing: no refresh after it. Confirm sends exactly the previewed body.
  const asked = useMutation({ mutationFn: async (b: UpgradeBody) => ({ body: b, answer: await helmApi.upgradePreview(path, b) }), onSuccess: setPreview });
  const write = useHelmWrite(cluster, path, (b: UpgradeBody) => helmApi.upgrade(path, b), onClose);
  const ask = () => {
    if (!asked.isPending) asked.mutate(body());
  };
  const button = 'rounded border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';
  return (
    <div role="dialog" aria-label={`Upgrade ${release.name}`} id="helm-upgrade-view" className="fixed inset-0 z-40 flex flex-col bg-white p-4 dark:bg-slate-950">
      <div className="mb-2 flex flex-wrap items-center gap-3">
        <h2 className="text-lg font-semibold">Upgrade {release.namespace}/{release.name}</h2>
        <span className="text-sm text-slate-500">{release.chartName}</span>
        {source ? (
          <VersionPicker cluster={cluster} source={source} current={release.chartVersion} value={version} onChange={setVersion} />
        ) : (
          <span className="text-xs text-slate-500" title="Periscope knows the repository only of releases it installed">same chart version {release.chartVersion}</span>
        )}
        <span className="flex-1" />
        <button type="button" className={button} id="helm-upgrade-preview" disabled={asked.isPending} onClick={ask} title="Ctrl/Cmd+S">
          {asked.isPending ? 'Previewing…' : 'Preview'}
        </button>
        <button type="button" className={button} id="helm-values-close" onClick={guard.requestClose}>Close</button>
      </div>
      {guard.asking && <DiscardStrip onKeep={guard.keep} onDiscard={onClose} />}
      <p className="mb-2 text-xs text-slate-500">The values you supply (the chart's defaults apply to the rest). Preview shows what would change before anything does.</p>
      <div className="flex min-h-0 flex-1 gap-4">
        <div className="min-h-0 min-w-0 flex-1">
          <ValuesEditor name={release.name} text={valuesYaml(detail.values)} onBuffer={(r) => (read.current = r)} onChange={guard.changed} onPreview={ask} onEscape={guard.requestClose} />
        </div>
        <PreviewColumn askError={asked.error} preview={preview} write={write} confirmId="helm-upgrade-confirm" label="Confirm upgrade" busyLabel="Upgrading…" />
      </div>
    </div>
  );
}
