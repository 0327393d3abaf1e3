// The full-page log view (`…/{namespace}/{name}/logs`), loaded on demand: the viewer with the
// whole window, its state in the URL like the detail page's Logs tab.

import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';

import { api } from '../api/endpoints';
import { queryKeys } from '../api/queryKeys';
import { hasLogs } from '../logs/kinds';
import LogViewer from '../logs/LogViewer';
import { detailRoute, listRoute, objectPath } from '../lib/resources';

export default function LogsPage() {
  const { cluster = '', group = '', version = '', resource = '', namespace = '_', name = '' } = useParams();
  const [search] = useSearchParams();
  const kind = { group, version, resource };
  const ns = namespace === '_' ? undefined : namespace;
  const path = objectPath(cluster, kind, ns, name);
  // The object's containers for the picker (the detail page's query: cached when coming from it).
  const object = useQuery({ queryKey: queryKeys.objectPart(path, 'detail'), queryFn: ({ signal }) => api.object(path, signal), enabled: hasLogs(kind) });
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
      {hasLogs(kind) ? (
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
