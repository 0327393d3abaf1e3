// The Helm section of a cluster: its releases with status chips, namespace and name filters
// (all in the URL), keyboard-first (j/k, Enter, `/`), and the install dialog.

import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';

import { helmApi } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { ErrorBox } from '../components/ErrorBox';
import { NamespacePicker } from '../components/NamespacePicker';
import { POLL_INTERVAL_MS } from '../live';
import { FilterBox } from '../pages/list/FilterBox';
import { useHelmWrites, writesOff } from './hooks';
import { ReleaseTable } from './ReleaseTable';
import { releaseRoute } from './routes';
import { applyFilter, chipCounts, readFilter, STATUS_CHIPS, toggleChip, writeFilter } from './status';
import { useRowKeys } from './useRowKeys';
import { WriteButton } from './WriteError';

// The install dialog holds the values editor (Monaco): loaded when first opened.
const InstallDialog = lazy(() => import('./InstallDialog'));

export default function HelmListPage() {
  const { cluster = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const filter = readFilter(search);
  const update = (patch: Parameters<typeof writeFilter>[1]) => setSearch(writeFilter(search, patch), { replace: true });
  const list = useQuery({
    queryKey: queryKeys.helmReleases(cluster, filter.namespace),
    queryFn: ({ signal }) => helmApi.releases(cluster, filter.namespace, signal),
    refetchInterval: POLL_INTERVAL_MS,
  });
  const all = list.data?.releases ?? [];
  const shown = applyFilter(all, filter);
  const counts = chipCounts(all);
  const navigate = useNavigate();
  const open = (i: number) => {
    const r = shown[i];
    if (r) navigate(releaseRoute(cluster, r.namespace, r.name));
  };
  const { cursor, setCursor } = useRowKeys(shown.length, open);
  const [installing, setInstalling] = useState(false);
  const off = writesOff(useHelmWrites());

  return (
    <div className="flex h-full flex-col" data-helm-list={list.isSuccess ? 'loaded' : 'pending'} data-cursor={shown[cursor]?.name ?? ''}>
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
        <h1 className="mr-2 text-lg font-semibold">Helm releases</h1>
        <NamespacePicker cluster={cluster} value={filter.namespace ?? ''} onChange={(namespace) => update({ namespace })} />
        <FilterBox id="helm-search" search value={filter.q} onCommit={(q) => update({ q })} placeholder="Filter by name or chart  ( / )" />
        <span className="flex-1" />
        <WriteButton id="helm-install" label="Install chart" off={off} onClick={() => setInstalling(true)} />
        <span className="text-xs text-slate-500" id="helm-count">
          {list.data ? `${shown.length} of ${all.length}` : ''}
          {list.data?.truncated && <span id="helm-truncated" title="The server lists at most 500 releases: pick a namespace to see the rest"> · truncated</span>}
        </span>
      </div>
      <div className="flex flex-wrap gap-1 px-4 py-2" role="group" aria-label="Status">
        {STATUS_CHIPS.map((chip) => {
          const on = filter.statuses.includes(chip);
          return (
            <button
              key={chip}
              type="button"
              data-chip={chip}
              aria-pressed={on}
              onClick={() => update({ statuses: toggleChip(filter.statuses, chip) })}
              className={`rounded-full border px-2 py-0.5 text-xs ${on ? 'border-blue-600 bg-blue-600 text-white' : 'border-slate-300 dark:border-slate-700'}`}
            >
              {chip} <span className="opacity-70">{counts[chip]}</span>
            </button>
          );
        })}
      </div>
      {list.isError && <ErrorBox error={list.error} hint={filter.namespace ? undefined : 'Your role may see only some namespaces: pick one above.'} />}
      {list.isPending && <p className="p-4 text-sm text-slate-500">Loading…</p>}
      {list.data && shown.length === 0 && <p className="p-4 text-sm text-slate-500" id="helm-empty">No releases{all.length > 0 ? ' match the filters' : ''}.</p>}
      <div className="flex-1 overflow-auto">
        {shown.length > 0 && <ReleaseTable cluster={cluster} releases={shown} cursor={cursor} onPick={setCursor} />}
      </div>
      {installing && (
        <Suspense fallback={null}>
          <InstallDialog cluster={cluster} namespace={filter.namespace} onClose={() => setInstalling(false)} />
        </Suspense>
      )}
    </div>
  );
}
