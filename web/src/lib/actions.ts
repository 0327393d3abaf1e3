// The one-click actions of an object page: which apply to a kind is the server's answer (the
// kinds list, decided by group and plural); here is how each looks and what it sends.

import type { Action } from '../api/types.gen';
import type { ActionMethod } from '../api/endpoints';

export type ActionId = Action;

export interface ActionSpec {
  id: ActionId;
  label: string;
  /** HTTP method and sub-path of the object URL (`''` = the object itself). */
  method: ActionMethod;
  sub: string;
  /** The RBAC verb on the resource that can-i is asked about. */
  verb: 'patch' | 'delete' | 'create';
  danger?: boolean;
}

const A = (id: ActionId, label: string, verb: ActionSpec['verb'], method: ActionMethod = 'POST', danger = false): ActionSpec => ({
  id,
  label,
  method,
  sub: id === 'delete' ? '' : id,
  verb,
  danger,
});

const SPECS: Record<ActionId, ActionSpec> = {
  scale: A('scale', 'Scale', 'patch'),
  restart: A('restart', 'Restart', 'patch'),
  rollback: A('rollback', 'Roll back', 'patch'),
  cordon: A('cordon', 'Cordon', 'patch'),
  uncordon: A('uncordon', 'Uncordon', 'patch'),
  suspend: A('suspend', 'Suspend', 'patch'),
  resume: A('resume', 'Resume', 'patch'),
  trigger: A('trigger', 'Trigger now', 'create'),
  labels: A('labels', 'Edit labels', 'patch', 'PUT'),
  delete: A('delete', 'Delete', 'delete', 'DELETE', true),
};

/** Of the actions the kind `offers`, those that fit the object's state (cordon or uncordon, …). */
export function actionsFor(offers: readonly ActionId[], object: Record<string, unknown> | undefined): ActionSpec[] {
  const spec = (object?.spec ?? {}) as Record<string, unknown>;
  const unschedulable = spec.unschedulable === true;
  const suspended = spec.suspend === true;
  const fits: Partial<Record<ActionId, boolean>> = { cordon: !unschedulable, uncordon: unschedulable, suspend: !suspended, resume: suspended };
  return offers.filter((id) => fits[id] ?? true).map((id) => SPECS[id]);
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
