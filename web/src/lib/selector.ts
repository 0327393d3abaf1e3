// Which pods a workload (or Service) selects, as a label selector string for the list API.

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}

/** Kinds whose `spec.selector` is a LabelSelector over their pods, by `group/resource`. */
const WORKLOADS = new Set(['apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'apps/replicasets', 'batch/jobs']);

/** `matchLabels` and `matchExpressions` in the apiserver's selector syntax; null when it has neither. */
export function selectorString(selector: LabelSelector | null | undefined): string | null {
  if (!selector || typeof selector !== 'object') return null;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    const values = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${values})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${values})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
  }
  return parts.length ? parts.join(',') : null;
}

export type PodSelection = { applies: false } | { applies: true; selector: string | null };

/**
 * The pods `object` of kind `group/resource` selects: workloads by `spec.selector`, Services by
 * their plain `spec.selector` map. `selector: null` = it selects none (no selector).
 */
export function podSelection(group: string, resource: string, object: Record<string, unknown> | undefined): PodSelection {
  const spec = (object?.spec ?? {}) as Record<string, unknown>;
  if (WORKLOADS.has(`${group}/${resource}`)) return { applies: true, selector: selectorString(spec.selector as LabelSelector | undefined) };
  if ((group === 'core' || group === '') && resource === 'services') {
    return { applies: true, selector: selectorString({ matchLabels: (spec.selector ?? {}) as Record<string, string> }) };
  }
  return { applies: false };
}
