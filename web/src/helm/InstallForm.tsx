// The install dialog's form: where the chart comes from and where the release goes. The
// version list comes from the repository (GET …/helm/charts/versions) once repository and
// chart are filled in.

import { useQuery } from '@tanstack/react-query';

import { errorMessage } from '../api/client';
import { helmApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { FilterBox } from '../pages/list/FilterBox';

/** What the form picks (everything of an install but the values). */
export interface InstallTarget {
  repo: string;
  chart: string;
  version: string;
  namespace: string;
  name: string;
  createNamespace: boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why the target cannot be installed yet (null: it can be previewed). */
export function targetProblem(t: InstallTarget): string | null {
  if (!/^(https?|oci):\/\/\S+$/.test(t.repo.trim())) return 'The repository is an https://… or oci://… URL.';
  if (!t.chart.trim()) return 'Name the chart.';
  if (!t.version) return 'Pick a version.';
  if (!DNS_LABEL.test(t.namespace) || t.namespace.length > 63) return 'The namespace is a DNS label (lowercase letters, digits, -).';
  if (!DNS_LABEL.test(t.name) || t.name.length > 53) return 'The release name is lowercase letters, digits and - (at most 53).';
  return null;
}

const input = 'w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900';

export function InstallForm({ cluster, target, onChange }: { cluster: string; target: InstallTarget; onChange: (t: InstallTarget) => void }) {
  const set = (patch: Partial<InstallTarget>) => onChange({ ...target, ...patch });
  const ready = /^(https?|oci):\/\/\S+$/.test(target.repo) && target.chart !== '';
  const versions = useQuery({
    queryKey: queryKeys.chart(cluster, target.repo, target.chart),
    queryFn: ({ signal }) => helmApi.chartVersions(cluster, target.repo, target.chart, signal),
    enabled: ready,
    staleTime: 5 * 60_000,
    retry: false,
  });
  const listed = versions.data?.versions ?? [];
  return (
    <div className="grid grid-cols-5 gap-2 text-xs">
      <label className="col-span-2">
        Repository
        <FilterBox id="helm-install-repo" className={input} delay={500} value={target.repo} onCommit={(repo) => set({ repo: repo.trim(), version: '' })} placeholder="https://charts.example.com or oci://registry/charts" />
      </label>
      <label>
        Chart
        <FilterBox id="helm-install-chart" className={input} delay={500} value={target.chart} onCommit={(chart) => set({ chart: chart.trim(), version: '' })} placeholder="nginx" />
      </label>
      <label>
        Version
        <select id="helm-install-version" className={input} value={target.version} disabled={listed.length === 0} onChange={(e) => set({ version: e.target.value })}>
          <option value="">{versions.isFetching ? 'Reading the repository…' : listed.length ? 'Pick a version' : '—'}</option>
          {listed.map((v) => (
            <option key={v.version} value={v.version}>{v.version}{v.appVersion ? ` (app ${v.appVersion})` : ''}</option>
          ))}
        </select>
        {versions.isError && <span role="alert" className="text-red-700 dark:text-red-300">{errorMessage(versions.error)}</span>}
      </label>
      <div className="grid grid-cols-2 gap-2">
        <label>
          Namespace
          <input id="helm-install-namespace" className={input} value={target.namespace} onChange={(e) => set({ namespace: e.target.value.trim() })} />
        </label>
        <label>
          Release
          <input id="helm-install-name" className={input} value={target.name} onChange={(e) => set({ name: e.target.value.trim() })} />
        </label>
        <label className="col-span-2 flex items-center gap-1">
          <input type="checkbox" id="helm-install-create-namespace" checked={target.createNamespace} onChange={(e) => set({ createNamespace: e.target.checked })} />
          Create the namespace if it does not exist
        </label>
      </div>
    </div>
  );
}
