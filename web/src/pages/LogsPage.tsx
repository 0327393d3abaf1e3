// The full-page log view (`…/{namespace}/{name}/logs`), loaded on demand: the viewer with the
// whole window, its state in the URL like the detail page's Logs tab.

import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';

import { api } from '../api/endpoints';
import { useKinds } from '../api/hooks';
import { queryKeys } from '../api/queryKeys';
import { findEntry } from '../lib/kinds';
import { detailRoute, listRoute, objectPath } from '../lib/resources';
import LogViewer from '../logs/LogViewer';

export default function LogsPage() {
  const { cluster = '', group = '', version = '', resource = '', namespace = '_', name = '' } = useParams();
  const [search] = useSearchParams();
  const kind = { group, version, resource };
  const ns = namespace === '_' ? undefined : namespace;
  const path = objectPath(cluster, kind, ns, name);
  const kinds = useKinds(cluster);
  const logs = findEntry(kinds.entries, kind)?.logs ?? false;
  // The object's containers for the picker (the detail page's query: cached when coming from it).
  const object = useQuery({ queryKey: queryKeys.objectPart(path, 'detail'), queryFn: ({ signal }) => api.object(path, signal), enabled: logs });
  const detail = new URLSearchParams(search);
  detail.set('tab', 'logs');
  return (
    <div className="flex h-full flex-col p-4">
      <p className="text-xs text-slate-500">
        <Link className="hover:underline" to={`${listRoute(cluster, kind)}${ns ? `?namespace=${encodeURIComponent(ns)}` : ''}`}>
          {resource}
        </Link>
        {ns && ` · ${ns}`}
        {' · '}
        <Link className="hover:underline" id="logs-object" to={`${detailRoute(cluster, kind, ns, name)}?${detail.toString()}`}>
          {name}
        </Link>
      </p>
      <h1 className="mb-2 text-lg font-semibold" id="object-name">
        Logs of {name}
      </h1>
      {kinds.query.isPending ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : logs ? (
        <div className="min-h-0 flex-1">
          <LogViewer cluster={cluster} kind={kind} namespace={ns} name={name} path={path} object={object.data} />
        </div>
      ) : (
        <p role="status" className="text-sm text-slate-500">
          {resource} have no logs: pods, the workloads that run them, and Services do.
        </p>
      )}
    </div>
  );
}
