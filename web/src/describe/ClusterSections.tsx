// Node, quota, limit range and ConfigMap sections.

import { RelatedPods } from '../components/RelatedPods';
import { formatBytes } from '../lib/format';
import { at, nodeResources, quotaRows, records, stringMap, taintText } from './model';
import { Empty, Section, type SectionProps, ShareBar, Table } from './parts';

/** A node's capacity and allocatable, its taints, and the pods scheduled on it. */
export function NodeDetails(props: SectionProps) {
  const resources = nodeResources(props.object);
  const taints = records(at(props.object, ['spec', 'taints']));
  return (
    <>
      <Section id="resources" title="Capacity">
        <Table head={['Resource', 'Capacity', 'Allocatable']} rows={resources.map((r) => ({ key: r.resource, cells: [r.resource, r.capacity, r.allocatable] }))} />
      </Section>
      <Section id="taints" title="Taints">
        {taints.length === 0 ? <Empty>None: any pod may schedule here.</Empty> : <ul className="font-mono text-xs">{taints.map((t) => <li key={taintText(t)} data-taint={taintText(t)}>{taintText(t)}</li>)}</ul>}
      </Section>
      <RelatedPods cluster={props.cluster} namespace={undefined} selector="" fieldSelector={`spec.nodeName=${props.name}`} />
    </>
  );
}

/** A ResourceQuota's resources: used against hard, as bars. */
export function QuotaBars(props: SectionProps) {
  const rows = quotaRows(props.object);
  return (
    <Section id="quota" title="Usage">
      {rows.length === 0 ? (
        <Empty>No limits set.</Empty>
      ) : (
        <Table head={['Resource', 'Used', 'Hard', '']} rows={rows.map((r) => ({ key: r.resource, tone: r.share !== null && r.share >= 1 ? 'warn' : undefined, cells: [r.resource, r.used, r.hard, <ShareBar share={r.share} />] }))} />
      )}
    </Section>
  );
}

/** A LimitRange's limits per type and resource, as `kubectl describe limits` lists them. */
export function LimitTable(props: SectionProps) {
  const rows = records(at(props.object, ['spec', 'limits'])).flatMap((l) => {
    const cols = ['min', 'max', 'defaultRequest', 'default', 'maxLimitRequestRatio'].map((k) => stringMap(l[k]));
    const names = [...new Set(cols.flatMap((c) => Object.keys(c)))].sort();
    return names.map((n) => ({ key: `${String(l.type)}/${n}`, cells: [String(l.type), n, ...cols.map((c) => c[n] ?? '—')] }));
  });
  return (
    <Section id="limits" title="Limits">
      {rows.length === 0 ? <Empty>No limits.</Empty> : <Table head={['Type', 'Resource', 'Min', 'Max', 'Default request', 'Default limit', 'Max limit/request']} rows={rows} />}
    </Section>
  );
}

/** A ConfigMap's keys with their sizes; values (not secret) open on demand. */
export function ConfigData(props: SectionProps) {
  const data = stringMap(props.object.data);
  const binary = stringMap(props.object.binaryData);
  const keys = [...Object.keys(data).map((k) => ({ key: k, value: data[k] ?? '', binary: false })), ...Object.keys(binary).map((k) => ({ key: k, value: binary[k] ?? '', binary: true }))].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <Section id="data" title={`Data (${keys.length})`}>
      {keys.length === 0 ? (
        <Empty>No keys.</Empty>
      ) : (
        <ul className="space-y-1 text-sm">
          {keys.map((k) => (
            <li key={k.key} data-key={k.key}>
              <details>
                <summary className="cursor-pointer">
                  <span className="font-mono">{k.key}</span> <span className="text-xs text-slate-500">{k.binary ? `binary, ${formatBytes(Math.floor((k.value.length * 3) / 4))}` : formatBytes(new TextEncoder().encode(k.value).length)}</span>
                </summary>
                {!k.binary && <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">{k.value}</pre>}
              </details>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
