import { NavLink } from 'react-router';

import { useClusters } from '../api/hooks';

/** One button per cluster; the current one is highlighted. */
export function ClusterRail() {
  const { data } = useClusters();
  return (
    <nav aria-label="Clusters" className="flex w-14 flex-col items-center gap-2 bg-slate-900 py-3 text-white">
      <NavLink to="/" end title="Fleet" className={({ isActive }) => rail(isActive)}>
        ◎
      </NavLink>
      {data?.clusters.map((c) => (
        <NavLink key={c.name} to={`/clusters/${encodeURIComponent(c.name)}`} title={c.name} className={({ isActive }) => rail(isActive)}>
          {c.name.slice(0, 2)}
        </NavLink>
      ))}
    </nav>
  );
}

function rail(active: boolean): string {
  return `flex h-10 w-10 items-center justify-center rounded-lg text-sm font-semibold uppercase ${
    active ? 'bg-blue-600' : 'bg-slate-700 hover:bg-slate-600'
  }`;
}
