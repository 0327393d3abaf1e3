import { describe, expect, it } from 'vitest';

import { BUILTIN_KINDS } from '../test/builtinKinds.gen';
import { actionsFor, canIResource, parseReplicas } from './actions';

/** The actions the server's kinds list offers for a built-in plural. */
const offers = (plural: string) => BUILTIN_KINDS.find((k) => k.plural === plural)?.actions ?? [];
const ids = (plural: string, object?: Record<string, unknown>) => actionsFor(offers(plural), object).map((a) => a.id);

describe('actionsFor', () => {
  it('shows what the server offers: scale, restart and rollback for deployments, labels and delete for everything', () => {
    expect(ids('deployments')).toEqual(['scale', 'restart', 'rollback', 'labels', 'delete']);
    expect(ids('daemonsets')).toEqual(['restart', 'rollback', 'labels', 'delete']);
    expect(ids('configmaps')).toEqual(['labels', 'delete']);
    // A custom kind: whatever its kinds entry says.
    expect(actionsFor(['labels', 'delete'], {}).map((a) => a.id)).toEqual(['labels', 'delete']);
    expect(actionsFor([], {})).toEqual([]);
  });
  it('follows the object state for toggles', () => {
    expect(ids('nodes', { spec: {} })).toEqual(['cordon', 'labels', 'delete']);
    expect(ids('nodes', { spec: { unschedulable: true } })).toEqual(['uncordon', 'labels', 'delete']);
    expect(ids('cronjobs', { spec: {} })).toEqual(['suspend', 'trigger', 'labels', 'delete']);
    expect(ids('cronjobs', { spec: { suspend: true } })).toEqual(['resume', 'trigger', 'labels', 'delete']);
  });
  it('edits labels with PUT and rolls back with POST', () => {
    const byId = Object.fromEntries(actionsFor(offers('deployments'), {}).map((a) => [a.id, a]));
    expect([byId.labels?.method, byId.labels?.sub, byId.labels?.verb]).toEqual(['PUT', 'labels', 'patch']);
    expect([byId.rollback?.method, byId.rollback?.sub]).toEqual(['POST', 'rollback']);
  });
  it('asks can-i about jobs for a trigger', () => {
    const trigger = actionsFor(offers('cronjobs'), {}).find((a) => a.id === 'trigger');
    expect(trigger && canIResource(trigger, 'batch', 'cronjobs')).toEqual({ group: 'batch', resource: 'jobs' });
    expect(actionsFor(offers('cronjobs'), {}).find((a) => a.id === 'delete')?.sub).toBe('');
  });
});

describe('parseReplicas', () => {
  it('accepts whole numbers', () => {
    expect(parseReplicas(' 3 ')).toEqual({ replicas: 3 });
    expect(parseReplicas('0')).toEqual({ replicas: 0 });
  });
  it('refuses the rest', () => {
    expect(parseReplicas('-1')).toHaveProperty('error');
    expect(parseReplicas('2.5')).toHaveProperty('error');
    expect(parseReplicas('')).toHaveProperty('error');
    expect(parseReplicas('20000')).toHaveProperty('error');
  });
});
