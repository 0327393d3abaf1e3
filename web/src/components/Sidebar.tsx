import { NavLink } from 'react-router';

import { ApiError } from '../api/client';
import { useCrds } from '../api/hooks';
import { BUILTIN_GROUPS, type KindEntry, customKinds } from '../lib/kinds';
import { listRoute } from '../lib/resources';
import { Identity } from './Identity';

function KindLink({ cluster, entry }: { cluster: string; entry: KindEntry }) {
  return (
    <NavLink
      to={listRoute(cluster, entry)}
      title={`${entry.kind} (${entry.group === 'core' ? '' : `${entry.group}/`}${entry.version})`}
      className={({ isActive }) =>
        `block truncate rounded px-2 py-0.5 text-sm ${isActive ? 'bg-blue-100 font-medium text-blue-900 dark:bg-blue-900 dark:text-blue-100' : 'hover:bg-slate-200 dark:hover:bg-slate-800'}`
      }
    >
      {entry.label}
    </NavLink>
  );
}

/** Kinds of the current cluster, grouped; custom resources come from its CRDs. */
export function Sidebar({ cluster }: { cluster: string | undefined }) {
  const crds = useCrds(cluster);
  const custom = crds.data ? customKinds(crds.data.items) : [];
  return (
    <aside className="flex w-56 flex-col border-r border-slate-200 bg-slate-100 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex-1 overflow-y-auto p-2">
        {cluster ? (
          <>
            <NavLink to={`/clusters/${encodeURIComponent(cluster)}`} end className="mb-2 block px-2 font-semibold">
              {cluster}
            </NavLink>
            {BUILTIN_GROUPS.map((group) => (
              <section key={group.title} className="mb-3">
                <h2 className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{group.title}</h2>
                {group.kinds.map((entry) => (
                  <KindLink key={entry.resource} cluster={cluster} entry={entry} />
                ))}
              </section>
            ))}
            <section className="mb-3">
              <h2 className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Custom resources</h2>
              {crds.isError && (
                <p className="px-2 text-xs text-slate-500" title={crds.error.message}>
                  {crds.error instanceof ApiError && crds.error.forbidden ? "Your role can't list CRDs" : 'CRDs not readable'}
                </p>
              )}
              {crds.data && custom.length === 0 && <p className="px-2 text-xs text-slate-500">None</p>}
              {custom.map((entry) => (
                <KindLink key={`${entry.group}/${entry.resource}`} cluster={cluster} entry={entry} />
              ))}
            </section>
          </>
        ) : (
          <p className="p-2 text-sm text-slate-500">Pick a cluster on the left.</p>
        )}
      </div>
      <Identity />
    </aside>
  );
}
