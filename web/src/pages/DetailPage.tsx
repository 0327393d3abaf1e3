import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, startTransition, Suspense, useEffect, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';

import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { useKinds } from '../api/hooks';
import { snapshotIsNews, useLiveTargets, useThrottled } from '../api/liveTargets';
import { queryKeys } from '../api/queryKeys';
import type { Row } from '../api/types.gen';
import { Actions } from '../components/Actions';
import { ErrorBox } from '../components/ErrorBox';
import { EditButton } from '../editor/EditButton';
import { execFit } from '../exec/containers';
import { ExecButton } from '../exec/ExecButton';
import { historyQuery } from '../history/query';
import { findEntry, unknownKind } from '../lib/kinds';
import { logsRoute } from '../logs/kinds';
import { listRoute, objectPath } from '../lib/resources';
import { POLL_INTERVAL_MS } from '../live';
import { Describe, loadDescribe } from './detail/lazyDescribe';
import { Events, Gone, SecretYaml, Yaml } from './detail/tabs';

const TABS = ['describe', 'yaml', 'events', 'history', 'logs'] as const;
type Tab = (typeof TABS)[number];

// Loaded when the Logs or History tab is first opened: they stay out of the initial JavaScript.
const LogViewer = lazy(() => import('../logs/LogViewer'));
const loadHistoryTab = () => import('../history/HistoryTab');
const HistoryTab = lazy(loadHistoryTab);

/** One object: describe, YAML, events, history (and logs) tabs, its actions, kept live by the tab's stream. */
export function DetailPage() {
  const { cluster = '', group = '', version = '', resource = '', namespace = '_', name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const queryClient = useQueryClient();
  const ref = { group, version, resource };
  const ns = namespace === '_' ? undefined : namespace;
  const path = objectPath(cluster, ref, ns, name);
  const isSecret = group === 'core' && resource === 'secrets';
  const kinds = useKinds(cluster);
  const entry = findEntry(kinds.entries, ref) ?? unknownKind(ref);
  const tabs = TABS.filter((t) => t !== 'logs' || entry.logs);
  const tab: Tab = tabs.find((t) => t === search.get('tab')) ?? 'describe';

  // Live: this kind in this namespace, from the tab's stream; a delta naming this object
  // refetches it, its YAML and events (rows are projections, the page shows the whole object).
  // Polls otherwise.
  const refetch = useThrottled(() => void queryClient.invalidateQueries({ queryKey: queryKeys.object(path) }), 1000);
  const isThis = (row: Row) => row.name === name && (row.namespace ?? '') === (ns ?? '');
  const targets = entry.live || kinds.query.isPending ? [{ cluster, group, version, resource, namespace: ns }] : [];
  // Deltas naming this object so far: the History tab reads once more a moment after each.
  const [changes, setChanges] = useState(0);
  const live = useLiveTargets(targets, (_target, events) => {
    const updatedAt = queryClient.getQueryState(queryKeys.objectPart(path, 'detail'))?.dataUpdatedAt ?? 0;
    const named = events.some((e) => (e.type === 'snapshot' ? !e.items.some(isThis) : e.type !== 'relist' && isThis(e.object)));
    if (named || snapshotIsNews(events, updatedAt)) refetch();
    if (named) setChanges((n) => n + 1);
  });
  const object = useQuery({
    queryKey: queryKeys.objectPart(path, 'detail'),
    queryFn: ({ signal }) => api.object(path, signal),
    refetchInterval: live ? false : POLL_INTERVAL_MS,
  });
  // History is on every object's page: its code is fetched once the page shows, so opening the
  // tab waits for its entries only.
  useEffect(() => {
    void loadHistoryTab();
  }, []);
  // Asked for at once (in parallel with the object) when the page is opened directly.
  void loadDescribe();
  const listUrl = `${listRoute(cluster, ref)}${ns ? `?namespace=${encodeURIComponent(ns)}` : ''}`;
  // Came from a (filtered, sorted) list of this kind: go back to exactly that view.
  const from = (location.state as { from?: unknown } | null)?.from;
  const backUrl = typeof from === 'string' && from.startsWith(listRoute(cluster, ref)) ? from : listUrl;
  const gone = object.error instanceof ApiError && object.error.status === 404 && object.error.code === 'E_NOT_FOUND';

  return (
    <div className="p-6" data-live={live ? 'live' : 'polling'}>
      <p className="text-xs text-slate-500">
        <Link className="hover:underline" to={backUrl} id="back-to-list">{resource}</Link>
        {ns && ` · ${ns}`}
      </p>
      <div className="flex items-center gap-4">
        <h1 className="text-xl font-semibold" id="object-name">{name}</h1>
        <span className="flex-1" />
        <EditButton cluster={cluster} path={path} name={name} object={object.data} />
        {ns && <ExecButton cluster={cluster} namespace={ns} name={name} fit={execFit(group, resource, object.data)} object={object.data} />}
        <Actions target={{ cluster, ref, namespace: ns, name, path, listUrl: backUrl }} offers={entry.actions} object={object.data} />
      </div>
      <nav className="mt-4 flex gap-1 border-b border-slate-200 dark:border-slate-800" role="tablist">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={t === tab}
            data-tab={t}
            // A transition: a tab whose code is still loading leaves the current one on screen
            // rather than a fallback (React keeps a fallback up for at least 300 ms once shown).
            onClick={() => {
              // History's entries are asked for at once, while its tab renders.
              if (t === 'history') void queryClient.prefetchInfiniteQuery(historyQuery(path));
              startTransition(() => setSearch(t === 'describe' ? {} : { tab: t }, { replace: true, state: location.state }));
            }}
            className={`px-3 py-1.5 text-sm capitalize ${t === tab ? 'border-b-2 border-blue-600 font-medium' : 'text-slate-500'}`}
          >
            {t === 'yaml' ? 'YAML' : t}
          </button>
        ))}
      </nav>
      <div className="mt-4">
        {gone ? <Gone what={`${resource}/${name}`} backUrl={backUrl} /> : object.isError && <ErrorBox error={object.error} />}
        {/* One boundary for every tab, already on screen when the tab changes: a switch to a tab
            whose code is loading (a transition) keeps the current tab up instead of a fallback. */}
        <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
          {tab === 'describe' && object.data && !gone && (
            <Describe cluster={cluster} group={group} resource={resource} path={path} object={object.data} catalog={kinds.entries} />
          )}
          {tab === 'yaml' && (isSecret ? <SecretYaml key={path} path={path} /> : <Yaml path={path} />)}
          {tab === 'events' && <Events path={path} />}
          {tab === 'history' && <HistoryTab path={path} live={live} changes={changes} />}
          {tab === 'logs' && (
            <div className="h-[calc(100vh-14rem)] min-h-96">
              <Suspense fallback={<p className="text-sm text-slate-500">Loading the log viewer…</p>}>
                <LogViewer
                  cluster={cluster}
                  kind={ref}
                  namespace={ns}
                  name={name}
                  path={path}
                  object={object.data}
                  extra={<FullPageLink to={logsRoute(cluster, ref, ns, name, withoutTab(search))} />}
                />
              </Suspense>
            </div>
          )}
        </Suspense>
      </div>
    </div>
  );
}

/** The query string (with `?`, or empty) without the detail page's own `tab`. */
function withoutTab(search: URLSearchParams): string {
  const rest = new URLSearchParams(search);
  rest.delete('tab');
  const text = rest.toString();
  return text ? `?${text}` : '';
}

function FullPageLink({ to }: { to: string }) {
  return (
    <Link id="log-full-page" className="text-sm text-blue-700 hover:underline dark:text-blue-300" to={to} title="This view on a page of its own (its URL reproduces it)">
      Full page ↗
    </Link>
  );
}
