// Which one-click actions a kind offers (docs/api.md, Objects) and what they send.

export type ActionId = 'scale' | 'restart' | 'rollback' | 'cordon' | 'uncordon' | 'suspend' | 'resume' | 'trigger' | 'labels' | 'delete';

export interface ActionSpec {
  id: ActionId;
  label: string;
  /** HTTP method and sub-path of the object URL (`''` = the object itself). */
  method: 'POST' | 'PUT' | 'DELETE';
  sub: string;
  /** The RBAC verb on the resource that can-i is asked about. */
  verb: 'patch' | 'delete' | 'create';
  danger?: boolean;
}

const A = (id: ActionId, label: string, verb: ActionSpec['verb'], method: ActionSpec['method'] = 'POST', danger = false): ActionSpec => ({
  id,
  label,
  method,
  sub: id === 'delete' ? '' : id,
  verb,
  danger,
});

/** Actions for an object of `resource`, given its current state. */
export function actionsFor(resource: string, object: Record<string, unknown> | undefined): ActionSpec[] {
  const spec = (object?.spec ?? {}) as Record<string, unknown>;
  const out: ActionSpec[] = [];
  if (['deployments', 'statefulsets', 'replicasets'].includes(resource)) out.push(A('scale', 'Scale', 'patch'));
  if (['deployments', 'statefulsets', 'daemonsets'].includes(resource)) {
    out.push(A('restart', 'Restart', 'patch'));
    out.push(A('rollback', 'Roll back', 'patch'));
  }
  if (resource === 'nodes') out.push(spec.unschedulable === true ? A('uncordon', 'Uncordon', 'patch') : A('cordon', 'Cordon', 'patch'));
  if (resource === 'cronjobs') {
    out.push(spec.suspend === true ? A('resume', 'Resume', 'patch') : A('suspend', 'Suspend', 'patch'));
    out.push(A('trigger', 'Trigger now', 'create'));
  }
  out.push(A('labels', 'Edit labels', 'patch', 'PUT'));
  out.push(A('delete', 'Delete', 'delete', 'DELETE', true));
  return out;
}

/** The resource can-i is asked about: triggering a CronJob creates a Job. */
export function canIResource(action: ActionSpec, group: string, resource: string): { group: string; resource: string } {
  if (action.id === 'trigger') return { group: 'batch', resource: 'jobs' };
  return { group, resource };
}

/** A scale request: a whole number from 0 up, or an error to show. */
export function parseReplicas(text: string): { replicas: number } | { error: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: 'Replicas must be a whole number, 0 or more.' };
  const replicas = Number(trimmed);
  if (replicas > 10000) return { error: 'That is more than 10000 replicas.' };
  return { replicas };
}
