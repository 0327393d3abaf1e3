// The objects a release owns, each linked to its page, with its live state: the drift route's
// (in sync, drifted, missing, or not readable by the user) — one request for all of them,
// read as the user, instead of one per object.

import { Link } from 'react-router';

import { useKinds } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { ownerEntry } from '../lib/kinds';
import { detailRoute } from '../lib/resources';
import { resourceKeys } from './diff';
import { DriftState, useDrift } from './DriftTab';
import type { ReleaseResource } from './types';

export function ResourcesTab({ cluster, path, resources }: { cluster: string; path: string; resources: ReleaseResource[] }) {
  const { entries } = useKinds(cluster);
  const drift = useDrift(path);
  const states = new Map(drift.data?.objects.map((o) => [o.object, o.state]));
  if (resources.length === 0) return <p className="text-sm text-slate-500">The manifest has no objects.</p>;
  return (
    <div>
      {drift.isError && <ErrorBox error={drift.error} />}
      <table className="w-full text-sm" id="helm-resources">
        <thead className="text-left text-xs text-slate-500">
          <tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Live</th></tr>
        </thead>
        <tbody>
          {resources.map((r) => {
            const entry = r.apiVersion && r.kind ? ownerEntry(entries, r.apiVersion, r.kind) : undefined;
            const namespace = entry?.namespaced === false ? undefined : r.namespace;
            const state = resourceKeys(r).map((k) => states.get(k)).find((s) => s !== undefined);
            const key = `${r.apiVersion}/${r.kind}/${r.namespace}/${r.name}`;
            return (
              <tr key={key} data-resource={`${r.kind}/${r.name}`} className="border-t border-slate-200 dark:border-slate-800">
                <td className="py-1">{r.kind}</td>
                <td>{namespace ?? ''}</td>
                <td>
                  {entry && r.name ? (
                    <Link className="text-blue-700 hover:underline dark:text-blue-300" to={detailRoute(cluster, entry, namespace, r.name)}>{r.name}</Link>
                  ) : (
                    r.name
                  )}
                </td>
                <td>{state ? <DriftState state={state} /> : <span className="text-slate-400">{drift.isPending ? '…' : 'unknown'}</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
