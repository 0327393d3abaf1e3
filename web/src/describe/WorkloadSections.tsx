// Workload sections: the rollout with why it is stuck, an HPA's metrics, a CronJob's jobs.

import { RelatedPods } from '../components/RelatedPods';
import { type LabelSelector, selectorString } from '../lib/selector';
import { at, type Json, records, rollout } from './model';
import { Empty, ObjectLink, Section, type SectionProps, Table } from './parts';

/** Desired, updated, ready and available replicas, and when the rollout is stuck, why. */
export function RolloutPanel(props: SectionProps) {
  const r = rollout(String(props.object.kind ?? ''), props.object);
  const state = r.stuck ? 'stuck' : r.done ? 'complete' : 'progressing';
  return (
    <Section id="rollout" title="Rollout" extra={<span data-field="Rollout" data-state={state} className={`text-xs font-normal ${r.stuck ? 'text-red-700 dark:text-red-300' : r.done ? 'text-green-700 dark:text-green-300' : 'text-amber-700 dark:text-amber-300'}`}>{state}</span>}>
      <p className="text-sm" data-field="Replicas">
        {r.desired} desired · {r.updated} updated · {r.ready} ready · {r.available} available
      </p>
      {r.stuck && (
        <p role="status" data-field="Stuck" className="mt-1 rounded border border-red-300 bg-red-50 p-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          {r.stuck}
        </p>
      )}
    </Section>
  );
}

/** The pods a PodDisruptionBudget (or any `spec.selector` LabelSelector) covers. */
export function SelectedPods(props: SectionProps) {
  return <RelatedPods cluster={props.cluster} namespace={props.namespace} selector={selectorString(at(props.object, ['spec', 'selector']) as LabelSelector | undefined)} />;
}

function metricText(m: Json | undefined, which: 'target' | 'current'): string {
  if (!m) return '—';
  const inner = (Object.values(m).find((v) => v && typeof v === 'object') ?? {}) as Json;
  const value = (inner[which] ?? {}) as Json;
  if (value.averageUtilization !== undefined) return `${String(value.averageUtilization)}%`;
  return String(value.averageValue ?? value.value ?? '—');
}

function metricName(m: Json): string {
  const inner = (Object.values(m).find((v) => v && typeof v === 'object') ?? {}) as Json;
  const name = (inner.name ?? at(inner, ['metric', 'name'])) as string | undefined;
  return `${String(m.type)}${name ? ` ${name}` : ''}`;
}

/** An HPA: what it scales, and each metric's current value against its target. */
export function HpaMetrics(props: SectionProps) {
  const target = at(props.object, ['spec', 'scaleTargetRef']) as Json | undefined;
  const specs = records(at(props.object, ['spec', 'metrics']));
  const current = records(at(props.object, ['status', 'currentMetrics']));
  const resource = target && { Deployment: 'deployments', StatefulSet: 'statefulsets', ReplicaSet: 'replicasets' }[String(target.kind)];
  return (
    <Section id="metrics" title="Metrics">
      {target && resource && (
        <p className="mb-1 text-sm">
          Scales <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'apps', resource, name: String(target.name) }}>{`${String(target.kind)}/${String(target.name)}`}</ObjectLink>
        </p>
      )}
      {specs.length === 0 ? (
        <Empty>No metrics.</Empty>
      ) : (
        <Table head={['Metric', 'Current', 'Target']} rows={specs.map((m, i) => ({ key: metricName(m), cells: [metricName(m), metricText(current[i], 'current'), metricText(m, 'target')] }))} />
      )}
    </Section>
  );
}

/** A CronJob's running jobs, linked. */
export function ActiveJobs(props: SectionProps) {
  const active = records(at(props.object, ['status', 'active']));
  return (
    <Section id="active-jobs" title="Active jobs">
      {active.length === 0 ? (
        <Empty>None running.</Empty>
      ) : (
        <ul className="text-sm">
          {active.map((j) => (
            <li key={String(j.name)}>
              <ObjectLink cluster={props.cluster} catalog={props.catalog} namespace={props.namespace} target={{ group: 'batch', resource: 'jobs', name: String(j.name) }} />
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
