// One Helm release: its header (status, revision, chart), Upgrade and Uninstall, and the tabs
// (values, manifest, notes, resources, history, drift) whose state lives in the URL.

import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';

import { ApiError } from '../api/client';
import { releasePath } from '../api/endpoints';
import { ErrorBox } from '../components/ErrorBox';
import { YamlView } from '../components/YamlView';
import { formatAge } from '../lib/format';
import { DriftTab } from './DriftTab';
import { HistoryTab } from './HistoryTab';
import { useHelmWrites, useRelease, writesOff } from './hooks';
import { StatusBadge } from './ReleaseTable';
import { ResourcesTab } from './ResourcesTab';
import { helmListRoute, readView, RELEASE_TABS, type ReleaseView, writeView } from './routes';
import { UninstallDialog } from './UninstallDialog';
import { ValuesTab } from './ValuesTab';
import { WriteButton } from './WriteError';

// The upgrade editor holds Monaco: loaded when first opened.
const UpgradeOverlay = lazy(() => import('./UpgradeOverlay'));

export default function ReleasePage() {
  const { cluster = '', namespace = '', name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const view = readView(search);
  const setView = (patch: Partial<ReleaseView>) => setSearch(writeView({ ...view, ...patch }), { replace: true });
  const path = releasePath(cluster, namespace, name);
  const detail = useRelease(path);
  const off = writesOff(useHelmWrites());
  const [dialog, setDialog] = useState<'upgrade' | 'uninstall' | null>(null);
  const navigate = useNavigate();
  const listUrl = helmListRoute(cluster, namespace);
  const release = detail.data?.release;
  const gone = detail.error instanceof ApiError && detail.error.status === 404;

  return (
    <div className="p-6" data-release-page={release ? `${release.revision}` : 'pending'}>
      <p className="text-xs text-slate-500">
        <Link className="hover:underline" to={listUrl} id="back-to-helm">Helm releases</Link> · {namespace}
      </p>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold" id="release-name">{name}</h1>
        {release && (
          <>
            <StatusBadge status={release.status} />
            <span className="text-sm" id="release-revision" data-revision={release.revision}>revision {release.revision}</span>
            <span className="text-sm text-slate-500" id="release-chart">
              {release.chartName}-{release.chartVersion}
              {release.appVersion ? ` (app ${release.appVersion})` : ''}
              {release.updated ? ` · ${formatAge(release.updated)} ago` : ''}
            </span>
          </>
        )}
        <span className="flex-1" />
        <WriteButton id="helm-upgrade" label="Upgrade" off={off} disabled={!detail.data} onClick={() => setDialog('upgrade')} />
        <WriteButton id="helm-uninstall" label="Uninstall" off={off} danger disabled={!detail.data} onClick={() => setDialog('uninstall')} />
      </div>
      {release?.description && <p className="mt-1 text-xs text-slate-500">{release.description}</p>}
      <nav className="mt-4 flex gap-1 border-b border-slate-200 dark:border-slate-800" role="tablist">
        {RELEASE_TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={t === view.tab}
            data-tab={t}
            onClick={() => setView({ tab: t })}
            className={`px-3 py-1.5 text-sm capitalize ${t === view.tab ? 'border-b-2 border-blue-600 font-medium' : 'text-slate-500'}`}
          >
            {t}
          </button>
        ))}
      </nav>
      <div className="mt-4">
        {gone ? (
          <p role="status" id="release-gone" className="text-sm">
            Release {namespace}/{name} does not exist (any more). <Link className="text-blue-700 underline dark:text-blue-300" to={listUrl}>Back to the list</Link>
          </p>
        ) : (
          detail.isError && <ErrorBox error={detail.error} />
        )}
        {detail.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {detail.data && view.tab === 'values' && <ValuesTab detail={detail.data} computed={view.computed} onComputed={(computed) => setView({ computed })} />}
        {detail.data && view.tab === 'manifest' && (
          <div id="release-manifest">
            <YamlView text={detail.data.manifest} />
          </div>
        )}
        {detail.data && view.tab === 'notes' && (
          <pre id="release-notes" className="whitespace-pre-wrap rounded border border-slate-200 p-3 font-mono text-xs dark:border-slate-800">
            {detail.data.notes || 'This chart has no notes.'}
          </pre>
        )}
        {detail.data && view.tab === 'resources' && <ResourcesTab cluster={cluster} path={path} resources={detail.data.resources} />}
        {view.tab === 'history' && (
          <HistoryTab cluster={cluster} path={path} name={name} off={off} compare={view.compare} onCompare={(compare) => setView({ compare })} />
        )}
        {view.tab === 'drift' && <DriftTab path={path} />}
      </div>
      {dialog === 'upgrade' && detail.data && (
        <Suspense fallback={<div role="dialog" aria-label="Loading the editor" className="fixed inset-0 z-40 bg-white p-6 text-sm text-slate-500 dark:bg-slate-950">Loading the editor…</div>}>
          <UpgradeOverlay cluster={cluster} path={path} detail={detail.data} onClose={() => setDialog(null)} />
        </Suspense>
      )}
      {dialog === 'uninstall' && (
        <UninstallDialog cluster={cluster} path={path} name={name} onClose={() => setDialog(null)} onDone={() => navigate(listUrl)} />
      )}
    </div>
  );
}
