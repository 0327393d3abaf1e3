import { NavLink } from 'react-router';

import { useKinds } from '../api/hooks';
import { type KindEntry, sidebarSections } from '../lib/kinds';
import { listRoute } from '../lib/resources';
import { ErrorBox } from './ErrorBox';
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

/** The custom resources section: its kinds, or why they are not known. */
function CustomSection({ cluster, kinds, problem }: { cluster: string; kinds: KindEntry[]; problem: { code: string; message: string } | undefined }) {
  return (
    <section className="mb-3">
      <h2 className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Custom resources</h2>
      {problem && (
        <p className="px-2 text-xs text-slate-500" title={problem.message}>
          {problem.code === 'denied' ? "Your role can't list CRDs" : 'CRDs not readable'}
        </p>
      )}
      {!problem && kinds.length === 0 && <p className="px-2 text-xs text-slate-500">None</p>}
      {kinds.map((entry) => (
        <KindLink key={`${entry.group}/${entry.resource}`} cluster={cluster} entry={entry} />
      ))}
    </section>
  );
}

/** Kinds of the current cluster as the server lists them, by section. */
export function Sidebar({ cluster, onKubectl }: { cluster: string | undefined; onKubectl?: () => void }) {
  const { query, entries } = useKinds(cluster);
  const sections = sidebarSections(entries);
  const errors = query.data?.errors ?? {};
  return (
    <aside className="flex w-56 flex-col border-r border-slate-200 bg-slate-100 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex-1 overflow-y-auto p-2" data-kinds={query.isSuccess ? 'loaded' : 'pending'}>
        {cluster ? (
          <>
            <NavLink to={`/clusters/${encodeURIComponent(cluster)}`} end className="mb-2 block px-2 font-semibold">
              {cluster}
            </NavLink>
            <NavLink
              to={`/clusters/${encodeURIComponent(cluster)}/helm`}
              id="sidebar-helm"
              className={({ isActive }) => `mb-2 block rounded px-2 py-0.5 text-sm ${isActive ? 'bg-blue-100 font-medium text-blue-900 dark:bg-blue-900 dark:text-blue-100' : 'hover:bg-slate-200 dark:hover:bg-slate-800'}`}
            >
              Helm releases
            </NavLink>
            {query.isError && <ErrorBox error={query.error} />}
            {query.isPending && <p className="px-2 text-xs text-slate-500">Loading kinds…</p>}
            {sections
              .filter((section) => section.title !== 'Custom resources')
              .map((section) => (
                <section key={section.title} className="mb-3">
                  <h2 className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{section.title}</h2>
                  {section.kinds.map((entry) => (
                    <KindLink key={entry.resource} cluster={cluster} entry={entry} />
                  ))}
                </section>
              ))}
            {query.isSuccess && (
              <CustomSection
                cluster={cluster}
                kinds={sections.find((s) => s.title === 'Custom resources')?.kinds ?? []}
                problem={errors.customResourceDefinitions}
              />
            )}
          </>
        ) : (
          <p className="p-2 text-sm text-slate-500">Pick a cluster on the left.</p>
        )}
      </div>
      <Identity onKubectl={onKubectl} />
    </aside>
  );
}
