// The overview's recent warnings: Warning events grouped by reason, newest group first, each
// with the objects it concerns (linked when the cluster serves their kind) and the latest
// message. A group's count is its occurrences (events count their repeats).

import { Link } from 'react-router';

import type { Warnings as WarningsAnswer } from '../../api/types.gen';
import { StatusPill } from '../../components/StatusPill';
import { formatAge } from '../../lib/format';
import { type KindEntry, ownerEntry } from '../../lib/kinds';
import { detailRoute } from '../../lib/resources';

/** Warning events by reason ("None." when the cluster has none); ages as of `now` (ms), when the answer was made. */
export function Warnings({ cluster, warnings, catalog, now }: { cluster: string; warnings: WarningsAnswer; catalog: KindEntry[]; now: number }) {
  return (
    <section id="overview-warnings" className="mt-6">
      <h2 className="font-semibold">
        Recent warnings{warnings.total > 0 ? <span className="ml-2 text-sm font-normal text-slate-500">{warnings.total} events</span> : null}
      </h2>
      {warnings.groups.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">None.</p>
      ) : (
        <ul className="mt-2 space-y-2 text-sm">
          {warnings.groups.map((g) => (
            <li key={g.reason} data-warning-reason={g.reason} className="rounded border border-slate-200 p-2 dark:border-slate-800">
              <div className="flex items-baseline gap-2">
                <StatusPill text={g.reason} tone="bad" label={`Warning: ${g.reason}`} />
                <span className="tabular-nums text-slate-700 dark:text-slate-300" data-count={g.count}>
                  × {g.count}
                </span>
                <span className="text-xs text-slate-500">
                  {g.objectCount === 1 ? '1 object' : `${g.objectCount} objects`} · {formatAge(g.lastSeen, now)} ago
                </span>
              </div>
              <ul className="mt-1 space-y-0.5 pl-2">
                {g.objects.map((o) => {
                  const entry = ownerEntry(catalog, o.apiVersion, o.kind);
                  const label = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
                  return (
                    <li key={`${o.kind}/${o.namespace ?? ''}/${o.name}`} data-warned={`${o.kind}/${o.name}`} className="truncate">
                      {entry ? (
                        <Link className="text-blue-600 hover:underline dark:text-blue-300" to={detailRoute(cluster, entry, entry.namespaced ? (o.namespace ?? undefined) : undefined, o.name)}>
                          {label}
                        </Link>
                      ) : (
                        label
                      )}
                      <span className="ml-2 text-slate-600 dark:text-slate-400" title={o.message}>
                        {o.message}
                      </span>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
          {warnings.truncated && <li className="text-xs text-slate-500">Older reasons left out.</li>}
        </ul>
      )}
    </section>
  );
}
