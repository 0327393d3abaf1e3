// Building blocks of the describe sections: a titled section, a table, a link to another object.

import type { ReactNode } from 'react';
import { Link } from 'react-router';

import type { KindEntry } from '../lib/kinds';
import { detailRoute } from '../lib/resources';
import type { Target } from './fields';
import type { Json } from './model';

/** What every describe section is given. */
export interface SectionProps {
  cluster: string;
  /** The described object's namespace (cluster-scoped: undefined). */
  namespace: string | undefined;
  name: string;
  object: Json;
  catalog: KindEntry[];
}

/** A titled part of the describe view; `id` names it for tests and deep links. */
export function Section({ id, title, extra, children }: { id: string; title: ReactNode; extra?: ReactNode; children: ReactNode }) {
  return (
    <section data-section={id}>
      <h2 className="mb-1 flex items-baseline gap-3 font-semibold">
        {title}
        {extra}
      </h2>
      {children}
    </section>
  );
}

/** A plain table; each row's cells in `head` order, `data-row` naming the row for tests. */
export function Table({ head, rows }: { head: string[]; rows: { key: string; cells: ReactNode[]; tone?: 'warn' }[] }) {
  return (
    <table className="w-full text-sm">
      <thead className="text-left text-xs text-slate-500">
        <tr>{head.map((h) => <th key={h} className="pr-3 font-normal">{h}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-row={r.key} className={`border-t border-slate-200 align-top dark:border-slate-800 ${r.tone === 'warn' ? 'text-amber-700 dark:text-amber-300' : ''}`}>
            {r.cells.map((c, i) => <td key={i} className="pr-3">{c}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A note in place of a table: nothing there, said plainly. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="text-sm text-slate-500" data-empty="true">{children}</p>;
}

/** A link to `target` when the catalog lists its kind (else its name as text). */
export function ObjectLink({ cluster, catalog, target, namespace, children }: { cluster: string; catalog: KindEntry[]; target: Target; namespace: string | undefined; children?: ReactNode }) {
  const entry = catalog.find((e) => e.group === target.group && e.resource === target.resource);
  const label = children ?? target.name;
  if (!entry) return <span>{label}</span>;
  const ns = entry.namespaced ? (target.namespace ?? namespace) : undefined;
  return (
    <Link className="text-blue-700 hover:underline dark:text-blue-300" data-link={`${target.resource}/${target.name}`} to={detailRoute(cluster, entry, ns, target.name)}>
      {label}
    </Link>
  );
}

/** A bar for a share (0..1, capped), amber from 80 %, red at 100 %. */
export function ShareBar({ share }: { share: number | null }) {
  if (share === null) return <span className="text-slate-500">—</span>;
  const pct = Math.round(share * 100);
  const tone = share >= 1 ? 'bg-red-600' : share >= 0.8 ? 'bg-amber-500' : 'bg-green-600';
  return (
    <span className="inline-flex items-center gap-2" data-share={pct}>
      <span className="inline-block h-2 w-32 overflow-hidden rounded bg-slate-200 dark:bg-slate-800">
        <span className={`block h-2 ${tone}`} style={{ width: `${Math.min(100, pct)}%` }} />
      </span>
      <span className="text-xs tabular-nums">{pct}%</span>
    </span>
  );
}
