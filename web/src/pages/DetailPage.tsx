import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';

import { ApiError, getJson, getText } from '../api/client';
import { snapshotIsNews, useLiveTargets, useThrottled } from '../api/liveTargets';
import type { KubeEvent, Row } from '../api/types';
import { Actions } from '../components/Actions';
import { ErrorBox } from '../components/ErrorBox';
import { RelatedPods } from '../components/RelatedPods';
import { type SecretKey, SecretData } from '../components/SecretData';
import { YamlView } from '../components/YamlView';
import { useUncachedText } from '../components/useUncachedText';
import { formatAge } from '../lib/format';
import { builtinByKind } from '../lib/kinds';
import { detailRoute, listRoute, objectPath } from '../lib/resources';
import { podSelection } from '../lib/selector';
import { POLL_INTERVAL_MS } from '../live';

type Obj = Record<string, unknown>;

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string }[];
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

const TABS = ['describe', 'yaml', 'events'] as const;
type Tab = (typeof TABS)[number];

/** A few key fields per kind, when the object has them. */
const KEY_FIELDS: [string, string[]][] = [
  ['Phase', ['status', 'phase']],
  ['Node', ['spec', 'nodeName']],
  ['Pod IP', ['status', 'podIP']],
  ['Desired replicas', ['spec', 'replicas']],
  ['Ready replicas', ['status', 'readyReplicas']],
  ['Available replicas', ['status', 'availableReplicas']],
  ['Type', ['spec', 'type']],
  ['Cluster IP', ['spec', 'clusterIP']],
  ['Schedule', ['spec', 'schedule']],
  ['Suspended', ['spec', 'suspend']],
  ['Unschedulable', ['spec', 'unschedulable']],
  ['Storage class', ['spec', 'storageClassName']],
];

function at(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), obj);
}

function Describe({ cluster, group, resource, path, object }: { cluster: string; group: string; resource: string; path: string; object: Obj }) {
  const meta = (object.metadata ?? {}) as Meta;
  const pods = podSelection(group, resource, object);
  const conditions = (at(object, ['status', 'conditions']) ?? []) as Condition[];
  const keyFields = KEY_FIELDS.map(([label, path]) => [label, at(object, path)] as const).filter(([, v]) => v !== undefined && v !== null);
  return (
    <div className="space-y-5 text-sm">
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1">
        <dt className="text-slate-500">Kind</dt>
        <dd>{String(object.kind ?? '')} ({String(object.apiVersion ?? '')})</dd>
        {meta.namespace && (
          <>
            <dt className="text-slate-500">Namespace</dt>
            <dd>{meta.namespace}</dd>
          </>
        )}
        <dt className="text-slate-500">Created</dt>
        <dd title={meta.creationTimestamp}>{formatAge(meta.creationTimestamp)} ago</dd>
        <dt className="text-slate-500">UID</dt>
        <dd className="font-mono text-xs">{meta.uid}</dd>
        {keyFields.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd data-field={label}>{String(value)}</dd>
          </div>
        ))}
        <dt className="text-slate-500">Owners</dt>
        <dd>
          {(meta.ownerReferences ?? []).length === 0 && '—'}
          {(meta.ownerReferences ?? []).map((o) => {
            const entry = builtinByKind(o.apiVersion, o.kind);
            const label = `${o.kind}/${o.name}`;
            return entry ? (
              <Link key={label} className="mr-3 text-blue-700 hover:underline dark:text-blue-300" to={detailRoute(cluster, entry, entry.namespaced ? meta.namespace : undefined, o.name)}>
                {label}
              </Link>
            ) : (
              <span key={label} className="mr-3">{label}</span>
            );
          })}
        </dd>
      </dl>
      <section>
        <h2 className="mb-1 font-semibold">Labels</h2>
        <div className="flex flex-wrap gap-1">
          {Object.entries(meta.labels ?? {}).map(([k, v]) => (
            <span key={k} className="rounded bg-slate-200 px-2 py-0.5 font-mono text-xs dark:bg-slate-800">
              {k}={v}
            </span>
          ))}
          {Object.keys(meta.labels ?? {}).length === 0 && <span className="text-slate-500">None</span>}
        </div>
      </section>
      {pods.applies && <RelatedPods cluster={cluster} namespace={meta.namespace} selector={pods.selector} />}
      {object.kind === 'Secret' && Array.isArray(object.keys) && <SecretData path={path} keys={object.keys as SecretKey[]} />}
      {conditions.length > 0 && (
        <section>
          <h2 className="mb-1 font-semibold">Conditions</h2>
          <table className="w-full">
            <thead className="text-left text-xs text-slate-500">
              <tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr>
            </thead>
            <tbody>
              {conditions.map((c) => (
                <tr key={c.type} className="border-t border-slate-200 align-top dark:border-slate-800">
                  <td className="pr-3">{c.type}</td>
                  <td className={`pr-3 ${c.status === 'True' ? 'text-green-700 dark:text-green-300' : 'text-amber-700 dark:text-amber-300'}`}>{c.status}</td>
                  <td className="pr-3">{c.reason ?? ''}</td>
                  <td className="pr-3">{c.message ?? ''}</td>
                  <td>{formatAge(c.lastTransitionTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {Object.keys(meta.annotations ?? {}).length > 0 && (
        <details>
          <summary className="cursor-pointer font-semibold">Annotations ({Object.keys(meta.annotations ?? {}).length})</summary>
          <ul className="mt-1 font-mono text-xs">
            {Object.entries(meta.annotations ?? {}).map(([k, v]) => (
              <li key={k} className="break-all">{k}: {v}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function Events({ path }: { path: string }) {
  const events = useQuery({
    queryKey: ['events', path],
    queryFn: ({ signal }) => getJson<{ items: KubeEvent[] }>(`${path}/events`, signal),
    refetchInterval: POLL_INTERVAL_MS,
  });
  if (events.isError) return <ErrorBox error={events.error} />;
  if (!events.data) return <p className="text-sm text-slate-500">Loading…</p>;
  if (events.data.items.length === 0) return <p className="text-sm text-slate-500">No events.</p>;
  return (
    <table className="w-full text-sm" id="events">
      <thead className="text-left text-xs text-slate-500">
        <tr><th>Type</th><th>Reason</th><th>Message</th><th>Count</th><th>Last seen</th></tr>
      </thead>
      <tbody>
        {events.data.items.map((e, i) => (
          <tr key={i} className="border-t border-slate-200 align-top dark:border-slate-800">
            <td className={`pr-3 ${e.type === 'Warning' ? 'text-amber-700 dark:text-amber-300' : ''}`}>{e.type}</td>
            <td className="pr-3">{e.reason}</td>
            <td className="pr-3">{e.message}</td>
            <td className="pr-3">{e.count ?? 1}</td>
            <td>{formatAge(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Yaml({ path }: { path: string }) {
  const yaml = useQuery({ queryKey: ['yaml', path], queryFn: ({ signal }) => getText(`${path}/yaml`, signal) });
  if (yaml.isError) return <ErrorBox error={yaml.error} />;
  if (yaml.data === undefined) return <p className="text-sm text-slate-500">Loading…</p>;
  return <YamlView text={yaml.data} />;
}

/** A Secret's YAML holds its values (an audited reveal): kept in this view only, never cached. */
function SecretYaml({ path }: { path: string }) {
  const yaml = useUncachedText(`${path}/yaml`);
  if (yaml.error !== undefined) return <ErrorBox error={yaml.error} />;
  if (yaml.text === undefined) return <p className="text-sm text-slate-500">Loading…</p>;
  return <YamlView text={yaml.text} />;
}

/** The object was deleted (or never existed): a note, not an error. */
function Gone({ what, backUrl }: { what: string; backUrl: string }) {
  return (
    <div role="status" id="object-gone" className="rounded border border-slate-300 bg-slate-100 p-4 text-sm dark:border-slate-700 dark:bg-slate-900">
      <p className="font-medium">{what} does not exist (any more).</p>
      <p className="mt-1">
        <Link className="text-blue-700 underline dark:text-blue-300" to={backUrl}>Back to the list</Link>
      </p>
    </div>
  );
}

export function DetailPage() {
  const { cluster = '', group = '', version = '', resource = '', namespace = '_', name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const queryClient = useQueryClient();
  const tab: Tab = TABS.find((t) => t === search.get('tab')) ?? 'describe';
  const ref = { group, version, resource };
  const ns = namespace === '_' ? undefined : namespace;
  const path = objectPath(cluster, ref, ns, name);
  const isSecret = group === 'core' && resource === 'secrets';

  // Live: this kind in this namespace, from the tab's stream; a delta naming this object
  // refetches it (rows are projections, the page shows the whole object). Polls otherwise.
  const refetch = useThrottled(() => {
    void queryClient.invalidateQueries({ queryKey: ['object', path], exact: true });
    void queryClient.invalidateQueries({ queryKey: ['events', path], exact: true });
    void queryClient.invalidateQueries({ queryKey: ['yaml', path], exact: true });
  }, 1000);
  const isThis = (row: Row) => row.name === name && (row.namespace ?? '') === (ns ?? '');
  const live = useLiveTargets([{ cluster, group, version, resource, namespace: ns }], (_target, events) => {
    const updatedAt = queryClient.getQueryState(['object', path])?.dataUpdatedAt ?? 0;
    const named = events.some((e) => (e.type === 'snapshot' ? !e.items.some(isThis) : e.type !== 'relist' && isThis(e.object)));
    if (named || snapshotIsNews(events, updatedAt)) refetch();
  });
  const object = useQuery({
    queryKey: ['object', path],
    queryFn: ({ signal }) => getJson<Obj>(path, signal),
    refetchInterval: live ? false : POLL_INTERVAL_MS,
  });
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
        <Actions target={{ cluster, ref, namespace: ns, name, path, listUrl: backUrl }} object={object.data} />
      </div>
      <nav className="mt-4 flex gap-1 border-b border-slate-200 dark:border-slate-800" role="tablist">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={t === tab}
            data-tab={t}
            onClick={() => setSearch(t === 'describe' ? {} : { tab: t }, { replace: true, state: location.state })}
            className={`px-3 py-1.5 text-sm capitalize ${t === tab ? 'border-b-2 border-blue-600 font-medium' : 'text-slate-500'}`}
          >
            {t === 'yaml' ? 'YAML' : t}
          </button>
        ))}
      </nav>
      <div className="mt-4">
        {gone ? <Gone what={`${resource}/${name}`} backUrl={backUrl} /> : object.isError && <ErrorBox error={object.error} />}
        {tab === 'describe' && object.data && !gone && <Describe cluster={cluster} group={group} resource={resource} path={path} object={object.data} />}
        {tab === 'yaml' && (isSecret ? <SecretYaml key={path} path={path} /> : <Yaml path={path} />)}
        {tab === 'events' && <Events path={path} />}
      </div>
    </div>
  );
}
