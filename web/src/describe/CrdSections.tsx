// Sections for well-known CRDs (Argo CD, Prometheus Operator) and the generic custom resource
// view: its spec and status as a tree.

import { at, daysUntil, type Json, records } from './model';
import { Empty, ObjectLink, Section, type SectionProps, Table } from './parts';

/** An Argo CD Application's managed resources with their sync and health. */
export function ArgoResources(props: SectionProps) {
  const resources = records(at(props.object, ['status', 'resources']));
  return (
    <Section id="resources" title="Resources">
      {resources.length === 0 ? (
        <Empty>No resources reported.</Empty>
      ) : (
        <Table
          head={['Kind', 'Namespace', 'Name', 'Sync', 'Health']}
          rows={resources.map((r) => ({
            key: `${String(r.kind)}/${String(r.namespace ?? '')}/${String(r.name)}`,
            tone: r.status === 'OutOfSync' || (at(r, ['health', 'status']) !== undefined && at(r, ['health', 'status']) !== 'Healthy') ? 'warn' : undefined,
            cells: [String(r.kind), String(r.namespace ?? '—'), String(r.name), String(r.status ?? '—'), String(at(r, ['health', 'status']) ?? '—')],
          }))}
        />
      )}
    </Section>
  );
}

/** A ServiceMonitor's scrape endpoints. */
export function MonitorEndpoints(props: SectionProps) {
  const endpoints = records(at(props.object, ['spec', 'endpoints']));
  return (
    <Section id="endpoints" title="Endpoints">
      {endpoints.length === 0 ? (
        <Empty>No endpoints: nothing is scraped.</Empty>
      ) : (
        <Table
          head={['Port', 'Path', 'Interval', 'Scheme']}
          rows={endpoints.map((e, i) => ({ key: String(e.port ?? e.targetPort ?? i), cells: [String(e.port ?? e.targetPort ?? '—'), String(e.path ?? '/metrics'), String(e.interval ?? '—'), String(e.scheme ?? 'http')] }))}
        />
      )}
    </Section>
  );
}

/** A cert-manager Certificate's secret, linked, with how long until it expires. */
export function CertificateExpiry(props: SectionProps) {
  const notAfter = at(props.object, ['status', 'notAfter']);
  const secret = at(props.object, ['spec', 'secretName']);
  const days = daysUntil(notAfter);
  return (
    <Section id="expiry" title="Expiry">
      <p className="text-sm" data-field="Expires">
        {days === null ? 'Not issued yet.' : days < 0 ? `Expired ${-days} days ago.` : `Expires in ${days} days.`}
        {typeof secret === 'string' && (
          <>
            {' '}Stored in <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: 'secrets', name: secret }} />.
          </>
        )}
      </p>
    </Section>
  );
}

function Tree({ value, depth }: { value: unknown; depth: number }) {
  if (value === null || typeof value !== 'object') return <span className="break-all">{JSON.stringify(value)}</span>;
  const entries = (Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Json)).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return <span className="text-slate-500">{Array.isArray(value) ? '[]' : '{}'}</span>;
  return (
    <ul className={depth > 0 ? 'ml-4' : ''}>
      {entries.map(([k, v]) => (
        <li key={k}>
          {v !== null && typeof v === 'object' ? (
            <details open={depth < 2}>
              <summary className="cursor-pointer text-slate-600 dark:text-slate-400">{k}</summary>
              <Tree value={v} depth={depth + 1} />
            </details>
          ) : (
            <>
              <span className="text-slate-600 dark:text-slate-400">{k}: </span>
              <Tree value={v} depth={depth + 1} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A custom resource's spec and status as trees (conditions show in their own table). */
export function SpecStatusTree(props: SectionProps) {
  return (
    <>
      {(['spec', 'status'] as const).map((part) => {
        const value = props.object[part];
        if (value === undefined) return null;
        return (
          <Section key={part} id={part} title={part === 'spec' ? 'Spec' : 'Status'}>
            <div className="font-mono text-xs">
              <Tree value={part === 'status' ? { ...(value as Json), conditions: undefined } : value} depth={0} />
            </div>
          </Section>
        );
      })}
    </>
  );
}
