// A pod's (or a pod template's) containers and volumes, as `kubectl describe pod` shows them.

import { formatAge } from '../lib/format';
import { type ContainerInfo, type ContainerState, type EnvVar, type Json, podContainers, podVolumes } from './model';
import { Empty, ObjectLink, Section, type SectionProps, Table } from './parts';

const STATE_TONE: Record<ContainerState['state'], string> = {
  running: 'text-green-700 dark:text-green-300',
  waiting: 'text-amber-700 dark:text-amber-300',
  terminated: 'text-slate-600 dark:text-slate-400',
  unknown: 'text-slate-500',
};

function StateText({ state }: { state: ContainerState | null }) {
  if (!state) return <span className="text-slate-500">—</span>;
  const exit = state.exitCode !== null ? ` (exit ${state.exitCode})` : '';
  return (
    <span className={STATE_TONE[state.state]} title={state.message || undefined}>
      {state.state}
      {state.reason && `: ${state.reason}`}
      {exit}
      {state.since && <span className="text-slate-500"> · {formatAge(state.since)} ago</span>}
    </span>
  );
}

function EnvValue({ env, props }: { env: EnvVar; props: SectionProps }) {
  const s = env.source;
  const link = (resource: 'secrets' | 'configmaps', name: string) => <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource, name }} />;
  switch (s.kind) {
    case 'value':
      return <span className="break-all">{s.value}</span>;
    // A Secret's value is never read here: only where it comes from.
    case 'secret':
      return <span>secret {link('secrets', s.name)} key {s.key}{s.optional ? ' (optional)' : ''}</span>;
    case 'configMap':
      return <span>config map {link('configmaps', s.name)} key {s.key}{s.optional ? ' (optional)' : ''}</span>;
    case 'field':
      return <span>field {s.path}</span>;
    case 'resource':
      return <span>resource {s.resource}{s.container ? ` of ${s.container}` : ''}</span>;
  }
}

function resources(c: ContainerInfo): string {
  const names = [...new Set([...Object.keys(c.requests), ...Object.keys(c.limits)])].sort();
  return names.map((n) => `${n} ${c.requests[n] ?? '—'} / ${c.limits[n] ?? '—'}`).join(', ');
}

function Container({ c, props }: { c: ContainerInfo; props: SectionProps }) {
  const rows: [string, React.ReactNode][] = [
    ['Image', <span className="break-all font-mono text-xs">{c.image}</span>],
    ['State', <StateText state={c.current} />],
  ];
  if (c.last) rows.push(['Last termination', <StateText state={c.last} />]);
  if (c.ready !== null) rows.push(['Ready', c.ready ? 'Yes' : 'No']);
  rows.push(['Restarts', String(c.restarts)]);
  if (c.command.length) rows.push(['Command', <span className="break-all font-mono text-xs">{c.command.join(' ')}</span>]);
  if (c.ports.length) rows.push(['Ports', c.ports.join(', ')]);
  for (const p of c.probes) rows.push([`${p.kind[0]?.toUpperCase()}${p.kind.slice(1)} probe`, <span className="font-mono text-xs">{p.text}</span>]);
  const res = resources(c);
  if (res) rows.push(['Requests / limits', res]);
  return (
    <div className="rounded border border-slate-200 p-3 dark:border-slate-800" data-container={c.name} data-restarts={c.restarts}>
      <h3 className="mb-1 font-medium">
        {c.name} {c.role !== 'app' && <span className="text-xs font-normal text-slate-500">({c.role})</span>}
      </h3>
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-0.5">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd data-field={label}>{value}</dd>
          </div>
        ))}
      </dl>
      {(c.env.length > 0 || c.envFrom.length > 0) && (
        <details className="mt-2" open={c.env.length + c.envFrom.length <= 8}>
          <summary className="cursor-pointer text-slate-500">Environment ({c.env.length + c.envFrom.length})</summary>
          <ul className="mt-1 font-mono text-xs" data-env={c.name}>
            {c.envFrom.map((e) => (
              <li key={`from-${e.kind}-${e.name}`}>
                all keys of {e.kind === 'secret' ? 'secret' : 'config map'}{' '}
                <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: e.kind === 'secret' ? 'secrets' : 'configmaps', name: e.name }} />
                {e.prefix && ` (prefix ${e.prefix})`}
              </li>
            ))}
            {c.env.map((e) => (
              <li key={e.name} data-env-var={e.name}>
                {e.name}: <EnvValue env={e} props={props} />
              </li>
            ))}
          </ul>
        </details>
      )}
      {c.mounts.length > 0 && (
        <div className="mt-2 text-xs">
          <span className="text-slate-500">Mounts: </span>
          {c.mounts.map((m) => `${m.path} from ${m.name}${m.subPath ? ` (${m.subPath})` : ''}${m.readOnly ? ' (ro)' : ''}`).join(', ')}
        </div>
      )}
    </div>
  );
}

/** The containers of a pod, or of a workload's pod template (`template`). */
export function Containers(props: SectionProps & { template?: boolean }) {
  const pod: Json = props.template ? { spec: ((props.object.spec as Json | undefined)?.template as Json | undefined)?.spec ?? {} } : props.object;
  const containers = podContainers(pod);
  return (
    <Section id="containers" title={props.template ? 'Pod template containers' : `Containers (${containers.length})`}>
      {containers.length === 0 ? <Empty>No containers.</Empty> : <div className="space-y-2">{containers.map((c) => <Container key={`${c.role}-${c.name}`} c={c} props={props} />)}</div>}
    </Section>
  );
}

/** The pod template's containers of a workload. */
export function TemplateContainers(props: SectionProps) {
  return <Containers {...props} template />;
}

/** A pod's volumes, linked to the ConfigMaps, Secrets and claims they read. */
export function Volumes(props: SectionProps) {
  const volumes = podVolumes(props.object);
  if (volumes.length === 0) return null;
  return (
    <Section id="volumes" title="Volumes">
      <Table
        head={['Name', 'Type', 'Source']}
        rows={volumes.map((v) => ({
          key: v.name,
          cells: [
            v.name,
            v.type,
            <span>
              {v.refs.map((r) => (
                <span key={`${r.resource}/${r.name}`} className="mr-2">
                  <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'core', resource: r.resource, name: r.name }} />
                </span>
              ))}
              {v.detail}
            </span>,
          ],
        }))}
      />
    </Section>
  );
}
