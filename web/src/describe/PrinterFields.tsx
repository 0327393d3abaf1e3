// A custom resource's printer columns (its CRD's additionalPrinterColumns) as key fields, with
// the values the server evaluates for its list: the row of a one-object list read by name, so
// the describe view says what `kubectl get` says without a JSONPath evaluator of its own.

import { formatCell } from '../lib/format';
import type { KindEntry } from '../lib/kinds';
import { useRows } from './fetch';

/** Columns the describe view shows anyway (name, namespace, created). */
const SHOWN_ANYWAY = new Set(['name', 'namespace', 'createdAt']);

/** The printer columns of `group/resource` object `name` as `dt`/`dd` pairs (inside a `dl`). */
export function PrinterFields(props: { cluster: string; catalog: KindEntry[]; group: string; resource: string; namespace: string | undefined; name: string }) {
  const { cluster, catalog, group, resource, namespace, name } = props;
  const rows = useRows(cluster, catalog, group, resource, { namespace, fieldSelector: `metadata.name=${name}` }, 1);
  const row = rows.data?.items.find((r) => r.name === name);
  const columns = (rows.data?.columns ?? []).filter((c) => !SHOWN_ANYWAY.has(c.key));
  if (rows.isPending && rows.fetchStatus !== 'idle') {
    return (
      <div className="contents" data-empty="true">
        <dt className="text-slate-500">Columns</dt>
        <dd className="text-slate-500">Loading…</dd>
      </div>
    );
  }
  if (!row) return null;
  return (
    <>
      {columns.map((c) => (
        <div key={c.key} className="contents">
          <dt className="text-slate-500">{c.label}</dt>
          <dd data-field={c.label} data-printer-column={c.key} className="break-words">{formatCell(c.key, row[c.key])}</dd>
        </div>
      ))}
    </>
  );
}
