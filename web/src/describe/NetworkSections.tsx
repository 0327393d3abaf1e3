// Network sections: a Service's ports and live endpoints, an Ingress's routes and whether their
// backends resolve, an EndpointSlice's endpoints, a NetworkPolicy's rules.

import { podSelection } from '../lib/selector';
import { useObjects, useRows } from './fetch';
import { at, backendProblem, endpointRows, ingressPaths, type Json, records } from './model';
import { Empty, ObjectLink, Section, type SectionProps, Table } from './parts';

/** A Service's ports and the endpoints behind it (from its EndpointSlices). */
export function ServicePorts(props: SectionProps) {
  const ports = records(at(props.object, ['spec', 'ports']));
  const slices = useRows(props.cluster, props.catalog, 'discovery.k8s.io', 'endpointslices', { namespace: props.namespace, labelSelector: `kubernetes.io/service-name=${props.name}` });
  const names = (slices.data?.items ?? []).map((r) => r.name);
  const objects = useObjects(props.cluster, props.catalog, 'discovery.k8s.io', 'endpointslices', props.namespace, names);
  const loaded = slices.data !== undefined && objects.every((o) => o.data !== undefined);
  const endpoints = endpointRows(objects.flatMap((o) => (o.data ? [o.data] : [])));
  const ready = endpoints.filter((e) => e.ready).length;
  const external = at(props.object, ['spec', 'type']) === 'ExternalName';
  const pods = podSelection('core', 'services', props.object);
  return (
    <>
      <Section id="ports" title="Ports">
        {ports.length === 0 ? (
          <Empty>No ports.</Empty>
        ) : (
          <Table
            head={['Name', 'Port', 'Target', 'Protocol', 'Node port']}
            rows={ports.map((p) => ({ key: String(p.name ?? p.port), cells: [String(p.name ?? '—'), String(p.port), String(p.targetPort ?? p.port), String(p.protocol ?? 'TCP'), String(p.nodePort ?? '—')] }))}
          />
        )}
      </Section>
      {!external && (
        <Section id="endpoints" title="Endpoints" extra={loaded && <span className="text-xs font-normal text-slate-500" data-field="Endpoints">{ready} ready of {endpoints.length}</span>}>
          {slices.isError && <Empty>Endpoints cannot be read: {String(slices.error.message)}</Empty>}
          {!loaded && !slices.isError && <Empty>Loading…</Empty>}
          {loaded && endpoints.length === 0 && (
            <p role="status" data-field="No endpoints" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
              No endpoints: {pods.applies && pods.selector === null ? 'the Service has no selector and no EndpointSlices were written for it.' : 'no ready pod matches the selector, so traffic to this Service goes nowhere.'}
            </p>
          )}
          {endpoints.length > 0 && (
            <Table
              head={['Address', 'Ready', 'Pod', 'Node']}
              rows={endpoints.map((e) => ({
                key: e.address,
                tone: e.ready ? undefined : 'warn',
                cells: [
                  e.address,
                  e.ready ? 'Yes' : 'No',
                  e.target ? <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: 'pods', name: e.target }} /> : '—',
                  e.node || '—',
                ],
              }))}
            />
          )}
        </Section>
      )}
    </>
  );
}

/** An Ingress's host × path routes, each backend checked: the Service exists and has the port. */
export function IngressRules(props: SectionProps) {
  const paths = ingressPaths(props.object);
  const services = [...new Set(paths.filter((p) => p.service).map((p) => p.service))];
  const objects = useObjects(props.cluster, props.catalog, 'core', 'services', props.namespace, services);
  const byName = new Map(objects.map((o) => [o.name, o]));
  return (
    <Section id="rules" title="Rules">
      {paths.length === 0 ? (
        <Empty>No rules.</Empty>
      ) : (
        <Table
          head={['Host', 'Path', 'Backend', 'Resolves']}
          rows={paths.map((p) => {
            const svc = byName.get(p.service);
            const problem = svc?.data === undefined ? undefined : backendProblem(p, svc.data);
            return {
              key: `${p.host}${p.path}`,
              tone: problem ? 'warn' : undefined,
              cells: [
                p.host,
                p.path,
                p.resource || (
                  <span>
                    <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: 'services', name: p.service }} />:{p.port}
                  </span>
                ),
                <span data-resolves={problem === undefined ? 'unknown' : problem ? 'no' : 'yes'}>{problem === undefined ? (svc?.error ? 'cannot check' : '…') : (problem ?? 'Yes')}</span>,
              ],
            };
          })}
        />
      )}
    </Section>
  );
}

/** An EndpointSlice's endpoints. */
export function SliceEndpoints(props: SectionProps) {
  const rows = endpointRows([props.object]);
  return (
    <Section id="endpoints" title="Endpoints">
      {rows.length === 0 ? (
        <Empty>No endpoints.</Empty>
      ) : (
        <Table
          head={['Address', 'Ready', 'Pod', 'Node']}
          rows={rows.map((e) => ({
            key: e.address,
            tone: e.ready ? undefined : 'warn',
            cells: [e.address, e.ready ? 'Yes' : 'No', e.target ? <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: 'pods', name: e.target }} /> : '—', e.node || '—'],
          }))}
        />
      )}
    </Section>
  );
}

function peerText(peer: Json): string {
  if (peer.ipBlock) {
    const b = peer.ipBlock as Json;
    const except = Array.isArray(b.except) && b.except.length ? ` except ${b.except.join(', ')}` : '';
    return `CIDR ${String(b.cidr)}${except}`;
  }
  const sel = (s: unknown) => {
    const labels = Object.entries(((s as Json | undefined)?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
    return labels.length ? labels.join(',') : 'all';
  };
  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaces ${sel(peer.namespaceSelector)}`);
  if (peer.podSelector) parts.push(`pods ${sel(peer.podSelector)}`);
  return parts.join(' · ') || 'any';
}

const portsText = (rule: Json) => records(rule.ports).map((p) => `${String(p.port ?? 'any')}/${String(p.protocol ?? 'TCP')}`).join(', ') || 'all ports';

/** A NetworkPolicy's ingress and egress rules: from/to whom, on which ports. */
export function PolicyRules(props: SectionProps) {
  const spec = (props.object.spec ?? {}) as Json;
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : ['Ingress'];
  const block = (dir: 'ingress' | 'egress', peerKey: 'from' | 'to') => {
    const rules = records(spec[dir]);
    const title = dir === 'ingress' ? 'Ingress' : 'Egress';
    if (!types.includes(title)) return null;
    return (
      <Section id={dir} title={title}>
        {rules.length === 0 ? (
          <Empty>{title} denied: no rule allows any traffic.</Empty>
        ) : (
          <Table
            head={[peerKey === 'from' ? 'From' : 'To', 'Ports']}
            rows={rules.map((r, i) => ({ key: String(i), cells: [records(r[peerKey]).map(peerText).join('; ') || 'anywhere', portsText(r)] }))}
          />
        )}
      </Section>
    );
  };
  return (
    <>
      {block('ingress', 'from')}
      {block('egress', 'to')}
    </>
  );
}
